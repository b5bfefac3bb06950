"""The idle-instance benchmark: a fleet of KPL instances sharing 200 records/s, modelled as 100
instances and as 10,000, each a producer's `instances` (2 simulated hours by default). Rounds
alternate (100, 10,000, 100, ...) and each figure is a median; the result is the ratio of the
10,000-instance wall time to the 100-instance one (target: within 3x, so that the cost of an
idle instance does not dominate).

usage: python bench/kpl_fleet.py [--duration 2h] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time

import kinesim


def fleet(instances: int, duration: str) -> dict:
    return {
        "name": f"kpl-fleet-{instances}",
        "duration": duration,
        "seed": 3,
        "stream": {"name": "devices", "shards": 4},
        "producers": [
            {
                "name": "devices",
                "type": "kpl",
                "instances": instances,
                "rate": {"profile": "poisson", "records_per_sec": 200},
                "keys": {"dist": "uniform", "count": 20000, "prefix": "device-"},
                "record_size": {"dist": "lognormal", "mean": "300B", "sigma": 0.3},
            }
        ],
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", default="2h")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    walls: dict[int, list[float]] = {100: [], 10000: []}
    for _ in range(args.rounds):
        for n in walls:
            start = time.perf_counter()
            kinesim.run(fleet(n, args.duration))
            walls[n].append(time.perf_counter() - start)
    few, many = statistics.median(walls[100]), statistics.median(walls[10000])
    print(f"KPL fleet of 200 records/s for {args.duration}, medians of {args.rounds} rounds:")
    print(f"  100 instances {few:.2f} s, 10,000 instances {many:.2f} s")
    print(f"  ratio {many / few:.2f} (target <= 3)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
