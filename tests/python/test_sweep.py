"""kinesim.sweep, the `kinesim sweep` command and the runner under them (serial and Dask)."""

from __future__ import annotations

import copy
import csv
import json
import math
import os
import re
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import kinesim
from kinesim import _figures, _runner, _sweep, cli

ROOT = Path(__file__).resolve().parents[2]
STEADY = json.loads((ROOT / "scenarios" / "steady.json").read_text(encoding="utf-8"))
TRACE_HEADER = "timestamp,partition_key,size\n"


def short(**changes: Any) -> dict[str, Any]:
    """scenarios/steady.json cut to 5 simulated minutes."""
    doc = copy.deepcopy(STEADY)
    doc["duration"] = "5m"
    doc.update(changes)
    return doc


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """One local Dask cluster of 2 single-threaded worker processes for the module."""
    import distributed

    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
    ) as local:
        yield local


@pytest.fixture(scope="module")
def serial_frame() -> pd.DataFrame:
    return kinesim.sweep(short(), {"stream.shards": "1..3"}, seeds=2, scheduler="serial")


def trace_scenario(folder: Path) -> Path:
    """A trace replay whose knob picks a good trace or one with a row that fails when the run
    reads it (the loader checks a trace's header only)."""
    (folder / "good.csv").write_text(
        TRACE_HEADER + "2026-03-02T12:00:00.000Z,k1,100\n2026-03-02T12:00:01.000Z,k2,200\n",
        encoding="utf-8",
    )
    (folder / "bad.csv").write_text(
        TRACE_HEADER + "2026-03-02T12:00:00.000Z,k1,100\nnot-a-time,k2,200\n", encoding="utf-8"
    )
    doc = {
        "name": "replay",
        "duration": "1m",
        "seed": 3,
        "stream": {"shards": 1},
        "producers": [{"name": "replay", "rate": {"profile": "trace", "file": "good.csv"}}],
    }
    path = folder / "replay.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


# --- the grid ----------------------------------------------------------------------------------


def test_sweep_has_one_row_per_run_in_grid_order_seeds_innermost(serial_frame) -> None:
    frame = serial_frame
    assert list(frame.columns) == [
        "stream.shards",
        "seed",
        *_figures.FIGURES,
        "headline",
        "error",
    ]
    assert frame["stream.shards"].tolist() == [1, 1, 2, 2, 3, 3]
    assert frame["seed"].tolist() == [42, 43, 42, 43, 42, 43]  # steady.json's seed is 42
    assert frame["error"].tolist() == [None] * 6
    assert str(frame["stream.shards"].dtype) == "int64"
    assert all(str(frame[name].dtype) == "float64" for name in _figures.FIGURES)


def test_sweep_figures_equal_kinesim_run_of_the_same_scenario_and_seed(serial_frame) -> None:
    for _, row in serial_frame.iterrows():
        doc = short()
        doc["stream"]["shards"] = int(row["stream.shards"])
        result = kinesim.run(doc, seed=int(row["seed"]))
        for name, value in _figures.figures(result.summary).items():
            if value is None:
                assert math.isnan(row[name]), name
            else:
                assert row[name] == value, name
        assert row["headline"] == result.headline


def test_dask_local_cluster_gives_the_serial_frame_bit_for_bit(serial_frame, tmp_path) -> None:
    dask = kinesim.sweep(short(), {"stream.shards": "1..3"}, seeds=2, workers=2)
    pd.testing.assert_frame_equal(dask, serial_frame, check_exact=True)
    serial_frame.to_csv(tmp_path / "serial.csv", index=False)
    dask.to_csv(tmp_path / "dask.csv", index=False)
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "serial.csv").read_bytes()


def test_an_existing_scheduler_by_host_and_port_gives_the_serial_frame(
    serial_frame, cluster
) -> None:
    address = cluster.scheduler_address  # tcp://127.0.0.1:PORT
    frame = kinesim.sweep(
        short(), ["stream.shards=1..3"], seeds=2, scheduler=address.removeprefix("tcp://")
    )
    pd.testing.assert_frame_equal(frame, serial_frame, check_exact=True)


