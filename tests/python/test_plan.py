"""``kinesim plan``: the cheapest configuration meeting objectives, verified by simulation.

Each test states what an independent computation says (a brute-force sweep, the classic
formula, the hot key's rate against a shard's limit) and checks the plan against it. Plans run
serially here (``scheduler="serial"``) except where Dask itself is the point.
"""

from __future__ import annotations

import json
import math
from html import escape as html_escape
from pathlib import Path
from typing import Any

import pytest

import kinesim
from kinesim import cli
from kinesim._figures import FIGURES, figures, parse_objective

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def shipped(name: str, **changes: Any) -> dict[str, Any]:
    doc = json.loads((SCENARIOS / f"{name}.json").read_text())
    doc.update(changes)
    return doc


def brute_force_smallest(scenario: dict, objectives: list[str], counts, seeds) -> int | None:
    """The smallest shard count whose runs meet every objective on every seed, by running
    every count: the reference the plan's search must agree with."""
    parsed = [parse_objective(o) for o in objectives]
    for n in counts:
        doc = json.loads(json.dumps(scenario))
        doc["stream"]["shards"] = n
        ok = True
        for seed in seeds:
            values = figures(kinesim.run(doc, seed=seed).summary)
            ok = ok and all(o.holds(values[o.figure]) for o in parsed)
        if ok:
            return n
    return None


@pytest.fixture(scope="module")
def steady_plan() -> kinesim.Plan:
    return kinesim.plan(
        shipped("steady", duration="10m"),
        ["throttled<=0.1%", "lost==0"],
        scheduler="serial",
    )


def test_steady_plan_equals_the_brute_force_smallest_count(steady_plan) -> None:
    scenario = shipped("steady", duration="10m")
    smallest = brute_force_smallest(
        scenario, ["throttled<=0.1%", "lost==0"], range(1, 7), [42, 43, 44]
    )
    assert smallest == 3
    best = steady_plan.best["provisioned"]
    assert best["feasible"] is True
    assert best["shards"] == smallest
    assert best["proven_cheapest"] is True


def test_steady_plan_agrees_with_the_formula_on_smooth_load(steady_plan) -> None:
    doc = steady_plan.to_dict()
    assert doc["formula"]["shards"] == 3 == doc["best"]["provisioned"]["shards"]
    assert "agrees" in doc["formula"]["explanation"]
    assert "the formula agrees: 3 shards" in steady_plan.headline


def test_every_feasible_candidate_met_every_objective_on_every_seed(steady_plan) -> None:
    doc = steady_plan.to_dict()
    assert doc["seeds"] == [42, 43, 44]
    for candidate in doc["candidates"]:
        throttled = [s["throttled"] for s in candidate["per_seed"]]
        lost = [s["lost"] for s in candidate["per_seed"]]
        meets = all(t <= 0.001 for t in throttled) and all(x == 0 for x in lost)
        if candidate["seeds"] == [42, 43, 44]:  # verified on every seed
            assert candidate["feasible"] is meets
        else:  # only the first seed: it failed there, or was not needed (null)
            assert candidate["seeds"] == [42]
            assert candidate["feasible"] is (None if meets else False)
        assert candidate["figures"]["throttled"] == max(throttled)
        assert bool(candidate["failed"]) is not meets
    # The answer was verified on every seed; the scenario's own 4 shards met the objectives on
    # the first seed and were not needed further.
    verified = [c for c in doc["candidates"] if c["feasible"] and c["mode"] == "provisioned"]
    assert [c["shards"] for c in verified] == [3]
    four = next(c for c in doc["candidates"] if c["shards"] == 4)
    assert four["feasible"] is None
    # The answer's neighbour below was tried and failed.
    below = [c for c in doc["candidates"] if c["mode"] == "provisioned" and c["shards"] == 2]
    assert below
    assert not below[0]["feasible"]
    assert any(f.startswith("throttled ") for f in below[0]["failed"])


def test_cost_by_component_matches_a_run_of_the_answer(steady_plan) -> None:
    best = steady_plan.best
    scenario = shipped("steady", duration="10m")
    scenario["stream"]["shards"] = best["provisioned"]["shards"]
    costs = [kinesim.run(scenario, seed=s).summary["cost"]["modes"][0] for s in (42, 43, 44)]
    # The cost is the most expensive seed's, and so are its components, which sum to it.
    worst = max(costs, key=lambda c: c["per_month"])
    assert best["provisioned"]["cost_per_month"] == worst["per_month"]
    assert best["provisioned"]["components"] == [
        {k: c[k] for k in ("name", "quantity", "unit", "per_month")} for c in worst["components"]
    ]
    total = sum(c["per_month"] for c in best["provisioned"]["components"])
    assert total == pytest.approx(worst["per_month"], abs=0.01)
    # Both on-demand modes were run in their own mode and priced from that run.
    assert best["on-demand"]["feasible"]
    assert best["advantage"]["feasible"]
    # An established on-demand stream: its previous peak is the first run's peak load.
    first = shipped("steady", duration="10m")
    peak = kinesim.run(first, seed=42).summary["sizing"]["peak"]
    knobs = best["on-demand"]["knobs"]
    assert knobs == {
        "previous_peak_bytes_per_sec": math.ceil(peak["write_kib_per_sec"] * 1024),
        "previous_peak_records_per_sec": math.ceil(peak["records_per_sec"]),
    }
    on_demand = dict(
        scenario, stream={"name": "clickstream", "mode": "ON_DEMAND", "on_demand": knobs}
    )
    runs = [kinesim.run(on_demand, seed=s).summary["cost"]["as_simulated"] for s in (42, 43, 44)]
    assert best["on-demand"]["cost_per_month"] == max(r["per_month"] for r in runs)
    assert steady_plan.to_dict()["cheapest"] == "provisioned"


