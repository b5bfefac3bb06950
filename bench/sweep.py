"""The sweep benchmark: a 12-run sweep (scenarios/steady.json lengthened so that a run takes a
few seconds, stream.shards=4..6 x 4 seeds) on a local Dask cluster of 1 worker and of 2 workers.

The two alternate (1, 2, 1, 2, ...) so the machine's state weighs on both alike. Each
measurement reports the whole sweep (starting the cluster, the runs, closing it) and the runs
alone; the result is the ratio of the medians (target >= 1.8 on 2 cores). It also checks that
both give the same table, bit for bit.

usage: python bench/sweep.py [--rounds 3] [--duration 2h]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import pandas as pd

from kinesim import _runner, _sweep

ROOT = Path(__file__).resolve().parents[1]
KNOBS = {"stream.shards": "4..6"}
SEEDS = 4


def measure(plan: _sweep.SweepPlan, workers: int) -> tuple[float, float, pd.DataFrame]:
    """(whole sweep s, runs alone s, table) on a fresh local cluster of ``workers``."""
    start = time.perf_counter()
    with _runner.Session(workers=workers) as session:
        ready = time.perf_counter()
        rows = session.execute(plan.tasks)
        done = time.perf_counter()
    frame = _sweep.to_frame(rows, [k.path for k in plan.knobs])
    return time.perf_counter() - start, done - ready, frame


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--duration", default="2h", help="simulated duration of each run")
    args = ap.parse_args()

    doc = json.loads((ROOT / "scenarios" / "steady.json").read_text(encoding="utf-8"))
    doc["duration"] = args.duration
    plan = _sweep.prepare(doc, KNOBS, SEEDS)
    print(f"{len(plan.tasks)} runs of {doc['name']} ({args.duration} simulated each)")

    whole: dict[int, list[float]] = {1: [], 2: []}
    runs: dict[int, list[float]] = {1: [], 2: []}
    reference = None
    for i in range(args.rounds):
        for workers in (1, 2):
            total, alone, frame = measure(plan, workers)
            whole[workers].append(total)
            runs[workers].append(alone)
            if reference is None:
                reference = frame
            pd.testing.assert_frame_equal(frame, reference, check_exact=True)
            print(
                f"round {i + 1}: {workers} worker(s): sweep {total:.2f} s "
                f"(runs {alone:.2f} s, cluster start and close {total - alone:.2f} s)"
            )
    one, two = statistics.median(whole[1]), statistics.median(whole[2])
    one_runs, two_runs = statistics.median(runs[1]), statistics.median(runs[2])
    print(
        f"median sweep: 1 worker {one:.2f} s, 2 workers {two:.2f} s, speed-up {one / two:.2f}x "
        f"(runs alone: {one_runs:.2f} s vs {two_runs:.2f} s, {one_runs / two_runs:.2f}x; "
        "target >= 1.8x); tables identical"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