def test_seeds_count_from_the_scenario_seed_or_the_default_or_are_listed() -> None:
    assert _sweep.prepare(short(), seeds=3).seeds == [42, 43, 44]
    no_seed = short()
    del no_seed["seed"]
    assert _sweep.prepare(no_seed, seeds=2).seeds == [_sweep.DEFAULT_SEED, 2] == [1, 2]
    plan = _sweep.prepare(short(), {"stream.shards": [2, 4]}, seeds=[7, 5])
    assert [(t.knobs["stream.shards"], t.seed) for t in plan.tasks] == [
        (2, 7),
        (2, 5),
        (4, 7),
        (4, 5),
    ]
    assert [t.scenario["stream"]["shards"] for t in plan.tasks] == [2, 2, 4, 4]


def test_knobs_select_list_elements_by_index_or_name_and_add_new_object_keys() -> None:
    plan = _sweep.prepare(
        short(),
        {
            "producers[web].rate.records_per_sec": "1000,2000",
            "producers[0].instances": [3],
            "stream.mode": "ON_DEMAND",
            "$.stream.retention_hours": "48",
            "producers[web].sdk.max_attempts": "5",  # not in steady.json: a new key
        },
    )
    assert len(plan.tasks) == 2
    first = plan.tasks[0].scenario
    assert first["producers"][0]["rate"]["records_per_sec"] == 1000
    assert first["producers"][0]["instances"] == 3
    assert first["producers"][0]["sdk"]["max_attempts"] == 5
    assert first["stream"]["mode"] == "ON_DEMAND"
    assert first["stream"]["retention_hours"] == 48
    assert plan.tasks[1].scenario["producers"][0]["rate"]["records_per_sec"] == 2000
    assert STEADY["producers"][0]["rate"]["records_per_sec"] == 2500  # never changed in place
    assert list(plan.tasks[0].knobs) == [
        "producers[web].rate.records_per_sec",
        "producers[0].instances",
        "stream.mode",
        "$.stream.retention_hours",
        "producers[web].sdk.max_attempts",
    ]


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("2..5", [2, 3, 4, 5]),
        ("2..16..7", [2, 9, 16]),
        ("-1..1", [-1, 0, 1]),
        ("3..3", [3]),
        ("1000,2000,4000", [1000, 2000, 4000]),
        ("0.5, 1e3", [0.5, 1000.0]),
        ("ON_DEMAND,PROVISIONED", ["ON_DEMAND", "PROVISIONED"]),
        ('true,false,null,"2"', [True, False, None, "2"]),
        ("../traces/a.csv", ["../traces/a.csv"]),
        ("[1, 2]", [[1, 2]]),
        ('{"profile": "poisson"}', [{"profile": "poisson"}]),
    ],
)
def test_values_parse_as_ranges_lists_and_json_items(text: str, values: list[Any]) -> None:
    assert _sweep.parse_values(text) == values


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5..2", "START 5 is greater than END 2"),
        ("1.5..3", "expected whole numbers"),
        ("1..9..0", "STEP must be >= 1"),
        ("1,,2", "an empty value"),
        ("", "no values"),
        ("[1,", "is not valid JSON"),
    ],
)
def test_bad_values_say_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _sweep.parse_values(text)


def test_every_bad_knob_and_value_is_listed_before_any_run() -> None:
    calls: list[tuple[int, int]] = []
    with pytest.raises(kinesim.SweepError) as caught:
        kinesim.sweep(
            short(),
            {
                "stream.shards": "5..2",
                "producers[api].instances": [1],
                "streams.shards": [1],
                "producers[3].instances": [1],
                "stream..mode": ["ON_DEMAND"],
                "seed": [1, 2],
                "$.seed": [3],
                "stream.shards.x": [{1, 2}],
                "producers[0].rate.records_per_sec": [],
            },
            scheduler="serial",
            progress=lambda done, total: calls.append((done, total)),
        )
    assert caught.value.problems == [
        "stream.shards=5..2: range '5..2': START 5 is greater than END 2",
        "producers[api].instances: not in the scenario: $.producers has no element named 'api' "
        "(names: 'web')",
        "streams.shards: not in the scenario: $ has no key 'streams' (its keys: 'name', "
        "'description', 'duration', 'seed', 'stream', 'producers', 'output')",
        "producers[3].instances: not in the scenario: $.producers has 1 element(s); index 3 is "
        "out of range",
        "stream..mode: not a JSON path: an empty key (two dots, or a dot first)",
        "seed: cannot be a knob: give seeds instead",
        "$.seed: cannot be a knob: give seeds instead",
        "stream.shards.x: not in the scenario: $.stream.shards is the value 4, not an object "
        "with key 'x'",
        "producers[0].rate.records_per_sec=[]: no values: the list is empty",
    ]
    assert calls == []
    assert isinstance(caught.value, ValueError)


