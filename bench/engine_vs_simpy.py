"""The hold model on kinesim's engine, a bare std::priority_queue and SimPy 4, in one run.

N events pending; each step takes the earliest and schedules one at now + Exponential(1 ms).
Prints ns per event (median of repeats) and the ratios the foundations issue targets:
engine <= 1.3x the bare heap at every size, and >= 100x faster than SimPy.

usage: python bench/engine_vs_simpy.py [--bin build/release/bench/bench_engine]
                                       [--sizes 16,1000,100000,1000000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import time


def simpy_hold(pending: int, events: int, seed: int = 1) -> float:
    import simpy

    env = simpy.Environment()
    rng = random.Random(seed)
    mean_s = 1e-3
    # Same treatment as the C++ side: delays drawn up front, read cyclically.
    table = [rng.expovariate(1.0 / mean_s) for _ in range(1 << 16)]
    it = [0]

    def proc():
        while True:
            i = it[0] = (it[0] + 1) & 0xFFFF
            yield env.timeout(table[i])

    for _ in range(pending):
        env.process(proc())
    env.run(until=env.now + mean_s)  # start every process: N timeouts pending
    step = env.step  # SimPy's public one-event API
    t0 = time.perf_counter()
    for _ in range(events):
        step()
    t1 = time.perf_counter()
    return (t1 - t0) * 1e9 / events


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", default="build/release/bench/bench_engine")
    ap.add_argument("--sizes", default="16,1000,100000,1000000")
    ap.add_argument("--events", type=int, default=2_000_000, help="C++ events per repeat")
    ap.add_argument("--simpy-events", type=int, default=200_000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()

    out = subprocess.run(
        [
            args.bin,
            "--sizes",
            args.sizes,
            "--events",
            str(args.events),
            "--repeats",
            str(args.repeats),
            "--json",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    cpp = {row["pending"]: row for row in map(json.loads, out.splitlines())}

    print(
        f"{'pending':>10} {'engine ns':>10} {'heap ns':>10} {'eng/heap':>9} "
        f"{'simpy ns':>10} {'simpy/eng':>10}"
    )
    ok = True
    for n in (int(s) for s in args.sizes.split(",")):
        reps = 3 if n >= 100_000 else args.repeats
        simpy_ns = statistics.median(simpy_hold(n, args.simpy_events) for _ in range(reps))
        row = cpp[n]
        speedup = simpy_ns / row["engine_ns"]
        print(
            f"{n:>10} {row['engine_ns']:>10.1f} {row['heap_ns']:>10.1f} {row['ratio']:>9.3f} "
            f"{simpy_ns:>10.1f} {speedup:>10.0f}x",
            flush=True,
        )
        ok &= row["ratio"] <= 1.3 and speedup >= 100
    print("targets (engine <= 1.3x heap, >= 100x SimPy):", "met" if ok else "NOT met")
    return 0


if __name__ == "__main__":
    sys.exit(main())
