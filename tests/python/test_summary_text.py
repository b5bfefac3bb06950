"""The human summary `kinesim run` prints, for shipped scenarios under their own seeds: the
stream's capacity over time in the header, the keys line (one line for a spread-out key space),
the timeline line (capacity changes first, skipped autoscaler checks as a count) and the sizing
sentence for fixed, autoscaled, resharded and on-demand capacity. summary.json is checked
byte for byte by test_scenarios.py; this is the text a person reads.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import kinesim

ROOT = Path(__file__).resolve().parents[2]

# Lines that must appear verbatim in each scenario's summary.
EXPECTED_LINES = {
    "steady": [
        "scenario steady-within-capacity: 1h simulated, seed 42; stream clickstream "
        "(provisioned, 4 shards)",
        "keys: 50,000 distinct, none with 1 % of records or more (the busiest, session-4028, "
        "has under 0.01 %)",
        "sizing: the formula asks for 3 shards at peak (3 on the mean load); with 4 shards "
        "(1 more than the formula asks) the simulation throttled nothing, so the formula's 3 "
        "may do (check bursts before removing shards).",
    ],
    "hot-key": [
        "scenario hot-key: 30m simulated, seed 17; stream events (provisioned, 8 shards)",
        "hottest keys (20,000 distinct): user-17 -> shardId-000000000003 1,520 records/s "
        "(25.3 % of records, 79.9 % throttled); user-0 -> shardId-000000000005 257 records/s "
        "(4.3 % of records); user-1 -> shardId-000000000006 138 records/s (2.3 % of records)",
        "sizing: the formula asks for 7 shards at peak (6 on the mean load); with 8 shards "
        "(1 more than the formula asks) the simulation throttled 44.3 % of writes because key "
        "user-17 alone exceeds one shard (1,520 records/s, 900.9 KiB/s), whatever the shard "
        "count.",
    ],
    "autoscaler-diurnal": [
        "scenario autoscaler-diurnal: 24h simulated, seed 77; stream metrics (provisioned, "
        "2 -> 4 -> 2 shards by the autoscaler, mean 2.7)",
        "keys: 20,000 distinct, none with 1 % of records or more (the busiest, host-1543, "
        "has under 0.01 %)",
        "timeline: 12h53m update_shard_count 2 -> 4 shards (autoscaler); 21h27m "
        "update_shard_count 4 -> 2 shards (autoscaler); 1 autoscaler check skipped "
        "(see timeline.csv)",
        "sizing: the formula asks for 2 shards at peak (1 on the mean load); with 2 to 4 shards "
        "over the run (autoscaler; mean 2.7, 65.1 shard-hours) the simulation throttled "
        "nothing; a fixed 2 shards (48 shard-hours) was not simulated.",
    ],
    "on-demand-spike": [
        "scenario on-demand-spike: 2h simulated, seed 33; stream campaign (on-demand Standard, "
        "10 -> 11 -> 20 -> 40 shards, mean 19.6)",
        "timeline: 36m split 10 -> 11 shards; 55m split 11 -> 20 shards; 1h35m split "
        "20 -> 40 shards",
        "sizing: the formula asks for 16 shards at peak (9 on the mean load); with 10 to 40 "
        "shards over the run (on-demand Standard; mean 19.6) the simulation throttled 13.2 % "
        "of writes from 1h20m to 1h37m, while on-demand's admission limit caught up with the "
        "traffic; a fixed provisioned 16 shards was not simulated.",
        "cost per month (us-east-1 prices of 2026-03-31): provisioned $295.18 at the shards "
        "on-demand used (10 to 40, mean 19.6) (cheapest), on-demand Standard $2,005.76, "
        "On-demand Advantage $3,041.67",
        # The one error is printed even though five warnings come before it.
        "[error] 170,525 records (1.1 % of produced) failed after exhausting their attempts",
        "... and 1 more finding (warnings and info) in summary.json, which lists all 7",
    ],
    "resharding": [
        "scenario resharding-mid-run: 1h simulated, seed 11; stream telemetry (provisioned, "
        "2 -> 4 shards by the timeline, mean 3.1)",
        "timeline: 25m update_shard_count 2 -> 4 shards",
        "sizing: the formula asks for 4 shards at peak (3 on the mean load); with 2 to 4 shards "
        "over the run (timeline; mean 3.1, 3.1 shard-hours) the simulation throttled 22.6 % of "
        "writes, all of it in the minutes when the stream had fewer than the formula's 4 "
        "shards; a fixed 4 shards (4 shard-hours) was not simulated.",
    ],
    "kpl-vs-sdk": [
        "throttling: 0 of 2,770,102 entries (Kinesis records) (0 %); user records: 0 of "
        "5,401,536 attempts (0 %), 1.9 to a Kinesis record; 0 user records retried, 0 internal "
        "failures",
        "sizing: the formula asks for 2 shards at peak (2 on the mean load), counting Kinesis "
        "records (1,552/s at peak for 3,022 user records/s, 1.9 to a Kinesis record); with 2 "
        "shards (as many as the formula asks) the simulation throttled nothing.",
    ],
}


@pytest.mark.parametrize("name", sorted(EXPECTED_LINES))
def test_summary_lines_for_the_shipped_scenario(name: str) -> None:
    lines = str(kinesim.run(ROOT / "scenarios" / f"{name}.json")).splitlines()
    for expected in EXPECTED_LINES[name]:
        assert expected in lines, f"{name}: missing line\n{expected}\nin\n" + "\n".join(lines)


def test_the_cli_prints_the_same_summary(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kinesim", "run", "scenarios/steady.json", "--out", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    for expected in EXPECTED_LINES["steady"]:
        assert expected in lines
    assert str(kinesim.run(ROOT / "scenarios" / "steady.json")) in proc.stdout