def test_every_scenario_of_the_grid_is_checked_by_the_loader_naming_the_values() -> None:
    with pytest.raises(kinesim.SweepError) as caught:
        _sweep.prepare(
            short(), {"stream.shards": "0..1", "stream.mode": "PROVISIONED,SOMETIMES"}, seeds=2
        )
    problems = caught.value.problems
    assert problems[0] == (
        'with stream.shards=0, stream.mode="PROVISIONED": $.stream.shards: got 0, expected an '
        "integer 1..10000"
    )
    assert len(problems) == 4  # (0, PROVISIONED), (0, SOMETIMES) twice, (1, SOMETIMES)
    assert all("SOMETIMES" in p for p in problems[1:])
    assert all(p.startswith("with stream.shards=") for p in problems)


def test_bad_seeds_scheduler_and_workers_raise() -> None:
    for seeds, message in [
        (0, "seeds: expected a number of seeds 1..1,000,000"),
        ([-1], "seeds:"),
        # Checked before a list of them is built: 2**64 seeds raised OverflowError.
        (2**64, "seeds: expected a number of seeds 1..1,000,000, got 18446744073709551616"),
        (1_000_001, "seeds: expected a number of seeds 1..1,000,000"),
        # The same seed twice would give two identical rows.
        ([11, 12, 11], "seeds: 11 given more than once"),
    ]:
        with pytest.raises(kinesim.SweepError, match=re.escape(message)):
            kinesim.sweep(short(), seeds=seeds, scheduler="serial")
    with pytest.raises(kinesim.SweepError, match=r"workers: expected a whole number 1\.\.1,024"):
        kinesim.sweep(short(), workers=0)
    with pytest.raises(kinesim.SweepError, match="applies only to the local cluster"):
        kinesim.sweep(short(), scheduler="serial", workers=2)
    # An address Dask's parser refuses is the caller's error, named, before anything connects.
    with pytest.raises(kinesim.SweepError, match=r"scheduler: 'foo:bar': expected a Dask address"):
        kinesim.sweep(short(), scheduler="foo:bar")


def test_two_spellings_of_one_knob_are_refused_as_one_knob_given_twice() -> None:
    with pytest.raises(kinesim.SweepError) as caught:
        _sweep.prepare(
            short(),
            [
                "stream.shards=1,2",
                "$.stream.shards=3",
                "producers[0].instances=1,2",
                "producers[web].instances=3",
            ],
        )
    assert caught.value.problems == [
        "$.stream.shards: the same knob as stream.shards ($.stream.shards); give each knob once "
        "with all its values",
        "producers[web].instances: the same knob as producers[0].instances "
        "($.producers[0].instances); give each knob once with all its values",
    ]


TINY = {
    "name": "s1",
    "duration": "1m",
    "seed": 5,
    "stream": {"shards": 2},
    "producers": [
        {
            "name": "p",
            "rate": {"profile": "constant", "records_per_sec": 100},
            "keys": {"dist": "uniform", "count": 1, "prefix": "k"},
            "record_size": "1000B",
        }
    ],
}


@pytest.mark.parametrize("inner_first", [False, True])
def test_a_knob_inside_another_knob_s_value_changes_its_own_grid_point_only(
    inner_first: bool,
) -> None:
    outer = ('producers[0].rate={"profile":"constant","records_per_sec":5}',)
    inner = ("producers[p].rate.records_per_sec=20,30",)
    plan = _sweep.prepare(TINY, [*inner, *outer] if inner_first else [*outer, *inner])
    # Each grid point's scenario has its own copy of the outer value, the inner knob set in it
    # (whichever order they were given in); the outer label stays the value as given.
    rates = [t.scenario["producers"][0]["rate"]["records_per_sec"] for t in plan.tasks]
    assert rates == [20, 30]
    assert [t.knobs["producers[0].rate"] for t in plan.tasks] == [
        {"profile": "constant", "records_per_sec": 5}
    ] * 2
    frame = kinesim.sweep(TINY, [*outer, *inner], scheduler="serial")
    offered = [
        kinesim.run(t.scenario, seed=5).summary["producers"][0]["offered_mean_records_per_sec"]
        for t in plan.tasks
    ]
    assert [round(o) for o in offered] == [20, 30]
    assert frame["throttled"].tolist() == [0.0, 0.0]