def test_hot_key_no_shard_count_meets_the_objective_and_the_key_is_named() -> None:
    plan = kinesim.plan(
        shipped("hot-key", duration="5m"),
        ["throttled<=0.1%"],
        modes=["provisioned"],
        scheduler="serial",
    )
    best = plan.best["provisioned"]
    assert best["feasible"] is False
    assert best["reason"].startswith("no shard count meets throttled<=0.1%")
    assert "user-17" in best["remedies"][0]
    assert "1,024 KiB/s" in best["remedies"][0]
    # 889 KiB/s fits a shard's 1 MiB/s once aggregated: KPL aggregation is named too.
    assert any(r.startswith("KPL aggregation") for r in best["remedies"])
    assert "user-17" in plan.headline
    assert plan.to_dict()["cheapest"] is None
    # The search doubled the shard count and stopped when that no longer helped.
    counts = sorted(c["shards"] for c in plan.candidates)
    assert counts[-1] >= 2 * 8
    assert all(not c["feasible"] for c in plan.candidates)


def test_plan_beats_the_formula_on_a_warm_key() -> None:
    """600 records/s on one key among 3,000: the formula's 3 or 4 shards (3 on the mean, more at
    the peak second) give that key's shard about 600 + 2,400/4 = 1,200 records/s; the plan must
    find a count where the shard holding the key stays under 1,000 records/s and verify it."""
    scenario = {
        "name": "warm-key",
        "duration": "5m",
        "seed": 5,
        "stream": {"name": "s", "shards": 3},
        "producers": [
            {
                "name": "app",
                "instances": 4,
                "rate": {"profile": "poisson", "records_per_sec": 3000},
                "keys": {
                    "dist": "hot",
                    "hot": [{"key": "tenant-7", "share": 0.2}],
                    "rest": "uniform",
                    "count": 50000,
                    "prefix": "k-",
                },
                "record_size": {"dist": "fixed", "bytes": "200B"},
                "sdk": {"max_attempts": 3},
            }
        ],
    }
    plan = kinesim.plan(scenario, ["throttled<=0.1%"], modes=["provisioned"], scheduler="serial")
    doc = plan.to_dict()
    formula = doc["formula"]["shards"]
    assert doc["formula"]["shards_on_mean"] == 3
    assert formula in (3, 4)
    best = doc["best"]["provisioned"]
    assert best["feasible"] is True
    # At n shards the key's shard takes 600 + 2,400/n on average of the hash-uniform rest:
    # within 1,000 records/s needs n >= 6.
    assert best["shards"] >= 6
    assert best["shards"] > formula
    at_formula = next(c for c in doc["candidates"] if c["shards"] == formula)
    assert not at_formula["feasible"]
    assert "not enough" in doc["formula"]["explanation"]
    assert f"the plan {best['shards']}" in plan.headline
    # The count below the answer failed (the plan's answer is the smallest it verified).
    below = [c for c in doc["candidates"] if c["shards"] == best["shards"] - 1]
    assert below
    assert not below[0]["feasible"]


def test_many_polling_consumers_need_enhanced_fan_out() -> None:
    scenario = shipped("polling-fan-in", duration="5m")
    objectives = ["read_throttled<=1%", "throttled<=0.1%"]
    polling = kinesim.plan(scenario, objectives, modes=["provisioned"], scheduler="serial")
    best = polling.best["provisioned"]
    assert best["feasible"] is False
    assert any(r.startswith("enhanced fan-out") for r in best["remedies"])
    fanout = kinesim.plan(
        scenario, objectives, modes=["provisioned"], vary=["retrieval"], scheduler="serial"
    )
    best = fanout.best["provisioned"]
    assert best["feasible"] is True
    assert best["knobs"]["retrieval"] == "fanout"
    names = [c["name"] for c in best["components"] if c["per_month"]]
    assert any("fan-out" in n for n in names)
    tried = {(c["knobs"]["retrieval"], c["feasible"]) for c in fanout.candidates}
    assert ("polling", True) not in tried


