"""The read side against hand computations: cases an outside tester found wrong, each small
enough to check by hand (docs/scenarios.md, "consumers[]")."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

import kinesim


def run(
    name: str,
    duration: str,
    records_per_sec: float,
    consumers: list[dict],
    *,
    shards: int = 1,
    size: str = "100B",
    **more: object,
) -> kinesim.Result:
    """One producer of evenly spaced records over 100 keys into `shards` shards, read by
    `consumers`, seed 5; `more` adds top-level keys (timeline, output)."""
    producer = {
        "name": "p",
        "rate": {"profile": "constant", "records_per_sec": records_per_sec},
        "keys": {"dist": "uniform", "count": 100, "prefix": "k"},
        "record_size": size,
    }
    return kinesim.run(
        {
            "name": name,
            "duration": duration,
            "seed": 5,
            "stream": {"shards": shards},
            "producers": [producer],
            "consumers": consumers,
            **more,
        }
    )


def test_a_fan_out_reader_keeps_up_when_each_batch_takes_time() -> None:
    # 100 records/s pushed to a consumer that spends 60 ms on each batch: it keeps up (a push
    # waits for the processing, then goes). It used to stop for good after its second push.
    result = run(
        "efo-busy",
        "60s",
        100,
        [
            {
                "name": "app",
                "type": "polling",
                "polling": {"retrieval": "fanout", "processing_time_per_batch": "60ms"},
            }
        ],
    )
    records = result.summary["consumers"][0]["records"]
    assert records["in_scope"] == 5_500  # 100/s from the first record to 60 s (55 s read)
    # Only the last half second's records can still be on their way.
    assert records["pending"] <= 50
    assert records["processed"] == records["in_scope"] - records["pending"]


def test_a_crashed_kcl_worker_on_fan_out_processes_nothing_until_its_leases_move() -> None:
    # Two workers, two shards, 100 records/s; worker 1 crashes at 60 s. Its shard is processed by
    # no one until the survivor takes the lease (failoverTimeMillis, then a lease-taker pass), so
    # about 50 records/s are processed meanwhile, and the backlog at once after.
    result = run(
        "kcl-fanout-crash",
        "3m",
        100,
        [
            {
                "name": "app",
                "type": "kcl",
                "read_latency": "20ms",
                "kcl": {"version": "2.x", "workers": 2, "checkpoint": {"everySeconds": 30}},
            }
        ],
        shards=2,
        timeline=[{"at": "60s", "action": "kcl_worker_failure", "consumer": "app", "worker": 1}],
        output={"resolution": "1s"},
    )
    metrics = result.metrics()
    processed = metrics["app/RecordsProcessed"]
    taken = int(np.flatnonzero(metrics["app/LeasesTaken"][61:])[0]) + 61
    assert taken >= 70  # failoverTimeMillis (10 s) at least
    # Between the crash and the lease moving only the survivor's shard is processed.
    during = processed[61:taken]
    assert during.mean() < 70, during
    # The records the crashed worker left waited: the end-to-end maximum is seconds, not ms.
    assert result.summary["consumers"][0]["end_to_end_latency_ms"]["max"] > 9_000


def test_lambda_s_batching_window_restarts_for_the_records_a_full_batch_leaves() -> None:
    # 50 records/s, BatchSize 100, a 5 s window: every batch fills in about 2 s, so 3,000 records
    # make 30 invocations of 100. The records a full batch left behind used to keep the old
    # window and go as a small batch when it ran out.
    result = run(
        "lambda-window",
        "61s",
        50,
        [
            {
                "name": "fn",
                "type": "lambda",
                "read_latency": "20ms",
                "lambda": {"BatchSize": 100, "MaximumBatchingWindowInSeconds": 5},
            }
        ],
    )
    details = result.summary["consumers"][0]["details"]
    assert (details["Invocations"], details["MeanBatchRecords"]) == (30, 100)


def test_read_throttling_names_the_calls_a_consumer_made_not_its_idle_rate() -> None:
    # One KinesisStreamsSource job on one shard at 100 KiB/s (5 % of the read throughput): it
    # fetches again at once after every reply with records, more than 5 calls/s, though it calls
    # an idle shard 3.7 times a second.
    result = run(
        "flink-refetch",
        "3m",
        100,
        [{"name": "new", "type": "flink", "read_latency": "20ms"}],
        size="1022B",
    )
    consumer = result.summary["consumers"][0]
    calls = consumer["read"]["get_records_calls"]
    made = calls / 180  # one shard, open the whole run
    assert made > 5
    (finding,) = [f for f in result.findings if f["code"] == "read_throttling"]
    assert f"1 polling consumer made {made:.2g} GetRecords calls/s per shard" in finding["message"]
    assert "(3.7 on an idle shard), more than the 5 a shard takes" in finding["message"]
    # Its idle rate fits in 5 calls/s, the calls it made do not: it is the one to move.
    assert "enhanced fan-out for 1 of them (new)" in finding["message"]


def test_the_headline_names_a_read_side_error() -> None:
    # A poison record blocks Lambda's shard for 20 minutes (MaximumRecordAgeInSeconds): an error
    # finding, and the run's main problem; the write side is healthy.
    result = run(
        "poison",
        "40m",
        5,
        [
            {
                "name": "fn",
                "type": "lambda",
                "lambda": {"MaximumRecordAgeInSeconds": 1200, "poison_records": [{"at": "5m"}]},
            }
        ],
    )
    errors = [f["message"] for f in result.findings if f["severity"] == "error"]
    assert result.headline == errors[0]
    assert result.headline.startswith("consumer fn stopped advancing in shardId-000000000000")


def test_millis_behind_latest_is_whole_milliseconds_in_the_csv_as_in_the_summary(
    tmp_path,
) -> None:
    # The CSV's MillisBehindLatestMax had fractions (53.380) above the summary's max (53).
    scenario = Path(__file__).resolve().parents[2] / "scenarios" / "polling-fan-in.json"
    doc = json.loads(scenario.read_text())
    out = kinesim.run(doc).write(tmp_path / "out")
    rows = list(csv.DictReader((out / "metrics_consumers.csv").open()))
    summary = json.loads((out / "summary.json").read_text())
    for consumer in summary["consumers"]:
        values = [
            float(r["MillisBehindLatestMax"])
            for r in rows
            if r["consumer"] == consumer["name"] and r["MillisBehindLatestMax"]
        ]
        assert values
        assert all(v.is_integer() for v in values)
        assert max(values) == consumer["millis_behind_latest_ms"]["max"]


def test_a_closed_shard_s_reads_have_rows_in_the_shard_csv(tmp_path) -> None:
    # A consumer that read a parent after it closed: the shard CSV had no row for that bucket,
    # so its OutgoingRecords summed to 11,946 against the stream's 17,941.
    doc = {
        "name": "late-reader",
        "duration": "3m",
        "seed": 1,
        "stream": {"shards": 1},
        "producers": [
            {
                "name": "p",
                "rate": {"profile": "constant", "records_per_sec": 100},
                "record_size": "500B",
            }
        ],
        "consumers": [
            {
                "name": "late",
                "type": "polling",
                "start": "2m",
                "polling": {"initial_position": "TRIM_HORIZON"},
            }
        ],
        "timeline": [{"at": "30s", "action": "split", "shard": "shardId-000000000000"}],
        "output": {"resolution": "10s"},
    }
    result = kinesim.run(doc)
    out = result.write(tmp_path / "out")
    shards = list(csv.DictReader((out / "metrics_shards.csv").open()))
    stream = list(csv.DictReader((out / "metrics_stream.csv").open()))
    outgoing = sum(float(r["OutgoingRecords"] or 0) for r in shards)
    served = sum(float(r["GetRecords.Records"] or 0) for r in stream)
    assert outgoing == served == result.summary["consumers"][0]["read"]["records"]
    parent = [r for r in shards if r["shard_id"] == "shardId-000000000000"]
    assert parent[-1]["time_s"] == "120"
    assert float(parent[-1]["OutgoingRecords"]) > 0


def test_a_trim_horizon_reader_starting_at_a_minute_trim_does_not_count_the_trimmed_run() -> None:
    # Started on the minute the stream trims, it took the run trimmed at that instant into scope
    # and reported 602 records lost to retention (an error finding); 1 ms later, none.
    def reader(name: str, start: str) -> dict:
        return {
            "name": name,
            "type": "polling",
            "start": start,
            "polling": {"initial_position": "TRIM_HORIZON"},
        }

    doc = {
        "name": "trim-tie",
        "duration": "24h32m",
        "seed": 1,
        "stream": {"shards": 1},
        "producers": [
            {
                "name": "p",
                "rate": {"profile": "constant", "records_per_sec": 10},
                "record_size": "200B",
            }
        ],
        "consumers": [reader("at_minute", "24h30m"), reader("later", "88200.001s")],
    }
    consumers = kinesim.run(doc).summary["consumers"]
    at_minute, later = (c["records"] for c in consumers)
    assert at_minute["in_scope"] == later["in_scope"]
    assert at_minute["lost_to_retention"] == later["lost_to_retention"] == 0