@pytest.mark.parametrize(
    ("settings", "problem"),
    [
        (
            ["producers[0].rate=5", "producers[p].rate.records_per_sec=20"],
            "producers[p].rate.records_per_sec: cannot be set inside producers[0].rate=5: "
            "$.producers[0].rate is the value 5, not an object with key 'records_per_sec'",
        ),
        (
            ["stream=[1]", "stream.shards=2"],
            "stream.shards: cannot be set inside stream=[1]: $.stream is a list, not an object "
            "with key 'shards'",
        ),
    ],
)
def test_a_knob_inside_a_value_that_cannot_hold_it_is_listed_before_any_run(
    capsys, tmp_path, settings: list[str], problem: str
) -> None:
    with pytest.raises(kinesim.SweepError) as caught:
        kinesim.sweep(TINY, settings, seeds=0, scheduler="serial")
    assert caught.value.problems == [  # with the other problems
        "seeds: expected a number of seeds 1..1,000,000, got 0",
        problem,
    ]
    path = tmp_path / "s1.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    argv = [a for s in settings for a in ("--set", s)]
    code, stdout, err = run(capsys, "sweep", str(path), *argv, "--scheduler", "serial")
    assert (code, stdout) == (2, "")
    assert err == f"kinesim sweep: error: {path}: the sweep cannot run:\n  {problem}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s1.json"]


def test_workers_are_1_to_1024_as_for_a_plan() -> None:
    for workers in (1025, 0, 2.0):
        # A bad knob too: without the bound, this test must not start 1025 processes.
        with pytest.raises(kinesim.SweepError) as caught:
            kinesim.sweep(TINY, {"stream.shards": 0}, workers=workers)
        assert caught.value.problems[0] == (
            f"workers: expected a whole number 1..1,024, got {workers!r}"
        )


