"""The planning benchmark of the planning issue: `kinesim plan` on a scenario of 100 shards at
50 % load (50,000 records/s of ~500 B through the AWS SDK, a million uniform keys), 3 seeds,
objectives throttled<=0.1% and lost==0, every capacity mode, on a local Dask cluster.

Beside the plan's wall time it measures, in the same run, one simulation of the same scenario as
it stands (100 shards, one seed, serially): the baseline. The plan's cost is reported as a ratio
to it ("the plan cost as much wall time as N single runs") as well as in seconds against the
issue's target (60 s for a 1 h scenario). Medians over --rounds, rounds alternating.

usage: python bench/plan.py [--duration 1h] [--rounds 1] [--workers 2]
"""

from __future__ import annotations

import argparse
import statistics
import time

import kinesim


def scenario(duration: str) -> dict:
    return {
        "name": "plan-100-shards",
        "duration": duration,
        "seed": 1,
        "stream": {"name": "fleet", "shards": 100},
        "producers": [
            {
                "name": "devices",
                "instances": 20,
                "rate": {"profile": "poisson", "records_per_sec": 50000},
                "keys": {"dist": "uniform", "count": 1000000, "prefix": "device-"},
                "record_size": {"dist": "lognormal", "mean": "500B", "sigma": 0.3},
                "sdk": {
                    "api": "PutRecords",
                    "max_batch_records": 500,
                    "linger": "100ms",
                    "max_in_flight": 4,
                },
            }
        ],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", default="1h")
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seeds", type=int, default=3)
    args = ap.parse_args()
    doc = scenario(args.duration)
    single: list[float] = []
    planned: list[float] = []
    result = None
    for _ in range(args.rounds):
        start = time.perf_counter()
        kinesim.run(doc)
        single.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = kinesim.plan(
            doc,
            ["throttled<=0.1%", "lost==0"],
            seeds=args.seeds,
            workers=args.workers,
            budget="2h",
        )
        planned.append(time.perf_counter() - start)
    assert result is not None
    doc_plan = result.to_dict()
    one, whole = statistics.median(single), statistics.median(planned)
    print(
        f"scenario: 100 shards, 50,000 records/s, {args.duration}; {args.seeds} seeds; "
        f"{args.workers} local Dask workers"
    )
    print(f"plan: {result.headline}")
    print(f"runs: {doc_plan['search']['runs']} over {len(doc_plan['candidates'])} candidates")
    print(f"one run (baseline, serial): {one:.1f} s (median of {len(single)})")
    print(
        f"plan: {whole:.1f} s (median of {len(planned)}); {whole / one:.2f} single runs' "
        "worth of wall time"
    )
    print(f"target for a 1 h scenario: <= 60 s; this run: {whole:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
