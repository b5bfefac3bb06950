"""The kinesim command line: output and exit codes (0 ok, 2 invalid input, 1 internal)."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

import kinesim
from kinesim import cli


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_shards_prints_the_map_and_routes_the_demo_keys(capsys) -> None:
    code, out, err = run(capsys, "shards", "4")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].split() == ["shard_id", "start", "end", "parent", "adjacent_parent", "open"]
    assert lines[1].split() == ["shardId-000000000000", "0", str(2**126 - 1), "-", "-", "yes"]
    stream = kinesim.ShardMap.uniform(4)
    routed = [line.split() for line in lines if line.startswith("user-")]
    assert routed == [
        [f"user-{i}", str(kinesim.hash_key(f"user-{i}")), stream.route(f"user-{i}")]
        for i in range(1, 9)
    ]


def test_shards_table_columns_are_aligned(capsys) -> None:
    _, out, _ = run(capsys, "shards", "3")
    table = out.split("\n\n")[0].splitlines()
    # Right-aligned numbers: every row's "end" column ends at the same offset.
    ends = {line.index(line.split()[2]) + len(line.split()[2]) for line in table}
    assert len(ends) == 1


def test_shards_json_with_operations_and_keys(capsys) -> None:
    code, out, _ = run(
        capsys,
        "shards",
        "2",
        "--split",
        "shardId-000000000000:1000",
        "--merge",
        "shardId-000000000003:shardId-000000000001",
        "--key",
        "a",
        "--key",
        "😀",
        "--explicit-hash-key",
        "999",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["open_shard_count"] == 2
    assert [s["shard_id"] for s in doc["shards"]][-1] == "shardId-000000000004"
    assert doc["shards"][4]["parent"] == "shardId-000000000003"
    assert [op["kind"] for op in doc["operations"]] == ["split", "merge"]
    assert [r.get("partition_key", r.get("explicit_hash_key")) for r in doc["routes"]] == [
        "a",
        "😀",
        "999",
    ]
    assert doc["routes"][2]["shard_id"] == "shardId-000000000002"
    assert doc["routes"][0]["hash_key"] == str(kinesim.hash_key("a"))


def test_operations_apply_in_command_line_order(capsys) -> None:
    code, out, _ = run(
        capsys,
        "shards",
        "2",
        "--update-shard-count",
        "4",
        "--merge",
        "shardId-000000000002:shardId-000000000003",
        "--json",
    )
    assert code == 0
    doc = json.loads(out)
    assert doc["open_shard_count"] == 3
    assert doc["operations"][-1]["kind"] == "merge"
    assert all(op.get("via") == "update_shard_count 4" for op in doc["operations"][:-1])


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["shards", "zero"], "N 'zero'"),
        (["shards", "0"], "N '0'"),
        (["shards", "10001"], "N '10001'"),
        (["shards", "4", "--key", ""], "--key ''"),
        (["shards", "4", "--key", "x" * 257], "--key"),
        (["shards", "4", "--explicit-hash-key", str(2**128)], "--explicit-hash-key"),
        (["shards", "4", "--explicit-hash-key", "-1"], "--explicit-hash-key '-1'"),
        (["shards", "4", "--split", "shardId-000000000009:5"], "--split"),
        (["shards", "4", "--split", "nocolon"], "--split 'nocolon'"),
        (["shards", "4", "--split", "shardId-000000000000:1"], "InvalidArgumentException"),
        (["shards", "4", "--merge", "shardId-000000000000:shardId-000000000002"], "--merge"),
        (["shards", "4", "--update-shard-count", "9"], "--update-shard-count '9'"),
        (["shards", "4", "--update-shard-count", "many"], "--update-shard-count 'many'"),
        # Whole numbers are ASCII digits: int() alone also reads "1_0" and full-width digits.
        (["shards", "1_0"], "N '1_0'"),
        (["shards", "\uff14"], "N '\uff14'"),
        (["shards", "4", "--update-shard-count", "\uff18"], "--update-shard-count"),
    ],
)
def test_invalid_input_exits_2_naming_the_argument(capsys, argv: list[str], named: str) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert named in err


def test_every_bad_key_is_listed_at_once(capsys) -> None:
    argv = ["shards", "4", "--key", "", "--key", "ok", "--explicit-hash-key", "-1"]
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    lines = err.splitlines()
    named = [line.removeprefix("kinesim shards: error: ").split(":")[0] for line in lines]
    assert named == ["--key ''", "--explicit-hash-key '-1'"]


def test_usage_errors_exit_2(capsys) -> None:
    assert run(capsys, "shards")[0] == 2
    assert run(capsys, "no-such-command")[0] == 2
    assert run(capsys)[0] == 2


def test_help_and_version_exit_0(capsys) -> None:
    code, out, _ = run(capsys, "--version")
    assert (code, out.strip()) == (0, f"kinesim {kinesim.__version__}")
    assert run(capsys, "shards", "--help")[0] == 0


def test_internal_failure_exits_1(capsys, monkeypatch) -> None:
    def broken(n: int) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(cli.ShardMap, "uniform", broken)
    code, _, err = run(capsys, "shards", "4")
    assert code == 1
    assert "internal error" in err
    assert "boom" in err


def test_a_reader_that_goes_away_ends_the_command_quietly() -> None:
    # `kinesim shards 5000 | head -1` (more than a pipe holds): exit 141, as SIGPIPE would,
    # and no "internal error".
    done = subprocess.run(
        f'{sys.executable} -m kinesim shards 5000 | head -1; echo "rc=${{PIPESTATUS[0]}}"',
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout.splitlines()[-1] == "rc=141", done.stderr
    assert len(done.stdout.splitlines()) == 2
    assert done.stderr == ""


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kinesim", "shards", "2", "--key", "k", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["routes"][0]["shard_id"] == kinesim.ShardMap.uniform(2).route(
        "k"
    )
    bad = subprocess.run(
        [sys.executable, "-m", "kinesim", "shards", "x"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "N 'x'" in bad.stderr


def test_run_help_names_every_output_and_two_or_more_cores(capsys) -> None:
    code, out, _ = run(capsys, "run", "--help")
    assert code == 0
    text = " ".join(out.split())  # argparse wraps lines anywhere
    for name in (
        "summary.json",
        "metrics_stream.csv",
        "metrics_shards.csv",
        "metrics_producers.csv",
        "metrics_consumers.csv",
        "timeline.csv",
    ):
        assert name in text, name
    assert "where the machine has two or more cores" in text


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_run_progress_bar_shows_on_stderr_when_only_stderr_is_a_terminal(
    monkeypatch,
) -> None:
    stderr, stdout = _Terminal(), io.StringIO()  # e.g. `kinesim run s.json > summary.txt`
    monkeypatch.setattr(sys, "stderr", stderr)
    monkeypatch.setattr(sys, "stdout", stdout)
    bar = cli._Progress(enabled=True)
    bar.start -= 2.0  # as if the run had taken two seconds so far
    bar(0.5)
    bar.close()
    assert "simulating" in stderr.getvalue()
    assert stdout.getvalue() == ""