@pytest.mark.parametrize("address", ["xx://??", "nosuch://host:1"])
def test_an_address_scheme_dask_does_not_know_is_a_sweep_error_and_no_client_is_made(
    capsys, tmp_path, monkeypatch, address: str
) -> None:
    import distributed

    def no_client(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a Client was made")

    monkeypatch.setattr(distributed, "Client", no_client)
    with pytest.raises(kinesim.SweepError) as caught:
        kinesim.sweep(TINY, {"stream.shards": 0}, scheduler=address)
    assert caught.value.problems[0].startswith(
        f"scheduler: {address!r}: expected a Dask address HOST:PORT or tcp://HOST:PORT (unknown "
        "address scheme"
    )
    assert "stream.shards" in caught.value.problems[1]
    path = tmp_path / "s1.json"
    path.write_text(json.dumps(TINY), encoding="utf-8")
    code, stdout, err = run(capsys, "sweep", str(path), "--scheduler", address, "--seeds", "0")
    assert (code, stdout) == (2, "")
    assert f"kinesim sweep: error: --scheduler {address!r}: expected a Dask address" in err
    assert "--seeds '0'" in err


# --- failed runs -------------------------------------------------------------------------------


def test_a_run_that_fails_is_a_row_with_its_error_serial_and_on_dask(tmp_path, cluster) -> None:
    path = trace_scenario(tmp_path)
    settings = {"producers[replay].rate.file": "good.csv,bad.csv"}
    serial = kinesim.sweep(path, settings, scheduler="serial")
    assert serial["producers[replay].rate.file"].tolist() == ["good.csv", "bad.csv"]
    assert serial["error"][0] is None
    assert serial["lost"][0] == 0.0
    assert serial["error"][1] == (
        f'ScenarioError: trace {tmp_path}/bad.csv:3: got timestamp "not-a-time", expected '
        "seconds or ISO-8601 UTC"
    )
    assert serial["headline"][1] is None
    assert all(math.isnan(serial[name][1]) for name in _figures.FIGURES)
    dask = kinesim.sweep(path, settings, scheduler=cluster.scheduler_address)
    pd.testing.assert_frame_equal(dask, serial, check_exact=True)


def test_run_task_turns_a_scenario_the_loader_rejects_into_an_error_row() -> None:
    task = _runner.Task(short(stream={"shards": 0}), str(ROOT), 9, {"stream.shards": 0})
    row = _runner.run_task(task, keep_summary=True)
    assert row == {
        "stream.shards": 0,
        "seed": 9,
        **dict.fromkeys(_figures.FIGURES),
        "headline": None,
        "error": "ScenarioError: $.stream.shards: got 0, expected an integer 1..10000",
        "summary": None,
    }


def test_session_keeps_one_cluster_and_returns_summaries_and_progress(cluster) -> None:
    tasks = [_runner.Task(short(), str(ROOT), seed, {"k": i}) for i, seed in enumerate([4, 5])]
    expected = [kinesim.run(short(), seed=seed).summary for seed in (4, 5)]
    calls: list[tuple[int, int]] = []
    with _runner.Session(scheduler=cluster.scheduler_address) as session:
        first = session.execute(tasks, keep_summary=True, progress=lambda *c: calls.append(c))
        second = session.execute(tasks[:1])
    assert [row["summary"] for row in first] == expected
    assert [row["k"] for row in first] == [0, 1]
    assert calls == [(1, 2), (2, 2)]
    without_summary = [{k: v for k, v in row.items() if k != "summary"} for row in first]
    assert second == without_summary[:1]
    assert _runner.execute(tasks, scheduler="serial") == without_summary


def test_the_progress_bar_goes_to_stderr_and_changes_no_row(capsys) -> None:
    tasks = [_runner.Task(short(duration="1m"), str(ROOT), seed, {}) for seed in (1, 2)]
    with_bar = _runner.execute(tasks, scheduler="serial", progress=True)
    out, _ = capsys.readouterr()
    assert out == ""
    assert with_bar == _runner.execute(tasks, scheduler="serial")


# --- the command line --------------------------------------------------------------------------


def write_short(folder: Path) -> Path:
    path = folder / "short.json"
    path.write_text(json.dumps(short()), encoding="utf-8")
    return path


def test_cli_writes_the_csv_and_prints_the_key_columns(capsys, tmp_path, serial_frame) -> None:
    scenario = write_short(tmp_path)
    out = tmp_path / "sweep" / "table.csv"
    code, stdout, err = run(
        capsys,
        "sweep",
        str(scenario),
        "--set",
        "stream.shards=1..3",
        "--seeds",
        "2",
        "--scheduler",
        "serial",
        "--out",
        str(out),
    )
    assert (code, err) == (0, "")
    expected = tmp_path / "expected.csv"
    serial_frame.to_csv(expected, index=False)
    assert out.read_bytes() == expected.read_bytes()
    lines = stdout.splitlines()
    assert lines[0].split() == [
        "stream.shards",
        "seed",
        "throttled",
        "put_latency_p99",
        "lost",
        "cost_provisioned",
        "error",
    ]
    assert lines[1].split()[:2] == ["1", "42"]
    first = serial_frame.iloc[0]
    assert _figures.format_value("throttled", first["throttled"]) in lines[1]
    assert lines[-1] == f"6 runs, 0 failed; table in {out}"
    assert sorted(p.name for p in out.parent.iterdir()) == ["table.csv"]
    # Readable as the run's files are: 0o666 less the umask, not a temporary file's 0o600.
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask


def test_a_knob_of_mixed_types_is_written_as_json_text_in_csv_and_parquet(tmp_path) -> None:
    values = [1000, "1000", {"dist": "fixed", "bytes": 200}]
    frame = kinesim.sweep(
        short(duration="1m"), {"producers[0].record_size": values}, scheduler="serial"
    )
    cells: dict[str, list[Any]] = {}
    for suffix in ("csv", "parquet"):
        out = tmp_path / f"table.{suffix}"
        cli._write_table(frame, out)  # what `kinesim sweep --out` writes
        if suffix == "csv":
            with out.open(newline="") as f:
                cells[suffix] = [row["producers[0].record_size"] for row in csv.DictReader(f)]
        else:
            cells[suffix] = pd.read_parquet(out)["producers[0].record_size"].tolist()
    # The number and the string stay apart, and the object is JSON, not a Python repr.
    assert cells["csv"] == cells["parquet"] == [json.dumps(v) for v in values]


def test_cli_writes_parquet_on_a_local_cluster(capsys, tmp_path, serial_frame) -> None:
    scenario = write_short(tmp_path)
    out = tmp_path / "table.parquet"
    code, _, err = run(
        capsys,
        "sweep",
        str(scenario),
        "--set=stream.shards=1..3",
        "--seed-list",
        "42,43",
        "--workers",
        "2",
        "--out",
        str(out),
        "--quiet",
    )
    assert (code, err) == (0, "")
    table = pd.read_parquet(out)
    for text in ("headline", "error"):  # read back as strings, missing as NaN
        table[text] = pd.Series([None if pd.isna(v) else v for v in table[text]], dtype=object)
    pd.testing.assert_frame_equal(table, serial_frame, check_exact=True)


def test_cli_default_output_and_failed_runs_exit_0_with_their_count(
    capsys, tmp_path, monkeypatch
) -> None:
    path = trace_scenario(tmp_path)
    monkeypatch.chdir(tmp_path)
    code, stdout, _ = run(
        capsys,
        "sweep",
        str(path),
        "--set",
        "producers[replay].rate.file=good.csv,bad.csv",
        "--scheduler",
        "serial",
    )
    assert code == 0
    assert stdout.splitlines()[-1] == ("2 runs, 1 failed; table in kinesim-out/replay/sweep.csv")
    table = pd.read_csv(tmp_path / "kinesim-out" / "replay" / "sweep.csv")
    assert table["error"].isna().tolist() == [True, False]
    code, stdout, err = run(
        capsys,
        "sweep",
        str(path),
        "--set",
        "producers[replay].rate.file=good.csv,bad.csv",
        "--scheduler",
        "serial",
        "--quiet",
    )
    assert (code, stdout, err) == (0, "", "kinesim sweep: 1 of 2 runs failed\n")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--set", "stream.shards=5..2", "--set", "producers[api].instances=2"],
            "the sweep cannot run:\n"
            "  stream.shards=5..2: range '5..2': START 5 is greater than END 2\n"
            "  producers[api].instances: not in the scenario: $.producers has no element named "
            "'api' (names: 'web')\n",
        ),
        (["--set", "stream.shards"], "--set 'stream.shards': expected PATH=VALUES"),
        (
            ["--set", "stream.shards=0,4"],
            "  with stream.shards=0: $.stream.shards: got 0, expected an integer 1..10000\n",
        ),
        (["--seeds", "0"], "--seeds '0': expected a whole number 1..1,000,000"),
        (
            ["--seeds", "18446744073709551616"],
            "--seeds '18446744073709551616': expected a whole number 1..1,000,000",
        ),
        (["--seed-list", "1,x"], "--seed-list '1,x': 'x' is not an integer"),
        (["--workers", "two"], "--workers 'two': expected a whole number 1 ... 1,024"),
        # As for a plan: 1025 started about a thousand processes. (A bad knob too: without
        # the bound, this test must not start them.)
        (
            ["--workers", "1025", "--set", "stream.shards=0"],
            "--workers '1025': expected a whole number 1 ... 1,024",
        ),
        (["--workers", "0"], "--workers '0': expected a whole number 1 ... 1,024"),
        (["--workers", "2", "--scheduler", "serial"], "--workers '2': applies only to the local"),
        (["--out", "table.txt"], "--out 'table.txt': expected a file ending in .csv or .parquet"),
        (["--out", "short.json/t.csv"], "--out 'short.json/t.csv': 'short.json' is not a folder"),
        (["--out", ""], "--out '': expected a file ending in .csv or .parquet"),
    ],
)
def test_cli_bad_input_exits_2_naming_it_and_writes_nothing(
    capsys, tmp_path, monkeypatch, argv: list[str], message: str
) -> None:
    monkeypatch.chdir(tmp_path)
    write_short(tmp_path)
    code, stdout, err = run(capsys, "sweep", "short.json", *argv)
    assert (code, stdout) == (2, "")
    assert err.startswith("kinesim sweep: error: ")
    assert message in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["short.json"]


