"""Writes clickstream-sample.csv: a deterministic 3-minute clickstream trace in kinesim's trace
format (header `timestamp,partition_key,size`; ISO-8601 UTC timestamps).

Traffic: 30 events/s with a flash sale from 1:00 to 1:30 at 150 events/s; sessions are the
partition keys, and two chatty bots send 8 % of all events; event sizes come from a small
empirical mix. Scenarios replay it faster (`speed`) and in a loop to reach production rates.

    python scenarios/traces/make_clickstream_sample.py > scenarios/traces/clickstream-sample.csv
"""

from __future__ import annotations

import datetime as dt
import random
import sys

START = dt.datetime(2026, 3, 2, 12, 0, 0, tzinfo=dt.timezone.utc)
DURATION_S = 180
SIZES = [(180, 0.45), (420, 0.35), (1200, 0.15), (6000, 0.05)]


def rate_at(t: float) -> float:
    return 150.0 if 60 <= t < 90 else 30.0


def main() -> None:
    rng = random.Random(20260302)
    sessions = [f"session-{i:04d}" for i in range(2000)]
    bots = ["bot-crawler-1", "bot-crawler-2"]
    sizes, weights = zip(*SIZES)
    out = sys.stdout
    out.write("timestamp,partition_key,size\n")
    t = 0.0
    while True:
        t += rng.expovariate(rate_at(t))
        if t >= DURATION_S:
            break
        key = rng.choice(bots) if rng.random() < 0.08 else rng.choice(sessions)
        size = rng.choices(sizes, weights)[0]
        stamp = (START + dt.timedelta(seconds=t)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
        out.write(f"{stamp},{key},{size}\n")


if __name__ == "__main__":
    main()
