"""Rates the summary prints, against hand computations: one unit each, over the time they cover.

Each case is a scenario whose figures have a closed form (evenly spaced arrivals, one key).
"""

from __future__ import annotations

from typing import Any

import kinesim


def constant(rate: float, *, duration: str, start: str | None = None, keys: int = 1000) -> dict:
    producer: dict[str, Any] = {
        "name": "p",
        "rate": {"profile": "constant", "records_per_sec": rate},
        "keys": {"dist": "uniform", "count": keys, "prefix": "k"},
        "record_size": "100B",
    }
    if start is not None:
        producer["start"] = start
    return {
        "name": "rates",
        "duration": duration,
        "stream": {"shards": 2},
        "producers": [producer],
    }


def test_a_record_at_the_run_s_last_instant_counts_but_raises_no_peak() -> None:
    # 1,000 records/s evenly for 10 s: the 10,000th record is at exactly 10 s, in the last
    # bucket's totals (1,001 records there) but in no rate: the peak is 1,000/s and the formula
    # asks for ceil(1,000 / 1,000) = 1 shard, not 2.
    result = kinesim.run(constant(1000, duration="10s"), resolution="1s")
    s = result.summary
    assert s["records"]["produced"] == 10_000
    p = s["producers"][0]
    assert p["offered_peak_records_per_sec"] == 1000
    assert p["offered_mean_records_per_sec"] == 1000
    assert s["sizing"]["peak"]["records_per_sec"] == 1000
    assert s["sizing"]["peak"]["shards"] == 1
    produced = result.metrics()["p/UserRecordsProduced"]
    assert produced[-1] == 1001, "the last bucket keeps the record at the end"


def test_evenly_spaced_records_do_not_drift_over_an_hour() -> None:
    # 100/s for 1 h is 360,000 records, the last at exactly 1 h; each minute after the first
    # holds 6,000 (the first 5,999: the first record is 10 ms after the start).
    result = kinesim.run(constant(100, duration="1h", keys=10))
    assert result.summary["records"]["produced"] == 360_000
    produced = [int(x) for x in result.metrics()["p/UserRecordsProduced"]]
    assert produced[0] == 5_999
    assert produced[1:-1] == [6_000] * 58
    assert produced[-1] == 6_001


def test_a_key_s_rate_counts_from_its_producer_s_start() -> None:
    # One key at 1,500 records/s from 40 min of a 1 h run: 1,500/s, a shard's limit exceeded
    # whatever the shard count, not 500/s averaged over the whole hour.
    result = kinesim.run(constant(1500, duration="1h", start="40m", keys=1))
    s = result.summary
    p = s["producers"][0]
    assert p["offered_mean_records_per_sec"] == 1500
    assert p["hottest_keys"][0]["offered_records_per_sec"] == 1500
    assert [f["code"] for f in s["findings"]].count("hot_key") == 1
    assert "key k0 alone exceeds one shard (1,500 records/s" in s["sizing"]["comparison"]


def test_a_tail_shorter_than_half_a_bucket_sets_no_peak() -> None:
    # 60.003 s at 1 m: the 3 ms tail holds whatever one request brought (60 records read as
    # 20,000/s); the peak is the full minute's rate, about the offered 500/s.
    doc = constant(500, duration="60.003s", keys=100)
    doc["producers"][0]["rate"]["profile"] = "poisson"
    doc["stream"]["shards"] = 1
    for seed in (2, 4):
        s = kinesim.run(doc, seed=seed).summary
        assert s["shards"][0]["peak_records_per_sec"] < 600
        assert s["shards"][0]["utilization"]["max"] < 0.6
        assert s["producers"][0]["offered_peak_records_per_sec"] < 600


def test_a_tail_of_half_a_bucket_or_more_still_counts() -> None:
    # 100/s for a minute, then 800/s for 30 s of a 90 s run at 1 m: the tail's 800/s is the peak.
    doc = constant(100, duration="90s", keys=1)
    doc["producers"][0]["rate"] = {
        "profile": "schedule",
        "process": "constant",
        "steps": [{"at": "0s", "records_per_sec": 100}, {"at": "60s", "records_per_sec": 800}],
    }
    s = kinesim.run(doc).summary
    assert s["producers"][0]["offered_peak_records_per_sec"] == 800


def test_resolution_seconds_is_the_exact_width() -> None:
    doc = constant(10, duration="1m")
    assert kinesim.run(doc).resolution_seconds == 60.0
    assert kinesim.run(doc, resolution="15s").resolution_seconds == 15.0
    assert kinesim.run(doc, resolution="30s").resolution_seconds == 30.0