def test_cli_an_invalid_scenario_exits_2_with_its_problems_listed_once(capsys) -> None:
    broken = ROOT / "scenarios" / "broken" / "unknown-key.json"
    code, stdout, err = run(
        capsys, "sweep", str(broken), "--set", "stream.retention_hours=24,48", "--seeds", "3"
    )
    assert (code, stdout) == (2, "")
    assert err == (
        f"kinesim sweep: error: {broken}: the sweep cannot run:\n"
        '  the scenario: $.stream.shard: unknown key "shard"; did you mean "shards"?\n'
    )
    code, _, err = run(capsys, "sweep", "no-such-file.json")
    assert code == 2
    assert "cannot read scenario file 'no-such-file.json'" in err


def test_cli_lists_bad_arguments_beside_the_scenario_s_problems(capsys, tmp_path) -> None:
    broken = ROOT / "scenarios" / "broken" / "out-of-range.json"
    out = tmp_path / "out" / "a.csv"
    code, stdout, err = run(
        capsys,
        "sweep",
        str(broken),
        "--set",
        "stream.shards=1",
        "--set",
        "nothing",
        "--seeds",
        "0",
        "--scheduler",
        "serial",
        "--out",
        str(tmp_path / "table.txt"),
    )
    assert (code, stdout) == (2, "")
    assert err == (
        "kinesim sweep: error: --seeds '0': expected a whole number 1..1,000,000\n"
        "kinesim sweep: error: --set 'nothing': expected PATH=VALUES, e.g. stream.shards=2..16\n"
        f"kinesim sweep: error: --out {str(tmp_path / 'table.txt')!r}: expected a file ending in "
        ".csv or .parquet\n"
        f"kinesim sweep: error: {broken}: the sweep cannot run:\n"
        "  the scenario: $.producers[0].rate.records_per_sec: got -5, expected a number > 0\n"
        "  the scenario: $.producers[0].sdk.max_batch_records: got 501, expected an integer "
        "1..500\n"
        "  the scenario: $.stream.retention_hours: got 9000, expected an integer 24..8760\n"
    )
    assert not out.parent.exists()