def test_a_poison_record_is_not_fixed_by_shards_and_the_plan_names_what_is() -> None:
    scenario = shipped("lambda-poison-pill", duration="2h")
    scenario["consumers"] = scenario["consumers"][:1]  # the mapping with Lambda's defaults
    plan = kinesim.plan(
        scenario, ["iterator_age_max<=5m"], modes=["provisioned"], scheduler="serial"
    )
    best = plan.best["provisioned"]
    assert best["feasible"] is False
    assert best["reason"].startswith("no shard count meets iterator_age_max<=5m")
    assert best["remedies"][0].startswith("handling the poison record")
    assert "BisectBatchOnFunctionError" in best["remedies"][0]
    # The poison record lands at 1 h in shardId-000000000001: held for the hour left.
    held = next(c for c in plan.candidates if c["shards"] == 2)
    assert held["figures"]["iterator_age_max"] == pytest.approx(3600, abs=2)
    # With 1 shard the scenario names a shard the stream does not have: that run is an error,
    # not a pass.
    one = next(c for c in plan.candidates if c["shards"] == 1)
    assert not one["feasible"]
    assert "poison_records[0].shard" in one["failed"][0]


def test_a_mode_without_shard_counts_that_fails_says_so_in_its_remedy() -> None:
    scenario = shipped("steady", duration="2m")
    objectives = ["put_latency_p50<=1ms"]
    plan = kinesim.plan(scenario, objectives, modes=["advantage"], seeds=1, scheduler="serial")
    best = plan.best["advantage"]
    assert best["feasible"] is False
    assert best["reason"] == "no run meets put_latency_p50<=1ms"
    remedy = best["remedies"][0]
    assert remedy.startswith(
        "none found: advantage, which chooses its own shards, failed put_latency_p50 "
    )
    assert "shard count" not in remedy
    assert "findings" in remedy  # the run's findings, or that it had none
    # A cost bound it fails names the cost the mode came to instead.
    plan = kinesim.plan(scenario, ["cost<=$1"], modes=["advantage"], seeds=1, scheduler="serial")
    (remedy,) = plan.best["advantage"]["remedies"]
    assert remedy.startswith("a higher cost bound: the cheapest configuration tried that met")
    assert remedy.endswith("failed only cost<=$1")  # no shard count to lower


def test_a_search_stopped_at_max_shards_says_more_shards_would_do() -> None:
    # steady needs 3 shards (the formula's answer too); capped at 2, the remedy is the cap.
    plan = kinesim.plan(
        shipped("steady", duration="3m"),
        ["throttled<=0.1%"],
        modes=["provisioned"],
        seeds=1,
        max_shards=2,
        scheduler="serial",
    )
    best = plan.best["provisioned"]
    assert best["feasible"] is False
    assert best["remedies"] == [
        "more shards: the search stopped at max_shards (2 shards), which failed; more shards "
        "may meet the objectives (the formula asks for 3 shards): plan again with a larger "
        "max_shards (--max-shards)"
    ]


def test_a_failure_shows_enough_digits_to_tell_the_figure_from_its_bound() -> None:
    objective = parse_objective("throttled<=60.229%")
    assert objective.describe(0.6022936) == "throttled 60.2294 % (needs <= 60.229 %)"
    assert parse_objective("throttled<=0.1%").describe(0.021) == (
        "throttled 2.1 % (needs <= 0.1 %)"
    )


def test_latencies_in_seconds_carry_summary_json_s_milliseconds_without_float_noise() -> None:
    latency = {"count": 10, "p50": 114.7, "p90": 133.1, "p99": 153.3, "p99_9": 153.3, "max": 153.3}
    summary = {"producers": [{"put_latency_ms": latency}]}
    got = {name: FIGURES[name].extract(summary) for name in ("put_latency_p50", "put_latency_max")}
    assert got == {"put_latency_p50": 0.1147, "put_latency_max": 0.1533}
    assert repr(got["put_latency_max"]) == "0.1533"


def test_plan_is_deterministic() -> None:
    scenario = shipped("steady", duration="3m")
    a = kinesim.plan(scenario, ["throttled<=1%"], modes=["provisioned"], scheduler="serial")
    b = kinesim.plan(scenario, ["throttled<=1%"], modes=["provisioned"], scheduler="serial")
    da, db = a.to_dict(), b.to_dict()
    da["search"].pop("wall_s")
    db["search"].pop("wall_s")
    assert da == db


