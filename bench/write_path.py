"""The write-path benchmarks of the write-path issue, in one run:

1. throughput: simulated user records per wall-clock second for an SDK PutRecords workload on
   100 shards with Zipf keys (bench_write_path defaults, 10 simulated minutes, median of 3);
2. memory: peak RSS of the same workload at 1 h, 24 h and 48 h simulated (lower rate so the
   long runs stay quick), each in its own process. Beyond the metric series, memory may grow
   only until the retention period (24 h) is full of retention runs, then not at all.

usage: python bench/write_path.py [--bin build/release/bench/bench_write_path]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys


def run(binary: str, *args: str) -> list[dict]:
    out = subprocess.run([binary, *args], check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--bin", default="build/release/bench/bench_write_path")
    ap.add_argument("--memory-rate", default="5000", help="records/s for the memory runs")
    args = ap.parse_args()

    rows = run(args.bin, "--duration", "10m", "--repeats", "3")
    median = rows[-1]["median_records_per_sec"]
    print("throughput, 100 shards, Zipf(1.1) over 100k keys, 50k records/s offered, 10 min:")
    for r in rows[:-1]:
        print(
            f"  run {r['run']}: {r['records']:.0f} records in {r['wall_s']:.2f} s "
            f"= {r['records_per_sec'] / 1e6:.2f} M records/s ({r['events']} events)"
        )
    print(f"  median {median / 1e6:.2f} M simulated records per wall second (target >= 3 M)")

    print(f"memory, same workload at {args.memory_rate} records/s, 1-minute metrics:")
    results = {}
    for duration in ("1h", "24h", "48h"):
        r = run(args.bin, "--duration", duration, "--rate", args.memory_rate, "--repeats", "1")[0]
        results[duration] = r
        print(
            f"  {duration:>3}: {r['records']:.0f} records, peak RSS {r['peak_rss_mib']:.1f} MiB, "
            f"metric series {r['metrics_mib']:.2f} MiB, {r['wall_s']:.1f} s"
        )
    beyond = {d: r["peak_rss_mib"] - r["metrics_mib"] for d, r in results.items()}
    listed = ", ".join(f"{d} {v:.1f} MiB" for d, v in beyond.items())
    print(f"  peak RSS beyond the metric series: {listed}")
    print(
        f"  growth after the 24 h retention filled (24h -> 48h): "
        f"{beyond['48h'] - beyond['24h']:+.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