def test_bad_knobs_seeds_and_scheduler_are_listed_with_the_loader_s_problems() -> None:
    with pytest.raises(kinesim.SweepError) as caught:
        kinesim.sweep(
            short(stream={"shards": 0}),
            {"stream.mode": "5..2"},
            seeds=0,
            scheduler="serial",
            workers=2,
        )
    assert caught.value.problems == [
        "workers: applies only to the local cluster (scheduler None), not to scheduler 'serial'",
        "stream.mode=5..2: range '5..2': START 5 is greater than END 2",
        "seeds: expected a number of seeds 1..1,000,000, got 0",
        "the scenario: $.stream.shards: got 0, expected an integer 1..10000",
    ]


@pytest.mark.parametrize(
    ("values", "expected"), [([2.0, 3], [2, 3]), ("2.0,3", [2, 3]), ("1e3,4", [1000, 4])]
)
def test_a_knob_of_whole_numbers_however_written_is_an_int64_column(
    capsys, tmp_path, values: Any, expected: list[int]
) -> None:
    table = kinesim.sweep(short(duration="1m"), {"stream.shards": values}, scheduler="serial")
    assert str(table["stream.shards"].dtype) == "int64"
    assert table["stream.shards"].tolist() == expected
    if isinstance(values, str):
        scenario = tmp_path / "short.json"
        scenario.write_text(json.dumps(short(duration="1m")), encoding="utf-8")
        out = tmp_path / "t.csv"
        argv = ["--set", f"stream.shards={values}", "--scheduler", "serial", "--quiet"]
        assert run(capsys, "sweep", str(scenario), *argv, "--out", str(out))[0] == 0
        column = [line.split(",")[0] for line in out.read_text().splitlines()[1:]]
        assert column == [str(v) for v in expected]
        parquet = tmp_path / "t.parquet"
        assert run(capsys, "sweep", str(scenario), *argv, "--out", str(parquet))[0] == 0
        assert str(pd.read_parquet(parquet)["stream.shards"].dtype) == "int64"


def test_mixed_whole_and_fractional_numbers_stay_float64() -> None:
    assert _sweep._knob_dtype([2.0, 2.5]) == "float64"
    assert _sweep._knob_dtype([2.0, float("nan")]) == "float64"
    assert _sweep._knob_dtype([1e30, 2]) == "float64"


# --- documentation -----------------------------------------------------------------------------


def test_readme_lists_every_figure_with_its_unit() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Figures and objectives", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| ([^|]+) \| ([^|]+) \|$", section, flags=re.MULTILINE)
    assert [(name, unit.strip()) for name, unit, _ in rows] == [
        (f.name, f.unit) for f in _figures.FIGURES.values()
    ]
    for (_, _, description), figure in zip(rows, _figures.FIGURES.values()):
        assert description.strip().startswith(figure.description)
