"""The read-path benchmark of the consumers issue: the SDK write path of bench_write_path (100
shards, Zipf keys, 50k records/s offered) with three consumer applications reading every shard
(a KCL 2.x fleet polling, a Lambda event source mapping, a Firehose delivery stream), against the
same run without consumers.

Both runs alternate in the same process tree (without, with, without, with, ...) so the machine's
state weighs on both alike; each figure is a median, and the result is the ratio of the medians
of simulated user records produced per wall-clock second (target >= 0.5).

usage: python bench/read_path.py [--bin build/release/bench/bench_write_path] [--rounds 3]
                                 [--duration 10m]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CONSUMERS = "kcl,lambda,firehose"


def run(binary: str, duration: str, consumers: str) -> dict:
    out = subprocess.run(
        [binary, "--duration", duration, "--repeats", "1", "--consumers", consumers],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    return rows[0]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", default="build/release/bench/bench_write_path")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", default="10m")
    args = ap.parse_args()

    without: list[dict] = []
    with_consumers: list[dict] = []
    for i in range(args.rounds):
        without.append(run(args.bin, args.duration, "none"))
        with_consumers.append(run(args.bin, args.duration, CONSUMERS))
        print(
            f"round {i + 1}: without {without[-1]['records_per_sec'] / 1e6:.2f} M records/s "
            f"({without[-1]['wall_s']:.2f} s), with {CONSUMERS} "
            f"{with_consumers[-1]['records_per_sec'] / 1e6:.2f} M records/s "
            f"({with_consumers[-1]['wall_s']:.2f} s, {with_consumers[-1]['events']} events)"
        )
    base = statistics.median(r["records_per_sec"] for r in without)
    read = statistics.median(r["records_per_sec"] for r in with_consumers)
    print(
        f"median: without {base / 1e6:.2f} M, with consumers {read / 1e6:.2f} M simulated user "
        f"records per wall second; ratio {read / base:.2f} (target >= 0.5)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