def test_a_spent_budget_stops_the_search_and_says_so() -> None:
    plan = kinesim.plan(
        shipped("steady", duration="3m"),
        ["throttled<=0.1%"],
        modes=["provisioned", "on-demand"],
        budget="1ms",
        scheduler="serial",
    )
    doc = plan.to_dict()
    assert doc["search"]["budget_exhausted"] is True
    assert doc["search"]["budget_s"] == 0.001
    # The first batch ran (the budget is checked before each batch): the scenario's own count
    # on the first seed, and nothing after it; unverified, it is no answer.
    assert doc["search"]["runs"] == 1
    assert doc["candidates"][0]["feasible"] is None
    assert doc["best"]["provisioned"]["feasible"] is False
    assert doc["best"]["on-demand"] == {
        "feasible": False,
        "reason": "the wall-time budget ran out before this mode",
        "failed": [],
        "remedies": ["more time: plan again with a larger budget (--budget)"],
    }
    # The one count run met the objectives on its seed: not "not needed", nor failed.
    assert "met on seed 42 (others not run: the budget ran out)" in str(plan)
    assert (
        "4 shards met every objective on the seeds run, but the wall-time budget ran out"
        in (doc["formula"]["explanation"])
    )


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"objectives": ["throughput<=1"]}, "unknown figure 'throughput'"),
        ({"objectives": ["throttled<=1ms"]}, "throttled is a fraction"),
        ({"objectives": ["put_latency_p99<=$5"]}, "put_latency_p99 is a time; give seconds"),
        ({"objectives": ["lost==$0"]}, "lost is in user records; '$' is not a unit of it"),
        ({"objectives": ["throttled=0"]}, "expected FIGURE OP VALUE"),
        # The decimal mark is '.': a comma groups digits in threes, and nothing else.
        ({"objectives": ["throttled<=0,001"]}, "'0,001' is not a number (the decimal mark"),
        ({"objectives": ["put_latency_p99<=0,5s"]}, "'0,5s' is not a number"),
        ({"objectives": ["lost<=1,00"]}, "'1,00' is not a number"),
        ({"objectives": ["lost<=1__0"]}, "'1__0' is not a number"),
        ({"objectives": ["lost<=1e400"]}, "'1e400' is not a finite number"),
        ({"objectives": ["iterator_age_max<=30s"]}, "needs consumers"),
        ({"objectives": []}, "at least one objective"),
        ({"modes": ["reserved"]}, "'reserved': expected some of provisioned"),
        ({"vary": ["colour"]}, "vary 'colour': unknown knob"),
        ({"vary": ["retention=12"]}, "expected whole hours 24..8760"),
        ({"vary": ["aggregation=maybe"]}, "expected true or false"),
        ({"vary": ["retention="]}, "vary 'retention': no values given"),
        ({"vary": ["shards=1,2"]}, "vary 'shards': the plan searches the shard count itself"),
        ({"seeds": 0}, "expected 1..1000 seeds"),
        # Refused before a list of them is built: 2**64 seeds took all the memory there was.
        ({"seeds": 2**64}, "expected 1..1000 seeds"),
        ({"seeds": [-1]}, f"seeds: expected an integer from 0 to {2**64 - 1}, got -1"),
        ({"seeds": [2**64]}, f"seeds: expected an integer from 0 to {2**64 - 1}, got {2**64}"),
        ({"seeds": ["5"]}, f"seeds: expected an integer from 0 to {2**64 - 1}, got '5'"),
        ({"seeds": [True]}, f"seeds: expected an integer from 0 to {2**64 - 1}, got True"),
        ({"budget": "soon"}, "expected a duration > 0"),
        ({"max_shards": 20000}, "expected 1..10000"),
    ],
)
def test_bad_requests_raise_before_any_run(kwargs, named) -> None:
    args: dict[str, Any] = {"objectives": ["throttled<=0.1%"], "scheduler": "serial"}
    args.update(kwargs)
    with pytest.raises(kinesim.PlanError) as error:
        kinesim.plan(shipped("steady"), **args)
    assert named in str(error.value)


def test_a_resharding_timeline_cannot_be_planned() -> None:
    with pytest.raises(kinesim.PlanError, match=r"\$\.timeline\[0\]: update_shard_count"):
        kinesim.plan(SCENARIOS / "resharding.json", scheduler="serial")


