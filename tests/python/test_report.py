"""report.html, Result.plot and `kinesim report`: self-contained, deterministic, exact series."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kinesim
from kinesim import _plot, cli

ROOT = Path(__file__).resolve().parents[2]

#: A plan document as `kinesim plan` writes it (plan.json), with a key the report ignores.
SAMPLE_PLAN: dict[str, Any] = {
    "scenario": {"name": "hot-key"},
    "objectives": [
        {
            "text": "throttled<=0.1%",
            "figure": "throttled",
            "op": "<=",
            "value": 0.001,
            "unit": "fraction",
        }
    ],
    "modes": ["provisioned", "on-demand Standard"],
    "best": {
        "provisioned": {
            "feasible": True,
            "shards": 3,
            "cost_per_month": 106.44,
            "components": [{"name": "shard hours", "per_month": 32.85}],
            "knobs": {"stream.shards": 3},
        },
        "on-demand Standard": {"feasible": False, "reason": "throttled 2.1 % (needs <= 0.1 %)"},
    },
    "candidates": [
        {
            "mode": "provisioned",
            "shards": 2,
            "knobs": {"stream.shards": 2},
            "feasible": False,
            "failed": ["throttled 5.0 % (needs <= 0.1 %)"],
            "figures": {"throttled": 0.05},
            "cost_per_month": 95.49,
        },
        {
            "mode": "provisioned",
            "shards": 3,
            "knobs": {"stream.shards": 3},
            "feasible": True,
            "failed": [],
            "figures": {"throttled": 0.0},
            "cost_per_month": 106.44,
        },
        {
            "mode": "provisioned",
            "shards": 4,
            "knobs": {"stream.shards": 4},
            "feasible": True,
            "failed": [],
            "figures": {"throttled": 0.0},
            "cost_per_month": 117.39,
        },
        {
            "mode": "on-demand Standard",
            "shards": None,
            "knobs": {"stream.mode": "ON_DEMAND"},
            "feasible": False,
            "failed": ["throttled 2.1 % (needs <= 0.1 %)"],
            "figures": {"throttled": 0.021},
            "cost_per_month": 160.6,
        },
    ],
    "formula": {"shards": 3, "explanation": "2,400 records/s / 1,000 records/s per shard"},
    "headline": "provisioned with 3 shards meets every objective for $106.44 per month",
    "extra_key_the_report_ignores": [1, 2, 3],
}


def hot_key_scenario() -> dict[str, Any]:
    """scenarios/hot-key.json shortened to 10 minutes."""
    scenario = json.loads((ROOT / "scenarios" / "hot-key.json").read_text())
    return {**scenario, "duration": "10m"}


def consumer_scenario() -> dict[str, Any]:
    """scenarios/kcl-failover.json: a KCL fleet through a crash and a deploy, 20 minutes."""
    return json.loads((ROOT / "scenarios" / "kcl-failover.json").read_text())


def reshard_scenario() -> dict[str, Any]:
    """2 -> 4 shards called at 75 s: the parents close mid-bucket."""
    return {
        "name": "reshard-mid-bucket",
        "duration": "3m",
        "seed": 9,
        "stream": {"shards": 2},
        "producers": [
            {
                "name": "p",
                "rate": {"profile": "poisson", "records_per_sec": 1500},
                "keys": {"dist": "uniform", "count": 1000},
                "record_size": "1KiB",
            }
        ],
        "timeline": [{"at": "75s", "action": "update_shard_count", "target": 4}],
    }


@pytest.fixture(scope="module")
def hot_key() -> kinesim.Result:
    return kinesim.run(hot_key_scenario())


@pytest.fixture(scope="module")
def with_consumers() -> kinesim.Result:
    return kinesim.run(consumer_scenario())


def charts_in(page: str) -> list[str]:
    return re.findall(r'<figure class="chart" id="chart-[^"]+" data-chart="([^"]+)"', page)


def test_report_is_self_contained(hot_key, tmp_path: Path) -> None:
    page = kinesim.report(hot_key, tmp_path / "report.html").read_text(encoding="utf-8")
    assert "<script" not in page
    assert "<link" not in page
    assert "@import" not in page
    references = re.findall(r'(?:src|href)\s*=\s*"([^"]*)"', page)
    assert references, "the charts' SVG refer to their own ids"
    # Ids in the page, or an image inline (the heat map's cells).
    assert all(r.startswith(("#", "data:image/png;base64,")) for r in references), [
        r[:40] for r in references
    ]
    assert not re.search(r"url\((?!#)", page)
    # The only URLs left are XML namespace names, which browsers never fetch.
    urls = set(re.findall(r"https?://[^\"' )<]+", page))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}, urls
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids are unique across the charts"


def test_a_rerun_gives_identical_bytes_and_result_and_folder_agree(hot_key, tmp_path) -> None:
    first = kinesim.report(hot_key, tmp_path / "a.html").read_bytes()
    again = kinesim.report(kinesim.run(hot_key_scenario()), tmp_path / "b.html").read_bytes()
    assert first == again
    folder = hot_key.write(tmp_path / "out")
    assert kinesim.report(folder) == folder / "report.html"
    assert (folder / "report.html").read_bytes() == first


def test_hot_key_report_order_charts_and_figures(hot_key, tmp_path: Path) -> None:
    page = kinesim.report(hot_key, tmp_path / "r.html").read_text(encoding="utf-8")
    assert charts_in(page) == [
        "throughput",
        "throttling_heatmap",
        "put_latency",
        "capacity",
        "hot_keys",
        "cost",
    ]
    assert "Consumers: the scenario has no consumers" in page
    s = hot_key.summary
    assert '<p class="meta">10m simulated, seed 17, metrics per 1m; stream events' in page
    order = [
        page.index("<h1>kinesim: hot-key</h1>"),
        page.index(s["headline"]),
        page.index('<li class="finding error"'),
        page.index(f"{s['records']['produced']:,}"),
        page.index('id="chart-throughput"'),
        page.index(s["sizing"]["comparison"]),
    ]
    assert order == sorted(order)
    assert f'<td class="num">{s["stream"]["throttled_entries"]:,}</td>' in page
    for mode in s["cost"]["modes"]:
        assert f'<td class="num">{mode["per_month"]:,.2f}</td><td>USD per month</td>' in page
    assert 'id="plan"' not in page


def test_consumer_report_has_the_consumers_chart_and_skips_the_empty_heatmap(
    with_consumers, tmp_path: Path
) -> None:
    page = kinesim.report(with_consumers, tmp_path / "r.html").read_text(encoding="utf-8")
    assert charts_in(page) == [
        "throughput",
        "put_latency",
        "capacity",
        "hot_keys",
        "cost",
        "consumers",
    ]
    assert "Throttling by shard and time: no write was throttled" in page


def test_plan_json_in_the_folder_adds_the_plan_section(with_consumers, tmp_path: Path) -> None:
    folder = with_consumers.write(tmp_path / "out")
    (folder / "plan.json").write_text(json.dumps(SAMPLE_PLAN), encoding="utf-8")
    page = kinesim.report(folder).read_text(encoding="utf-8")
    assert charts_in(page)[-1] == "plan"
    plan = page[page.index('<section id="plan">') :]
    assert SAMPLE_PLAN["headline"] in plan
    assert "<code>throttled&lt;=0.1%</code>" in plan
    assert (
        '<tr><td>provisioned</td><td class="feasible">yes</td><td class="num">3</td>'
        '<td class="num">106.44</td><td>stream.shards=3</td></tr>'
    ) in plan
    assert '<td class="infeasible">no</td>' in plan
    assert "throttled 2.1 % (needs &lt;= 0.1 %)" in plan
    assert plan.count("<tr><td>provisioned</td>") == 1 + 3  # best, then three candidates
    assert '<tr><td>on-demand Standard</td><td class="num">-</td>' in plan  # no shard count


def test_plan_only_report(tmp_path: Path) -> None:
    page = kinesim.report(None, tmp_path / "plan.html", plan=SAMPLE_PLAN)
    text = page.read_text(encoding="utf-8")
    assert "<h1>kinesim: hot-key</h1>" in text
    assert charts_in(text) == ["plan"]
    with pytest.raises(ValueError, match="path is required"):
        kinesim.report(None, plan=SAMPLE_PLAN)


def test_plan_chart_marks_feasibility_and_the_formula() -> None:
    fig = _plot.plan(SAMPLE_PLAN)
    (ax,) = fig.axes
    assert ax.get_xlabel() == "shard count"
    assert ax.get_ylabel() == "cost (USD per month)"
    labels = ax.get_legend_handles_labels()[1]
    assert labels == [
        "provisioned: feasible",
        "provisioned: infeasible",
        "provisioned: best",
        "on-demand Standard (infeasible)",
        "formula: 3 shards",
    ]
    feasible = ax.collections[0].get_offsets()
    assert feasible.tolist() == [[3.0, 106.44], [4.0, 117.39]]
    with pytest.raises(kinesim.NoData):
        _plot.plan({"candidates": []})


def test_result_plot_returns_figures_with_units(hot_key) -> None:
    from matplotlib.figure import Figure

    expected = {
        "throughput": ["accepted writes (records/s)", "accepted writes (MiB/s)"],
        "throttling_heatmap": ["shard", "throttled entries/s"],
        "put_latency": ["latency (ms)", "request latency (ms)"],
        "capacity": ["open shards (shards)"],
        "hot_keys": ["key -> shard", ""],
        "cost": ["cost (USD per month)"],
    }
    for name, ylabels in expected.items():
        fig = getattr(hot_key.plot, name)()
        assert isinstance(fig, Figure), name
        assert [ax.get_ylabel() for ax in fig.axes] == ylabels, name
        assert all(ax.get_title() or ax.get_ylabel() for ax in fig.axes), name
    assert hot_key.plot.throughput().axes[0].get_xlabel() == "time into the run (min)"
    assert [ax.get_xlabel() for ax in hot_key.plot.hot_keys().axes] == [
        "offered, mean over the run (records/s)",
        "offered, mean over the run (MiB/s)",
    ]
    with pytest.raises(kinesim.NoData, match="no consumers"):
        hot_key.plot.consumers()


def test_consumers_chart_plots_lag_rate_and_latency(with_consumers) -> None:
    fig = with_consumers.plot.consumers()
    assert [ax.get_ylabel() for ax in fig.axes] == [
        "lag (s)",
        "processed (records/s)",
        "latency (ms)",
    ]
    rate = fig.axes[1].get_lines()[0]
    assert rate.get_label() == "fulfilment"
    processed = with_consumers.metrics()["fulfilment/RecordsProcessed"]
    np.testing.assert_allclose(rate.get_ydata()[:-1], processed / 60.0)


def line(ax: Any, label: str) -> Any:
    (found,) = [x for x in ax.get_lines() if x.get_label() == label]
    return found


def test_throughput_is_the_metric_per_second_of_each_bucket(hot_key) -> None:
    fig = hot_key.plot.throughput()
    records, mib = fig.axes
    hottest = hot_key.summary["hottest_shards"][0]["shard_id"]
    metrics = hot_key.metrics()
    drawn = line(records, hottest)
    assert drawn.get_xdata().tolist() == [float(m) for m in range(11)]  # minutes 0 ... 10
    np.testing.assert_array_equal(
        drawn.get_ydata()[:-1], metrics[f"{hottest}/IncomingRecords"] / 60.0
    )
    np.testing.assert_allclose(
        line(mib, hottest).get_ydata()[:-1], metrics[f"{hottest}/IncomingBytes"] / 60.0 / 2**20
    )
    assert list(line(records, "shard limit 1,000 records/s").get_ydata()) == [1000.0, 1000.0]
    assert list(line(mib, "shard limit 1 MiB/s").get_ydata()) == [1.0, 1.0]
    # Four shards drawn one by one, the other four as a median.
    assert len([x for x in records.get_lines() if x.get_label().startswith("shardId-")]) == 4
    assert line(records, "other 4 shards: median")


def test_rates_of_shards_that_open_or_close_mid_bucket_count_only_their_life() -> None:
    result = kinesim.run(reshard_scenario())
    shards = {s["shard_id"]: s for s in result.summary["shards"]}
    closed = shards["shardId-000000000000"]["closed_s"]
    assert 60 < closed < 120
    data = _plot.RunData.from_result(result)
    rates = data.shard_rates("IncomingRecords")
    metrics = result.metrics()
    parent = metrics["shardId-000000000000/IncomingRecords"]
    assert rates["shardId-000000000000"][1] == parent[1] / (closed - 60)
    assert np.isnan(rates["shardId-000000000000"][2])
    child = metrics["shardId-000000000002/IncomingRecords"]
    assert shards["shardId-000000000002"]["created_s"] == closed
    assert rates["shardId-000000000002"][1] == child[1] / (120 - closed)
    assert np.isnan(rates["shardId-000000000002"][0])
    assert rates["shardId-000000000002"][2] == child[2] / 60


def test_heatmap_cells_are_throttled_entries_per_second(hot_key) -> None:
    fig = hot_key.plot.throttling_heatmap()
    image = fig.axes[0].get_images()[0].get_array()
    shards = sorted(s["shard_id"] for s in hot_key.summary["shards"])
    metrics = hot_key.metrics()
    expected = np.vstack([metrics[f"{s}/WriteProvisionedThroughputExceeded"] / 60 for s in shards])
    np.testing.assert_array_equal(np.asarray(image), expected)


def test_cost_bars_stack_each_modes_components(hot_key) -> None:
    (ax,) = hot_key.plot.cost().axes
    modes = hot_key.summary["cost"]["modes"]
    for i, mode in enumerate(modes):
        bars = [b for b in ax.patches if round(b.get_x() + b.get_width() / 2) == i]
        heights = sorted(b.get_height() for b in bars if b.get_height() > 0)
        # Heights come back as top - bottom: equal up to float rounding.
        assert heights == pytest.approx(
            sorted(c["per_month"] for c in mode["components"] if c["per_month"] > 0), rel=1e-12
        )
    assert [t.get_text() for t in ax.texts] == [f"${m['per_month']:,.2f}" for m in modes]


def test_cli_run_report_writes_the_same_page_as_kinesim_report(tmp_path, capsys) -> None:
    scenario = tmp_path / "hot-key.json"
    scenario.write_text(json.dumps(hot_key_scenario()))
    assert cli.main(["run", str(scenario), "--out", str(tmp_path / "out"), "--report"]) == 0
    assert "report.html" in capsys.readouterr().out
    page = (tmp_path / "out" / "report.html").read_bytes()
    assert cli.main(["report", str(tmp_path / "out"), "--out", str(tmp_path / "again.html")]) == 0
    assert capsys.readouterr().out == f"report in {tmp_path / 'again.html'}\n"
    assert (tmp_path / "again.html").read_bytes() == page
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.html", "hot-key.json", "out"]


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda d: None, "not a folder"),
        (lambda d: d.mkdir(), "no summary.json"),
        (lambda d: (d.mkdir(), (d / "summary.json").write_text("{not json")), "cannot read"),
        (lambda d: (d.mkdir(), (d / "summary.json").write_text('{"a": 1}')), "not a kinesim"),
        (
            lambda d: (d.mkdir(), (d / "plan.json").write_text('{"candidates": 3}')),
            "cannot read plan.json: plan.json: 'candidates' is not a JSON list",
        ),
        (
            lambda d: (d.mkdir(), (d / "plan.json").write_text('{"foo": 1}')),
            "cannot read plan.json: plan.json is not a kinesim plan (no headline, scenario, "
            "objectives, modes, best, candidates)",
        ),
    ],
)
def test_kinesim_report_exits_2_naming_outdir(tmp_path, capsys, make, expected) -> None:
    folder = tmp_path / "missing"
    make(folder)
    assert cli.main(["report", str(folder)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kinesim report: error: OUTDIR {str(folder)!r}: ")
    assert expected in err
    assert not (folder / "report.html").exists()


def test_kinesim_report_out_in_a_missing_folder_exits_2(hot_key, tmp_path, capsys) -> None:
    folder = hot_key.write(tmp_path / "out")
    target = tmp_path / "nowhere" / "r.html"
    assert cli.main(["report", str(folder), "--out", str(target)]) == 2
    assert f"--out {str(target)!r}" in capsys.readouterr().err
    # An existing folder is named as one, with the file path it could have been.
    assert cli.main(["report", str(folder), "--out", str(tmp_path)]) == 2
    assert "is a folder: expected the page's file path, such as" in capsys.readouterr().err
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [
            "summary.json",
            "metrics_stream.csv",
            "metrics_shards.csv",
            "metrics_producers.csv",
            "timeline.csv",
        ]
    )


def test_a_bucket_cut_by_the_runs_end_counts_only_its_seconds_in_the_run() -> None:
    scenario = {**reshard_scenario(), "duration": "90s", "timeline": []}
    result = kinesim.run(scenario)
    fig = result.plot.throughput()
    metrics = result.metrics()["shardId-000000000000/IncomingRecords"]
    drawn = line(fig.axes[0], "shardId-000000000000")
    assert drawn.get_xdata().tolist() == [0.0, 60.0, 90.0]  # seconds: a run under 10 min
    assert drawn.get_ydata().tolist() == [metrics[0] / 60, metrics[1] / 30, metrics[1] / 30]


def test_a_folder_missing_csvs_gives_a_report_without_their_charts(hot_key, tmp_path) -> None:
    folder = hot_key.write(tmp_path / "out")
    (folder / "metrics_shards.csv").unlink()
    page = kinesim.report(folder).read_text(encoding="utf-8")
    assert charts_in(page) == ["put_latency", "capacity", "hot_keys", "cost"]
    assert "Write throughput per shard: the run has no metrics_shards.csv rows" in page
    assert "Throttling by shard and time: the run has no metrics_shards.csv rows" in page


def test_kinesim_report_on_a_folder_with_plan_json_alone_writes_the_plan(tmp_path, capsys) -> None:
    (tmp_path / "plan.json").write_text(json.dumps(SAMPLE_PLAN), encoding="utf-8")
    assert cli.main(["report", str(tmp_path)]) == 0
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert charts_in(page) == ["plan"]
    assert 'id="findings"' not in page
    assert kinesim.report(tmp_path).read_text(encoding="utf-8") == page


def test_plan_candidates_without_shards_use_their_stream_shards_knob() -> None:
    candidates = [{k: v for k, v in c.items() if k != "shards"} for c in SAMPLE_PLAN["candidates"]]
    fig = _plot.plan({**SAMPLE_PLAN, "candidates": candidates})
    assert fig.axes[0].collections[0].get_offsets().tolist() == [[3.0, 106.44], [4.0, 117.39]]


def test_a_run_folder_gives_the_same_charts_as_its_result(hot_key, tmp_path: Path) -> None:
    folder = kinesim.RunData.from_dir(hot_key.write(tmp_path / "out"))
    from_folder = folder.plot.throughput().axes[0]
    from_result = hot_key.plot.throughput().axes[0]
    for a, b in zip(from_folder.get_lines(), from_result.get_lines()):
        assert a.get_label() == b.get_label()
        np.testing.assert_array_equal(a.get_ydata(), b.get_ydata())
    assert len(from_folder.get_lines()) == len(from_result.get_lines()) == 6


def test_kinesim_report_refuses_a_json_object_that_is_not_a_plan(tmp_path: Path) -> None:
    (tmp_path / "plan.json").write_text('{"foo": 1}', encoding="utf-8")
    with pytest.raises(ValueError, match=r"plan\.json is not a kinesim plan"):
        kinesim.report(tmp_path)
    with pytest.raises(ValueError, match=r"plan\.json is not a kinesim plan"):
        kinesim.report(None, tmp_path / "plan.html", plan=tmp_path / "plan.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.json"]
