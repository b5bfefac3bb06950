"""kinesim.run / kinesim.validate and the `kinesim run` / `kinesim validate` commands."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import kinesim

ROOT = Path(__file__).resolve().parents[2]


def small_scenario(**stream: object) -> dict:
    return {
        "name": "small",
        "duration": "2m",
        "seed": 5,
        "stream": {"shards": 2, **stream},
        "producers": [
            {
                "name": "p",
                "rate": {"profile": "poisson", "records_per_sec": 300},
                "keys": {"dist": "uniform", "count": 100},
                "record_size": "1KiB",
            }
        ],
    }


def test_run_accepts_a_dict_and_returns_a_result() -> None:
    result = kinesim.run(small_scenario())
    records = result.summary["records"]
    assert records["produced"] > 30_000
    assert records["conserved"] is True
    assert result.headline.startswith("no throttling")
    assert "records:" in str(result)
    assert "small" in repr(result)


def test_run_is_deterministic_for_a_seed_and_changes_with_it() -> None:
    a = kinesim.run(small_scenario()).summary_json()
    b = kinesim.run(small_scenario()).summary_json()
    c = kinesim.run(small_scenario(), seed=6).summary_json()
    assert a == b
    assert a != c


def test_metrics_are_numpy_series_per_bucket() -> None:
    result = kinesim.run(small_scenario(), resolution="1s")
    series = result.metrics()
    incoming = series["stream/IncomingRecords"]
    assert len(incoming) >= 120
    assert incoming.sum() == result.summary["records"]["accepted"]
    frame = result.to_pandas()
    assert frame.index.name == "time_s"
    assert frame.index[1] == 1.0


def test_validate_lists_every_issue_with_its_path() -> None:
    bad = small_scenario()
    bad["stream"]["shards"] = 0
    bad["producers"][0]["rate"]["records_per_sec"] = "fast"
    with pytest.raises(kinesim.ScenarioError) as info:
        kinesim.validate(bad)
    paths = [p for p, _ in info.value.issues]
    assert paths == ["$.stream.shards", "$.producers[0].rate.records_per_sec"]
    assert isinstance(info.value, ValueError)


def test_a_second_thread_changes_nothing_but_the_wall_time() -> None:
    # Fast SDK producers draw their batches ahead on a second thread unless threads=1: the same
    # draws, so the same result to the byte, with throttling, retries and several instances.
    scenario = small_scenario()
    scenario["fidelity"] = "fast"
    producer = scenario["producers"][0]
    producer["instances"] = 4
    producer["rate"]["records_per_sec"] = 4000
    producer["keys"] = {"dist": "zipf", "s": 1.2, "count": 1000}
    one = kinesim.run(scenario, threads=1)
    assert one.summary["stream"]["throttled_entries"] > 0
    assert one.summary_json() == kinesim.run(scenario).summary_json()
    assert one.summary_json() == kinesim.run(scenario, threads=2).summary_json()
    for bad in (-1, 1.5, "2", True, 2**32):
        with pytest.raises(ValueError, match="threads"):
            kinesim.run(scenario, threads=bad)


def test_run_rejects_a_bad_resolution() -> None:
    with pytest.raises(kinesim.ScenarioError):
        kinesim.run(small_scenario(), resolution="7s")
    # Not a text: a ValueError naming the argument, not the binding's TypeError.
    with pytest.raises(ValueError, match="resolution: expected a duration text"):
        kinesim.run(small_scenario(), resolution=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="fidelity: expected one of exact, fast"):
        kinesim.run(small_scenario(), fidelity=2)  # type: ignore[arg-type]


def test_run_raises_every_argument_problem_at_once_arguments_first() -> None:
    with pytest.raises(ValueError, match=r"^seed: ") as raised:
        kinesim.run(small_scenario(), seed=-1, fidelity="quick", threads=-1)
    assert type(raised.value) is ValueError
    assert str(raised.value).splitlines() == [
        "seed: expected an integer from 0 to 18446744073709551615, got -1",
        "fidelity: expected one of exact, fast, got 'quick'",
        "threads: expected an integer from 0 to 4294967295, got -1",
    ]
    # A resolution text the core refuses, or a bad scenario, make it a ScenarioError that
    # names the arguments first, then the scenario's JSON paths.
    bad = small_scenario()
    bad["stream"]["shards"] = 0
    with pytest.raises(kinesim.ScenarioError) as scenario_error:
        kinesim.run(bad, seed=2**64, resolution="7s")
    assert scenario_error.value.issues == [
        ("seed", "expected an integer from 0 to 18446744073709551615, got 18446744073709551616"),
        (
            "resolution",
            'got "7s", expected a duration of at least 1ms that divides 60s, like "1m", "10s", '
            '"1s"',
        ),
        ("$.stream.shards", "got 0, expected an integer 1..10000"),
    ]


def test_progress_is_reported_up_to_completion() -> None:
    seen: list[float] = []
    kinesim.run(small_scenario(), progress=seen.append)
    assert seen
    assert seen[-1] == 1.0
    assert seen == sorted(seen)


def cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kinesim", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def test_cli_run_writes_all_outputs_and_prints_the_summary(tmp_path: Path) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(small_scenario()))
    out = tmp_path / "out"
    proc = cli("run", str(scenario), "--out", str(out), "--seed", "9")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[0].startswith("no throttling")
    for name in (
        "summary.json",
        "metrics_stream.csv",
        "metrics_shards.csv",
        "metrics_producers.csv",
        "timeline.csv",
    ):
        assert (out / name).is_file(), name
    summary = json.loads((out / "summary.json").read_text())
    assert summary["scenario"]["seed"] == 9
    header = (out / "metrics_stream.csv").read_text().splitlines()[0].split(",")
    assert header[0] == "time_s"
    assert "IncomingRecords" in header
    assert "PutRecords.ThrottledRecords" in header


def test_cli_validate_says_valid_or_exits_two(tmp_path: Path) -> None:
    ok = cli("validate", "scenarios/steady.json")
    assert ok.returncode == 0
    assert "is valid" in ok.stdout
    missing = cli("validate", str(tmp_path / "nope.json"))
    assert missing.returncode == 2
    assert "cannot read scenario file" in missing.stderr


@pytest.mark.parametrize(
    ("option", "value"), [("--seed", "-1"), ("--threads", "-1"), ("--threads", str(2**32))]
)
def test_cli_run_rejects_a_bad_number_without_output(
    tmp_path: Path, option: str, value: str
) -> None:
    out = tmp_path / "out"
    proc = cli("run", "scenarios/steady.json", option, value, "--out", str(out))
    assert proc.returncode == 2
    assert option in proc.stderr
    assert not out.exists()


def test_metric_series_end_with_the_run_and_have_exact_times() -> None:
    # 2 minutes at 1 m: two buckets (0 and 60), none at the end of the run, and times exact.
    result = kinesim.run(small_scenario())
    frame = result.to_pandas()
    assert list(frame.index) == [0, 60]
    assert frame.loc[60, "stream/IncomingRecords"] > 0
    csv = result._r.metrics_stream_csv().splitlines()
    assert [row.split(",")[0] for row in csv[1:]] == ["0", "60"]


def test_open_shard_count_has_a_value_in_every_second_like_the_csv() -> None:
    result = kinesim.run(small_scenario(), resolution="1s")
    open_shards = result.metrics()["stream/OpenShardCount"]
    csv = result._r.metrics_stream_csv().splitlines()
    column = csv[0].split(",").index("OpenShardCount")
    from_csv = [float(row.split(",")[column]) for row in csv[1:]]
    assert len(open_shards) == len(from_csv) == 120
    assert list(open_shards) == from_csv == [2.0] * 120
    assert len(result.metrics()["stream/IncomingRecords"]) == 120


def endless_scenario() -> dict:
    """A month at a billion records a second: minutes of wall time per simulated second."""
    return {
        "name": "endless",
        "duration": "30d",
        "stream": {"shards": 4},
        "producers": [
            {
                "name": "flood",
                "rate": {"profile": "constant", "records_per_sec": 1e9},
                "keys": {"dist": "uniform", "count": 1000},
                "record_size": "100B",
            }
        ],
    }


def test_cli_run_reads_the_scenario_once_so_a_pipe_will_do(tmp_path: Path) -> None:
    # `kinesim run /dev/stdin` (or a shell's <(...)): a pipe can be read only once.
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "kinesim", "run", "/dev/stdin", "--out", str(out), "--quiet"],
        input=json.dumps(small_scenario()),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads((out / "summary.json").read_text())["scenario"]["name"] == "small"


@pytest.mark.parametrize("where", ["under a file", "in /proc"])
def test_cli_run_rejects_an_unwritable_out_before_simulating(tmp_path: Path, where: str) -> None:
    scenario = tmp_path / "endless.json"
    scenario.write_text(json.dumps(endless_scenario()))
    blocker = tmp_path / "file.txt"
    blocker.write_text("kept")
    out = blocker / "out" if where == "under a file" else Path("/proc/kinesim-out")
    # The run would take hours: only a check made before it can answer in time.
    proc = subprocess.run(
        [sys.executable, "-m", "kinesim", "run", str(scenario), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"kinesim run: error: --out {str(out)!r}: "), lines[0]
    assert blocker.read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["endless.json", "file.txt"]


def test_cli_run_stops_on_ctrl_c_within_a_second_and_writes_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "endless.json"
    scenario.write_text(json.dumps(endless_scenario()))
    out = tmp_path / "out"
    starter = (
        "import sys; from kinesim import cli; print(flush=True); sys.exit(cli.main(sys.argv[1:]))"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", starter, "run", str(scenario), "--out", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    proc.stdout.readline()  # kinesim is imported
    time.sleep(1.5)  # well into the simulation
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    try:
        stdout, stderr = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("still running 20 s after Ctrl-C")
    took = time.monotonic() - sent
    assert proc.returncode == 130, stderr
    assert stderr == "kinesim run: interrupted\n"
    assert stdout == ""
    # A second of wall time, with room for a busy machine to schedule the process.
    assert took < 2.0, f"exited {took:.2f} s after Ctrl-C"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["endless.json"]


def test_consumers_appear_in_the_summary_and_the_metric_series() -> None:
    scenario = small_scenario()
    scenario["consumers"] = [
        {"name": "reader", "type": "polling", "polling": {"poll_interval": "500ms"}},
        {"name": "archive", "type": "firehose", "firehose": {"IntervalInSeconds": 30}},
    ]
    result = kinesim.run(scenario, resolution="1s")
    names = [c["name"] for c in result.summary["consumers"]]
    assert names == ["reader", "archive"]
    series = result.metrics()
    assert series["reader/RecordsRead"].sum() == result.summary["consumers"][0]["read"]["records"]
    assert "archive/DataReadFromKinesisStream.Bytes" in series
    assert "stream/GetRecords.Success" in series
    frame = result.to_pandas()
    assert "reader/MillisBehindLatest" in frame.columns
    assert "consumer reader (polling): read" in str(result)


def test_a_write_only_run_has_no_consumers_section() -> None:
    assert "consumers" not in kinesim.run(small_scenario()).summary


def test_bad_consumer_input_exits_two_and_names_the_json_path(tmp_path: Path) -> None:
    scenario = small_scenario()
    scenario["consumers"] = [{"name": "r", "type": "polling", "polling": {"Limit": 0}}]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(scenario))
    proc = subprocess.run(
        [sys.executable, "-m", "kinesim", "run", str(path), "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert "$.consumers[0].polling.Limit: got 0, expected an integer 1..10000" in proc.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("bad", [-1, 2**64, "5", True, 1.5])
def test_run_rejects_a_seed_that_is_not_an_unsigned_64_bit_integer(bad: object) -> None:
    with pytest.raises(ValueError, match=f"^seed: expected an integer from 0 to {2**64 - 1}, got"):
        kinesim.run(small_scenario(), seed=bad)  # type: ignore[arg-type]


OUT_OF_RANGE = "scenarios/broken/out-of-range.json"


@pytest.mark.parametrize(
    ("argv", "first"),
    [
        (
            ["--resolution", "7s"],
            [
                "--resolution '7s': expected a duration of at least 1ms that divides 60s, "
                'like "1m", "10s", "1s"'
            ],
        ),
        (
            # Divides 60 s, but finer than the scenario's output.resolution takes.
            ["--resolution", "500us"],
            [
                "--resolution '500us': expected a duration of at least 1ms that divides 60s, "
                'like "1m", "10s", "1s"'
            ],
        ),
        (
            ["--seed", "-3", "--out", "{blocker}/x"],
            [
                "--seed '-3': expected an integer 0 ... 2**64-1",
                "--out '{blocker}/x': '{blocker}' is not a folder",
            ],
        ),
        (
            # An empty --out is not the default folder.
            ["--out", ""],
            ["--out '': expected a folder path (leave --out out for the default)"],
        ),
        (
            ["--threads", "x", "--fidelity", "quick"],
            [
                "--fidelity 'quick': expected one of exact, fast",
                "--threads 'x': expected an integer from 0 to 4294967295",
            ],
        ),
    ],
)
def test_cli_run_lists_bad_arguments_and_the_scenario_s_problems_together(
    tmp_path: Path, argv: list[str], first: list[str]
) -> None:
    blocker = tmp_path / "afile"
    blocker.write_text("kept")
    argv = [a.format(blocker=blocker) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(tmp_path / "out")]
    proc = cli("run", OUT_OF_RANGE, *argv)
    assert (proc.returncode, proc.stdout) == (2, "")
    expected = (ROOT / OUT_OF_RANGE).with_suffix(".expected").read_text()
    assert (
        proc.stderr
        == "".join(f"kinesim run: error: {line.format(blocker=blocker)}\n" for line in first)
        + expected
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["afile"]


def with_consumer(**stream: object) -> dict:
    scenario = small_scenario(**stream)
    scenario["consumers"] = [{"name": "reader", "type": "polling"}]
    return scenario


def test_cli_run_replaces_an_earlier_run_s_outputs_and_keeps_other_files(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"
    first.write_text(json.dumps(with_consumer()))
    second.write_text(json.dumps(small_scenario()))
    out = tmp_path / "out"
    assert cli("run", str(first), "--out", str(out), "--report").returncode == 0
    (out / "plan.json").write_text("{}")  # as `kinesim plan` would leave it
    (out / "notes.txt").write_text("mine")
    (out / "charts").mkdir()
    proc = cli("run", str(second), "--out", str(out), "--quiet")
    assert proc.returncode == 0, proc.stderr
    # The earlier run's consumer metrics and page go; the plan.json beside them stays (a plan
    # is not a run's output: `kinesim report` adds its section to the new run's page).
    assert sorted(p.name for p in out.iterdir()) == [
        "charts",
        "metrics_producers.csv",
        "metrics_shards.csv",
        "metrics_stream.csv",
        "notes.txt",
        "plan.json",
        "summary.json",
        "timeline.csv",
    ]
    assert (out / "notes.txt").read_text() == "mine"
    assert "consumers" not in json.loads((out / "summary.json").read_text())
    assert sorted(p.name for p in tmp_path.iterdir()) == ["first.json", "out", "second.json"]


def test_cli_run_that_fails_to_write_leaves_the_earlier_outputs_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from kinesim import _report
    from kinesim import cli as command_line

    out = kinesim.run(with_consumer(), seed=1).write(tmp_path / "out")
    (out / "notes.txt").write_text("mine")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps(small_scenario()))

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_report, "report", full_disk)
    argv = ["run", str(scenario), "--out", str(out), "--seed", "2", "--report", "--quiet"]
    assert command_line.main(argv) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "s.json"]


def test_result_write_removes_an_earlier_run_s_consumer_metrics_only(tmp_path: Path) -> None:
    out = kinesim.run(with_consumer()).write(tmp_path / "out")
    assert (out / "metrics_consumers.csv").is_file()
    (out / "plan.json").write_text("{}")
    (out / "report.html").write_text("the earlier run's page")
    kinesim.run(small_scenario()).write(out)
    assert not (out / "metrics_consumers.csv").exists()
    assert not (out / "report.html").exists()  # it described the earlier run (as the CLI's)
    assert (out / "plan.json").read_text() == "{}"


def test_money_in_summary_json_is_never_rounded_beyond_the_cent() -> None:
    # 1,001 shards for a month: 1,001 x $0.015 x 730 h = $10,960.95, which six significant
    # digits alone would give as 10961.0.
    doc = small_scenario(shards=1001)
    doc["duration"] = "10s"
    cost = kinesim.run(doc).summary["cost"]
    provisioned = next(m for m in cost["modes"] if m["mode"] == "provisioned")
    shard_hours = next(c for c in provisioned["components"] if c["name"] == "shard hours")
    assert shard_hours["per_month"] == 10_960.95
    assert provisioned["per_month"] == round(provisioned["per_month"], 2)
    assert provisioned["per_month"] == pytest.approx(
        sum(c["per_month"] for c in provisioned["components"]), abs=0.01
    )


@pytest.mark.parametrize(
    ("key", "why"),
    [
        (b"k" * 257, b"257 characters (UTF-16 code units)"),  # Kinesis takes 1..256
        # 129 characters above U+FFFF: 516 bytes, 258 UTF-16 code units
        ("\U0001f600".encode() * 129, b"258 characters (UTF-16 code units)"),
        (b"\xff", b"1 bytes of invalid UTF-8"),
    ],
)
def test_a_trace_row_with_a_key_kinesis_would_refuse_exits_two_at_its_line(
    tmp_path: Path, key: bytes, why: bytes
) -> None:
    (tmp_path / "t.csv").write_bytes(
        b"timestamp,partition_key,size\n0.1,ok,100\n0.2," + key + b",100\n"
    )
    doc = {
        "name": "bad-trace",
        "duration": "10s",
        "producers": [{"name": "replay", "rate": {"profile": "trace", "file": "t.csv"}}],
    }
    (tmp_path / "s.json").write_text(json.dumps(doc))
    proc = subprocess.run(
        [sys.executable, "-m", "kinesim", "run", str(tmp_path / "s.json"), "--out", "o"],
        cwd=tmp_path,
        capture_output=True,
    )
    assert proc.returncode == 2, proc.stderr
    assert b"t.csv:3: got a partition key of " + why + b", expected 1..256 characters" in (
        proc.stderr
    )
    assert not (tmp_path / "o").exists()


def test_a_producer_s_rates_count_from_its_start() -> None:
    # 1,500 records/s from 30 s of a 60 s run, in one 60 s metric bucket: 45,000 records in the
    # 30 s it existed are 1,500/s, not 750/s over the whole bucket or run.
    doc = small_scenario(shards=4)
    doc["duration"] = "60s"
    doc["producers"][0].update(
        start="30s", rate={"profile": "constant", "records_per_sec": 1500}, record_size=100
    )
    producer = kinesim.run(doc).summary["producers"][0]
    produced = producer["counts"]["produced"]
    assert 44_990 <= produced <= 45_010
    assert producer["offered_mean_records_per_sec"] == pytest.approx(produced / 30, rel=1e-3)
    assert producer["offered_peak_records_per_sec"] == pytest.approx(produced / 30, rel=1e-3)


@pytest.mark.parametrize("command", ["run", "plan", "sweep"])
def test_a_scenario_name_that_is_not_one_folder_name_needs_out(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command
) -> None:
    from kinesim import cli

    doc = small_scenario()
    doc["name"] = "../escaped"
    (tmp_path / "s.json").write_text(json.dumps(doc))
    monkeypatch.chdir(tmp_path)
    extra = ["--set", "stream.shards=2"] if command == "sweep" else []
    assert cli.main([command, "s.json", *extra]) == 2
    message = "the scenario's name '../escaped' cannot name a folder of kinesim-out; give --out"
    assert message in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.json"]
    assert not (tmp_path.parent / "escaped").exists()


def test_a_hot_key_named_like_one_of_the_rest_s_keys_is_one_key() -> None:
    # Hot "u-5" beside the rest's "u-0" ... "u-9" was listed twice (59,551 and 6,021 records),
    # 11 distinct keys were counted, and its 1,093 records/s together found no hot key.
    doc = {
        "name": "twin",
        "duration": "60s",
        "stream": {"shards": 2},
        "producers": [
            {
                "name": "p",
                "rate": {"profile": "poisson", "records_per_sec": 2000},
                "record_size": "100B",
                "keys": {
                    "dist": "hot",
                    "hot": [{"key": "u-5", "share": 0.5}],
                    "rest": "uniform",
                    "count": 10,
                    "prefix": "u-",
                },
            }
        ],
    }
    for fidelity in ("exact", "fast"):
        summary = kinesim.run(doc, fidelity=fidelity).summary
        producer = summary["producers"][0]
        assert producer["distinct_keys"] == 10
        names = [k["key"] for k in producer["hottest_keys"]]
        assert names.count("u-5") == 1
        hot = producer["hot_keys"][0]
        assert hot == producer["hottest_keys"][0]
        # Half the records plus a tenth of the other half: 1,100 records/s expected.
        assert 1050 < hot["offered_records_per_sec"] < 1150
        groups = summary["key_groups"]["p"]
        assert sum(g["offered"] for g in groups) == producer["counts"]["produced"]
        assert "hot_key" in [f["code"] for f in summary["findings"]]