def test_cli_lists_every_bad_argument_and_writes_nothing(tmp_path, capsys) -> None:
    out = tmp_path / "out"
    code = cli.main(
        [
            "plan",
            str(SCENARIOS / "steady.json"),
            "--slo",
            "throughput<=1",
            "--slo",
            "throttled<=5ms",
            "--modes",
            "provisioned,reserved",
            "--vary",
            "colour",
            "--seeds",
            "0",
            "--budget",
            "0",
            "--out",
            str(out),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2
    for named in (
        "--seeds '0'",
        "unknown figure 'throughput'",
        "throttled is a fraction",
        "'reserved'",
        "vary 'colour'",
        "budget: '0'",
    ):
        assert named in err
    assert not out.exists()


def test_cli_writes_plan_json_and_prints_the_plan(tmp_path, capsys) -> None:
    scenario = tmp_path / "steady.json"
    scenario.write_text(json.dumps(shipped("steady", duration="3m")))
    code = cli.main(
        [
            "plan",
            str(scenario),
            "--slo",
            "throttled<=1%",
            "--slo",
            "put_latency_p99<=1s",
            "--modes",
            "provisioned,on-demand",
            "--seeds",
            "2",
            "--scheduler",
            "serial",
            "--out",
            str(tmp_path / "out"),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    doc = json.loads((tmp_path / "out" / "plan.json").read_text())
    assert doc["seeds"] == [42, 43]
    assert [o["text"] for o in doc["objectives"]] == ["throttled<=1%", "put_latency_p99<=1s"]
    assert doc["objectives"][1] == {
        "text": "put_latency_p99<=1s",
        "figure": "put_latency_p99",
        "op": "<=",
        "value": 1.0,
        "unit": "seconds",
    }
    assert set(doc["best"]) == {"provisioned", "on-demand"}
    assert doc["headline"] in printed
    assert "candidates:" in printed
    shards = doc["best"]["provisioned"]["shards"]
    assert f"provisioned  {shards} shard" in printed


def test_table_has_a_row_per_candidate(steady_plan) -> None:
    table = steady_plan.table()
    assert len(table) == len(steady_plan.candidates)
    assert list(table.columns[:2]) == ["mode", "shards"]
    assert {"feasible", "cost_per_month", "throttled", "lost", "failed"} <= set(table.columns)


def test_plan_on_a_local_dask_cluster_equals_the_serial_plan() -> None:
    scenario = shipped("steady", duration="3m")
    args = {"objectives": ["throttled<=0.1%"], "modes": ["provisioned", "on-demand"]}
    serial = kinesim.plan(scenario, **args, scheduler="serial").to_dict()
    dask = kinesim.plan(scenario, **args, workers=2).to_dict()
    for doc in (serial, dask):
        doc["search"].pop("wall_s")
    # Two workers probe two counts at once while bisecting, so the candidates tried may
    # differ; the answer, its cost and every candidate both tried may not.
    assert dask["best"] == serial["best"]
    assert dask["headline"] == serial["headline"]
    tried = {(c["mode"], c["shards"]): c for c in serial["candidates"]}
    common = [c for c in dask["candidates"] if (c["mode"], c["shards"]) in tried]
    assert len(common) >= 3
    for c in common:
        assert c == tried[(c["mode"], c["shards"])]


def test_cli_report_shows_the_plan_beside_the_answer_s_own_run(tmp_path, capsys) -> None:
    scenario = tmp_path / "steady.json"
    scenario.write_text(json.dumps(shipped("steady", duration="3m")))
    out = tmp_path / "out"
    argv = ["plan", str(scenario), "--seeds", "1", "--scheduler", "serial", "--out", str(out)]
    assert cli.main([*argv, "--modes", "provisioned", "--report", "--quiet"]) == 0
    doc = json.loads((out / "plan.json").read_text())
    summary = json.loads((out / "summary.json").read_text())
    assert summary["stream"]["shards"]["initial"] == doc["best"]["provisioned"]["shards"]
    assert summary["scenario"]["seed"] == doc["seeds"][0]
    html = (out / "report.html").read_text()
    assert html_escape(doc["headline"]) in html
    assert "Cost against shard count" in html
    assert capsys.readouterr().out == ""


def test_bursts_the_plan_verifies_the_counts_around_the_formula_s_peak_second() -> None:
    """bursty.json: 1,500 records/s with 40 s bursts to 7,000. The formula sizes for the peak
    second; the plan runs the counts around it and keeps the smallest that meets the objective
    on every seed, with the one below it failing."""
    scenario = shipped("bursty", duration="30m")  # three bursts
    steps = scenario["producers"][0]["rate"]["steps"]
    steps[:] = [
        s for s in steps if s["at"] in ("0s", "5m", "5m40s", "15m", "15m40s", "25m", "25m40s")
    ]
    plan = kinesim.plan(scenario, ["throttled<=0.1%"], modes=["provisioned"], scheduler="serial")
    doc = plan.to_dict()
    best = doc["best"]["provisioned"]
    assert best["feasible"] is True
    assert best["shards"] != doc["formula"]["shards"]
    below = next(c for c in doc["candidates"] if c["shards"] == best["shards"] - 1)
    assert below["feasible"] is False
    answer = next(c for c in doc["candidates"] if c["shards"] == best["shards"])
    assert answer["seeds"] == [7, 8, 9]
    assert all(s["throttled"] <= 0.001 for s in answer["per_seed"])


def test_cli_lists_bad_arguments_beside_the_scenario_s_problems(tmp_path, capsys) -> None:
    broken = SCENARIOS / "broken" / "out-of-range.json"
    out = tmp_path / "out"
    argv = ["plan", str(broken), "--seeds", "0", "--slo", "lost<=$1", "--scheduler", "serial"]
    assert cli.main([*argv, "--out", str(out)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"kinesim plan: error: {broken}: cannot plan:\n"
        "  --seeds '0': expected a whole number 1 ... 1,000\n"
        "  objective: 'lost<=$1': lost is in user records; '$' is not a unit of it\n"
        f"kinesim plan: error: {broken} is not a valid scenario:\n"
        "  $.stream.shards: got 0, expected an integer 1..10000\n"
        "  $.stream.retention_hours: got 9000, expected an integer 24..8760\n"
        "  $.producers[0].rate.records_per_sec: got -5, expected a number > 0\n"
        "  $.producers[0].sdk.max_batch_records: got 501, expected an integer 1..500\n"
    )
    assert not out.exists()


def test_cli_a_scheduler_it_cannot_use_exits_2_naming_the_flag(
    tmp_path, capsys, monkeypatch
) -> None:
    from kinesim import _runner

    steady = str(SCENARIOS / "steady.json")
    out = tmp_path / "out"
    assert (
        cli.main(["plan", steady, "--workers", "2", "--scheduler", "serial", "--out", str(out)])
        == 2
    )
    assert (
        "  --workers '2': applies only to the local cluster, not with --scheduler 'serial'\n"
        in capsys.readouterr().err
    )

    def unreachable(self: _runner.Session) -> _runner.Session:
        raise OSError("Timed out trying to connect to tcp://127.0.0.1:1 after 10 s")

    # An address Dask's parser refuses is listed with the other problems, before connecting.
    assert (
        cli.main(
            ["plan", steady, "--scheduler", "not an address", "--slo", "bad", "--out", str(out)]
        )
        == 2
    )
    err = capsys.readouterr().err
    assert (
        "  --scheduler 'not an address': expected a Dask address HOST:PORT or tcp://HOST:PORT "
        "(missing port number in address 'not an address')\n" in err
    )
    assert "  objective: 'bad': expected FIGURE OP VALUE" in err

    monkeypatch.setattr(_runner.Session, "__enter__", unreachable)
    assert cli.main(["plan", steady, "--scheduler", "tcp://127.0.0.1:1", "--out", str(out)]) == 2
    assert capsys.readouterr().err == (
        "kinesim plan: error: --scheduler 'tcp://127.0.0.1:1': cannot connect: Timed out trying "
        "to connect to tcp://127.0.0.1:1 after 10 s\n"
    )
    assert not out.exists()


def test_cli_plan_keeps_a_run_s_outputs_in_its_folder_and_replaces_them_with_report(
    tmp_path, capsys
) -> None:
    scenario = tmp_path / "steady.json"
    scenario.write_text(json.dumps(shipped("steady", duration="3m")))
    out = tmp_path / "out"
    kinesim.run(SCENARIOS / "steady.json", resolution="1s").write(out)
    run_files = sorted(p.name for p in out.iterdir())
    (out / "plan.json").write_text("{}")  # an earlier plan's
    (out / "notes.txt").write_text("mine")
    argv = ["plan", str(scenario), "--seeds", "1", "--modes", "provisioned"]
    argv += ["--scheduler", "serial", "--out", str(out), "--quiet"]
    # Without --report only plan.json is replaced: `kinesim report` on the folder then shows
    # the run with the plan's section.
    assert cli.main(argv) == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*run_files, "notes.txt", "plan.json"])
    assert "candidates" in json.loads((out / "plan.json").read_text())
    # With --report the answer's outputs and the page replace the run's.
    (out / "metrics_consumers.csv").write_text("an earlier run's")
    assert cli.main([*argv, "--report"]) == 0
    names = sorted(p.name for p in out.iterdir())
    assert "metrics_consumers.csv" not in names
    assert {"notes.txt", "plan.json", "report.html", "summary.json"} <= set(names)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "steady.json"]
    # With nothing feasible there is no answer to replace the run's outputs with: they stay,
    # and only plan.json and the page (of the plan alone) are replaced.
    summary = (out / "summary.json").read_bytes()
    (out / "report.html").write_text("an earlier page")
    assert cli.main([*argv, "--report", "--slo", "cost<=$0.01"]) == 0
    assert sorted(p.name for p in out.iterdir()) == names
    assert (out / "summary.json").read_bytes() == summary
    assert json.loads((out / "plan.json").read_text())["best"]["provisioned"]["feasible"] is False
    assert "an earlier page" not in (out / "report.html").read_text()


KPL = {
    "name": "kpl",
    "duration": "2m",
    "seed": 5,
    "stream": {"shards": 2},
    "producers": [
        {
            "name": "p",
            "type": "kpl",
            "rate": {"profile": "poisson", "records_per_sec": 2000},
            "keys": {"dist": "uniform", "count": 100},
            "record_size": "200B",
        }
    ],
}


def test_on_demand_previous_peak_is_measured_per_knob_combination() -> None:
    # The previous peak is the load of this combination's own traffic: without aggregation a
    # KPL sends ~50 times the Kinesis records/s, and an established stream has carried that.
    expected = {}
    for aggregation in (True, False):
        doc = json.loads(json.dumps(KPL))
        doc["producers"][0]["kpl"] = {"AggregationEnabled": aggregation}
        peak = kinesim.run(doc, seed=5).summary["sizing"]["peak"]
        expected[aggregation] = {
            "previous_peak_bytes_per_sec": math.ceil(peak["write_kib_per_sec"] * 1024),
            "previous_peak_records_per_sec": math.ceil(peak["records_per_sec"]),
        }
    assert expected[False]["previous_peak_records_per_sec"] > (
        20 * expected[True]["previous_peak_records_per_sec"]
    )
    peaks = []
    for modes in (["on-demand"], ["provisioned", "on-demand"]):
        result = kinesim.plan(
            KPL, vary=["aggregation"], modes=modes, seeds=1, scheduler="serial"
        ).to_dict()
        on_demand = [c for c in result["candidates"] if c["mode"] == "on-demand"]
        assert [c["knobs"]["aggregation"] for c in on_demand] == [True, False]
        for c in on_demand:
            assert c["feasible"] is True, c["failed"]
            if modes == ["on-demand"]:  # a run of the scenario as given, with the knobs
                aggregation = c["knobs"]["aggregation"]
                assert {k: c["knobs"][k] for k in expected[aggregation]} == expected[aggregation]
        peaks.append([c["knobs"] for c in on_demand])
    # Deterministic: the same peaks whether the provisioned runs came first or not.
    assert peaks[0] == peaks[1]


def test_advantage_only_settings_are_dropped_for_the_other_modes_with_a_note() -> None:
    scenario = {
        "name": "adv",
        "duration": "1m",
        "seed": 5,
        "stream": {
            "mode": "ON_DEMAND_ADVANTAGE",
            "on_demand": {"warm_throughput_bytes_per_sec": "20MiB"},
        },
        "producers": [
            {
                "name": "p",
                "rate": {"profile": "constant", "records_per_sec": 100},
                "keys": {"dist": "uniform", "count": 10, "prefix": "k"},
                "record_size": "1000B",
            }
        ],
    }
    kinesim.validate(scenario)  # a valid On-demand Advantage scenario
    result = kinesim.plan(scenario, seeds=1, scheduler="serial")
    doc = result.to_dict()
    assert {m: e["feasible"] for m, e in doc["best"].items()} == {
        "provisioned": True,
        "on-demand": True,
        "advantage": True,
    }
    assert doc["notes"] == [
        "stream.on_demand.warm_throughput_bytes_per_sec: On-demand Advantage only; dropped in "
        "provisioned, on-demand"
    ]
    assert "note: stream.on_demand.warm_throughput_bytes_per_sec: On-demand Advantage" in str(
        result
    )
    on_demand = result.best_scenario("on-demand")["stream"]
    assert "warm_throughput_bytes_per_sec" not in on_demand["on_demand"]
    advantage = result.best_scenario("advantage")["stream"]
    assert advantage["on_demand"]["warm_throughput_bytes_per_sec"] == "20MiB"
    # Only the Advantage mode planned: nothing dropped, nothing noted.
    only = kinesim.plan(scenario, modes=["advantage"], seeds=1, scheduler="serial").to_dict()
    assert only["notes"] == []
    assert only["best"]["advantage"]["feasible"] is True


def test_a_single_string_is_one_objective_mode_or_knob_not_its_characters() -> None:
    single = kinesim.plan(
        KPL, "throttled<=0.1%", modes="on-demand", vary="aggregation", seeds=1, scheduler="serial"
    ).to_dict()
    listed = kinesim.plan(
        KPL,
        ["throttled<=0.1%"],
        modes=["on-demand"],
        vary=["aggregation"],
        seeds=1,
        scheduler="serial",
    ).to_dict()
    assert [o["text"] for o in single["objectives"]] == ["throttled<=0.1%"]
    assert single["modes"] == ["on-demand"]
    assert single["vary"] == {"aggregation": [True, False]}
    for doc in (single, listed):
        del doc["search"]["wall_s"]
    assert single == listed
    # A bad one is one problem, named whole.
    with pytest.raises(kinesim.PlanError) as caught:
        kinesim.plan(KPL, "throttled<=1ms", scheduler="serial")
    assert len(caught.value.issues) == 1
    assert "throttled is a fraction" in caught.value.issues[0][1]


def test_a_knob_given_twice_and_a_repeated_modes_flag_are_refused(tmp_path, capsys) -> None:
    # The second value silently replaced the first: --vary retention=24 --vary retention=72
    # planned 72 alone, --modes provisioned --modes advantage advantage alone.
    with pytest.raises(kinesim.PlanError) as caught:
        kinesim.plan(KPL, vary=["retention=24", "retention=72"], scheduler="serial")
    assert caught.value.issues == [
        ("vary 'retention'", "given twice; give each knob once with all its values")
    ]
    path = tmp_path / "kpl.json"
    path.write_text(json.dumps(KPL))
    out = tmp_path / "out"
    argv = ["plan", str(path), "--scheduler", "serial", "--out", str(out)]
    code = cli.main(
        [
            *argv,
            *("--vary", "retention=24", "--vary", "retention=72"),
            *("--modes", "provisioned", "--modes", "advantage"),
        ]
    )
    assert code == 2
    assert capsys.readouterr().err == (
        f"kinesim plan: error: {path}: cannot plan:\n"
        "  --modes given 2 times ('provisioned', 'advantage'): give every mode in one "
        "comma-separated list, e.g. --modes provisioned,advantage\n"
        "  vary 'retention': given twice; give each knob once with all its values\n"
    )
    assert not out.exists()


@pytest.mark.parametrize("address", ["xx://??", "nosuch://host:1"])
def test_an_address_dask_refuses_is_listed_and_no_client_is_made(
    tmp_path, capsys, monkeypatch, address: str
) -> None:
    import distributed

    def no_client(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a Client was made")

    monkeypatch.setattr(distributed, "Client", no_client)
    with pytest.raises(kinesim.PlanError) as caught:
        kinesim.plan(KPL, "foo<1", scheduler=address)
    assert [where for where, _ in caught.value.issues] == ["objective", "scheduler"]
    assert caught.value.issues[1][1].startswith(
        f"{address!r}: expected a Dask address HOST:PORT or tcp://HOST:PORT (unknown address scheme"
    )
    path = tmp_path / "kpl.json"
    path.write_text(json.dumps(KPL))
    for slo in (["--slo", "foo<1"], []):
        code = cli.main(["plan", str(path), "--scheduler", address, *slo, "--out", str(tmp_path)])
        err = capsys.readouterr().err
        assert code == 2
        assert f"  --scheduler {address!r}: expected a Dask address" in err
        assert ("  objective: 'foo<1'" in err) == bool(slo)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kpl.json"]


def test_workers_are_1_to_1024_in_python_as_on_the_command_line() -> None:
    for workers in (1025, 0):
        # A bad objective too: without the bound, this test must not start 1025 processes.
        with pytest.raises(kinesim.PlanError) as caught:
            kinesim.plan(KPL, "foo<1", workers=workers)
        assert ("workers", f"expected a whole number 1..1,024, got {workers}") in (
            caught.value.issues
        )


def test_plan_chart_keeps_its_title_and_legend_inside_the_figure() -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    def candidate(mode: str, shards: int | None, feasible: bool | None, cost: float) -> dict:
        return {
            "mode": mode,
            "shards": shards,
            "knobs": {},
            "feasible": feasible,
            "cost_per_month": cost,
        }

    doc = {
        "modes": ["provisioned", "on-demand", "advantage"],
        "candidates": [
            candidate("provisioned", 2, True, 40.0),
            # "met on the first seed, not needed further": the legend's longest entry
            candidate("provisioned", 3, None, 60.0),
            candidate("provisioned", 1, False, 20.0),
            candidate("on-demand", None, True, 120.0),
            candidate("on-demand", None, True, 400.0),  # another knob combination
            candidate("advantage", None, True, 3000.0),
        ],
        "best": {"provisioned": {"feasible": True, "shards": 2, "cost_per_month": 40.0}},
        "formula": {"shards": 1},
    }
    fig = kinesim.Plan(doc, []).plot()
    FigureCanvasAgg(fig)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    width, height = fig.bbox.width, fig.bbox.height
    (ax,) = fig.axes
    texts = [
        t
        for t in [*fig.texts, ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().texts]
        if t.get_visible() and t.get_text()
    ]
    title = "Plan: monthly cost against shard count (USD per month), feasibility marked"
    assert title in [t.get_text() for t in texts]
    for text in texts:  # nothing clipped: the title read "n: monthly cost ..."
        box = text.get_window_extent(renderer)
        assert 0 <= box.x0 <= box.x1 <= width, text
        assert 0 <= box.y0 <= box.y1 <= height, text
    assert ax.get_xlabel() == "shard count"  # not "shards (shards)"
    assert ax.get_legend_handles_labels()[1].count("on-demand (feasible)") == 2
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels.count("on-demand (feasible)") == 1  # one entry per label
    assert "formula: 1 shard" in labels


def test_a_repeated_seed_and_numbers_in_other_scripts_or_fractions_are_refused() -> None:
    # seeds=[11, 11] ran seed 11 twice and called the answer verified on "every seed"; int()
    # read a fractional retention as its whole part and float() read full-width digits.
    with pytest.raises(kinesim.PlanError) as caught:
        kinesim.plan(
            KPL,
            "throttled<=\uff11%",
            vary={"retention": [24.5]},
            seeds=[11, 12, 11],
            budget="\uff11\uff10m",
            scheduler="serial",
        )
    named = dict(caught.value.issues)
    assert "is not a number" in named["objective"]
    assert named["vary 'retention'"] == "24.5: expected whole hours 24..8760"
    assert named["seeds"] == "11 given more than once"
    assert "expected a duration > 0" in named["budget"]


def test_a_cost_bound_is_searched_downwards_and_its_remedy_names_the_cheapest_cost() -> None:
    # A count failing only cost<= was doubled (4, 8, 16 shards, each dearer) and the remedy said
    # "even the largest shard count tried failed"; more shards only cost more.
    doc = shipped("steady", duration="3m")
    alone = kinesim.plan(doc, "cost<=$100", modes="provisioned", seeds=1, scheduler="serial")
    tried = [c["shards"] for c in alone.to_dict()["candidates"]]
    assert max(tried) == 4  # the scenario's own count; nothing above it
    assert alone.to_dict()["best"]["provisioned"]["shards"] == 1  # cost alone: the cheapest
    both = kinesim.plan(
        doc, ["cost<=$120", "throttled<=0.1%"], modes="provisioned", seeds=1, scheduler="serial"
    ).to_dict()
    entry = both["best"]["provisioned"]
    assert entry["feasible"] is False
    assert max(c["shards"] for c in both["candidates"]) == 4
    (remedy,) = entry["remedies"]
    assert remedy.startswith("a higher cost bound: the cheapest configuration tried that met")
    assert "provisioned 3 shards, costs $124.58/month and failed only cost<=$120" in remedy
    assert remedy.endswith("more shards cost more, and fewer failed another objective")


def test_a_mode_the_budget_ran_out_before_is_printed_as_not_settled() -> None:
    # It was printed "infeasible", and a budget of 0.3 s as "budget 0 s".
    doc = shipped("steady", duration="3m")
    text = str(kinesim.plan(doc, seeds=2, budget="1ms", scheduler="serial"))
    assert "on-demand    not settled: the wall-time budget ran out before this mode" in text
    assert "infeasible: the wall-time budget" not in text
    assert "(budget 0.001 s, exhausted)" in text
