"""Every shipped scenario is a regression test: its summary.json for its seed is checked in
under scenarios/expected/, a rerun gives the same bytes for every output file, and the record
counts are conserved. Broken scenarios under scenarios/broken/ have their expected messages.

Regenerate the golden files after an intended change with

    KINESIM_UPDATE_GOLDEN=1 pytest tests/python/test_scenarios.py

and review the diff like code.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import kinesim

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.json"))
BROKEN = sorted((ROOT / "scenarios" / "broken").glob("*.json"))
EXPECTED = ROOT / "scenarios" / "expected"
UPDATE = os.environ.get("KINESIM_UPDATE_GOLDEN") == "1"

OUTPUT_FILES = [
    "summary.json",
    "metrics_stream.csv",
    "metrics_shards.csv",
    "metrics_producers.csv",
    "timeline.csv",
]


def test_at_least_six_scenarios_are_shipped() -> None:
    names = {p.stem for p in SCENARIOS}
    assert len(names) >= 6
    assert {"steady", "hot-key", "bursty", "diurnal", "resharding", "trace-replay"} <= names
    assert {
        "kpl-vs-sdk",
        "kpl-overload",
        "agent-restart",
        "on-demand-spike",
        "autoscaler-diurnal",
    } <= names
    assert {"polling-fan-in", "firehose-buffering", "fan-out-vs-polling"} <= names
    assert {"kcl-failover", "lambda-poison-pill"} <= names
    assert {"resharding-with-consumers", "flink-legacy-vs-source"} <= names


@pytest.fixture(scope="module", params=SCENARIOS, ids=lambda p: p.stem)
def scenario_run(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    path: Path = request.param
    out = tmp_path_factory.mktemp(path.stem)
    result = kinesim.run(path)
    result.write(out / "first")
    return path, result, out


def test_summary_matches_golden(scenario_run) -> None:
    path, _result, out = scenario_run
    golden = EXPECTED / f"{path.stem}.summary.json"
    text = (out / "first" / "summary.json").read_text()
    if UPDATE:
        golden.write_text(text)
    assert golden.exists(), f"no golden file {golden}; run with KINESIM_UPDATE_GOLDEN=1"
    assert text == golden.read_text(), f"{path.name}: summary.json differs from {golden.name}"


def test_records_are_conserved(scenario_run) -> None:
    _, result, _ = scenario_run
    summary = result.summary
    records = summary["records"]
    total = (
        records["accepted"]
        + records["failed_attempts_exhausted"]
        + records["failed_buffer_full"]
        + records["failed_expired"]
        + records["rejected_too_large"]
        + records["lost"]
        + records["pending"]
    )
    assert records["produced"] == total
    assert records["conserved"] is True
    assert records["produced"] > 0


def test_the_stream_s_writes_add_up_with_its_shards_and_the_csvs(scenario_run) -> None:
    _, result, out = scenario_run
    summary = result.summary
    stream = summary["stream"]
    shards = summary["shards"]
    # The stream's entries are its shards' books, whatever was still in flight at the end.
    assert stream["offered_entries"] == (
        stream["accepted_records"]
        + stream["throttled_entries"]
        + stream["internal_failure_entries"]
    )
    assert stream["accepted_records"] == sum(s["accepted_records"] for s in shards)
    assert stream["throttled_entries"] == sum(s["throttled"] for s in shards)
    assert stream["internal_failure_entries"] == sum(s["internal_failures"] for s in shards)
    with open(out / "first" / "metrics_stream.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    column = "WriteProvisionedThroughputExceeded"
    assert sum(float(r[column]) for r in rows) == stream["throttled_entries"]
    # Every user record produced is in the producers' CSV, in the bucket of its creation.
    with open(out / "first" / "metrics_producers.csv", newline="") as f:
        produced: dict[str, float] = {}
        for r in csv.DictReader(f):
            produced[r["producer"]] = produced.get(r["producer"], 0) + float(
                r["UserRecordsProduced"]
            )
    for name, records in summary["records"]["by_producer"].items():
        assert produced[name] == records["produced"], name


def test_utilization_max_is_the_busiest_shard_s_of_all(scenario_run) -> None:
    from kinesim._figures import figures

    _, result, _ = scenario_run
    shards = result.summary["shards"]
    busiest = max(float(s["utilization"]["max"]) for s in shards)
    assert figures(result.summary)["utilization_max"] == busiest


def test_key_groups_add_up_to_their_producer_in_user_records(scenario_run) -> None:
    _, result, _ = scenario_run
    summary = result.summary
    for producer in summary["producers"]:
        groups = summary["key_groups"][producer["name"]]
        assert groups[-1]["group"] == "other keys"
        counts = producer["counts"]
        assert sum(g["offered"] for g in groups) == counts["produced"], producer["name"]
        assert sum(g["throttled"] for g in groups) == counts["throttled_user_records"], producer[
            "name"
        ]


# Columns of metrics_producers.csv that a KPL's details total under the same name.
KPL_SERIES = (
    "KinesisRecordsPut",
    "ErrorsByCode.ProvisionedThroughputExceededException",
    "ErrorsByCode.RequestTimeout",
    "UserRecordsExpired",
    "WrongShardPuts",
)


def test_a_kpl_s_series_in_the_producer_csv_sum_to_its_details(scenario_run) -> None:
    _, result, out = scenario_run
    with (out / "first" / "metrics_producers.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    producers = {p["name"]: p for p in result.summary["producers"]}
    kpl = [name for name, p in producers.items() if p["type"] == "kpl"]
    header = set(rows[0]) if rows else set()
    assert all(column in header for column in KPL_SERIES) == bool(kpl)
    for name, producer in producers.items():
        mine = [r for r in rows if r["producer"] == name]
        for column in KPL_SERIES:
            if name in kpl:
                total = sum(float(r[column]) for r in mine)
                assert total == producer["details"][column], (name, column)
            elif kpl:
                assert all(r[column] == "" for r in mine), (name, column)


def test_rerun_gives_identical_bytes(scenario_run) -> None:
    path, _, out = scenario_run
    kinesim.run(path).write(out / "second")
    written = OUTPUT_FILES + [
        name for name in ["metrics_consumers.csv"] if (out / "first" / name).exists()
    ]
    for name in written:
        first = (out / "first" / name).read_bytes()
        second = (out / "second" / name).read_bytes()
        assert first == second, f"{path.name}: {name} differs between two runs"


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.stem)
def test_broken_scenario_reports_its_expected_errors(path: Path, tmp_path: Path) -> None:
    expected = path.with_suffix(".expected").read_text()
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-m", "kinesim", "run", str(path.relative_to(ROOT)), "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr == expected
    assert not out.exists(), "no partial output on invalid input"


def test_broken_scenarios_are_shipped() -> None:
    assert len(BROKEN) >= 5
    for path in BROKEN:
        assert path.with_suffix(".expected").exists(), path


def test_hot_key_scenario_names_the_key_and_its_shard_in_the_headline() -> None:
    summary = json.loads((EXPECTED / "hot-key.summary.json").read_text())
    assert "user-17" in summary["headline"]
    assert "shardId-000000000003" in summary["headline"]
    codes = {f["code"] for f in summary["findings"]}
    assert "hot_key" in codes or any("user-17" in f["message"] for f in summary["findings"])


def test_summary_is_valid_json_with_the_documented_sections(scenario_run) -> None:
    _, _, out = scenario_run
    summary = json.loads((out / "first" / "summary.json").read_text())
    for section in (
        "scenario",
        "headline",
        "records",
        "stream",
        "shards",
        "producers",
        "cost",
        "sizing",
        "findings",
        "timeline",
    ):
        assert section in summary


def golden(name: str) -> dict:
    return json.loads((EXPECTED / f"{name}.summary.json").read_text())


def test_kpl_aggregation_lets_kpl_traffic_fit_where_sdk_traffic_would_not() -> None:
    s = golden("kpl-vs-sdk")
    kpl = next(p for p in s["producers"] if p["type"] == "kpl")
    assert kpl["details"]["UserRecordsPerKinesisRecord"] > 20
    assert s["stream"]["throttled_entries"] == 0
    # The formula counts Kinesis records, as a shard's limit does: packed, the traffic fits.
    peak = s["sizing"]["peak"]
    assert peak["records_per_sec"] < 0.6 * peak["user_records_per_sec"]
    assert peak["shards"] <= s["stream"]["shards"]["max_open"]


def test_kpl_overload_ends_in_expiry_without_backoff() -> None:
    s = golden("kpl-overload")
    assert s["records"]["failed_expired"] > 0
    assert s["records"]["conserved"] is True
    assert s["producers"][0]["backoff_ms"]["count"] == 0


def test_agent_restart_loses_nothing_and_counts_duplicates() -> None:
    s = golden("agent-restart")
    assert s["records"]["lost"] == 0
    assert s["records"]["duplicates"] > 0
    assert s["producers"][0]["details"]["restarts"] >= 1


def test_on_demand_throttles_only_after_the_jump() -> None:
    s = golden("on-demand-spike")
    assert s["headline"].startswith("on-demand throttled")
    assert "from 1h20m" in s["headline"]
    assert s["stream"]["shards"]["final_open"] > s["stream"]["shards"]["initial"]


def test_autoscaler_scales_up_and_down_through_the_day() -> None:
    s = golden("autoscaler-diurnal")
    outcomes = [e["outcome"] for e in s["timeline"] if e["action"] == "autoscale"]
    assert "scale_up" in outcomes
    assert "scale_down" in outcomes
    assert s["stream"]["throttled_entries"] == 0


def test_consumers_are_conserved(scenario_run) -> None:
    _, result, out = scenario_run
    consumers = result.summary.get("consumers", [])
    assert (out / "first" / "metrics_consumers.csv").exists() == bool(consumers)
    for c in consumers:
        r = c["records"]
        parts = r["processed"] + r["pending"] + r["lost_to_retention"] + r["discarded"]
        assert r["in_scope"] == parts, c["name"]
        assert r["conserved"] is True


def test_six_polling_apps_throttle_about_one_call_in_six_on_the_shared_limit() -> None:
    s = golden("polling-fan-in")
    calls = sum(c["read"]["get_records_calls"] for c in s["consumers"])
    throttled = sum(c["read"]["throttled_calls"] for c in s["consumers"])
    assert len(s["consumers"]) == 6
    assert 0.12 < throttled / calls < 0.2
    assert "GetRecords calls were throttled" in s["headline"]
    finding = next(f for f in s["findings"] if f["code"] == "read_throttling")
    assert "6 polling consumers made 6 GetRecords calls/s per shard" in finding["message"]
    assert "enhanced fan-out" in finding["message"]
    assert s["sizing"]["polling_consumers"] == 6
    assert all(c["records"]["lost_to_retention"] == 0 for c in s["consumers"])


def test_moving_two_apps_to_fan_out_frees_the_shared_calls_and_bills_consumer_shard_hours() -> None:
    s = golden("fan-out-vs-polling")
    by_name = {c["name"]: c for c in s["consumers"]}
    fan_out = [c for c in s["consumers"] if c["retrieval"] == "fanout"]
    polling = [c for c in s["consumers"] if c["retrieval"] == "polling"]
    assert {c["name"] for c in fan_out} == {"search-index", "alerts"}
    assert len(polling) == 4
    # Four polling at 1 call/s fit the shard's 5; fan-out makes no GetRecords call at all.
    assert sum(c["read"]["throttled_calls"] for c in polling) == 0
    for c in fan_out:
        assert c["polling"] is False
        assert c["read"]["get_records_calls"] == 0
        assert c["calls_per_sec_per_shard"] == 0
        efo = c["enhanced_fan_out"]
        assert efo["registration_refused"] == 0
        assert efo["registered_at_s"] == 0
        # 2 shards x 20 minutes, registered at 0 s: 2/3 of a consumer-shard-hour.
        assert efo["consumer_shard_hours"] == pytest.approx(2 * 20 / 60, rel=1e-3)
        # Subscriptions of 5 minutes from ACTIVE at 5 s, on each of the 2 shards.
        assert efo["subscribe_to_shard_calls"] == 2 * 4
        assert c["propagation_ms"]["p50"] < 130
        assert c["records"]["lost_to_retention"] == 0
    assert by_name["billing"]["propagation_ms"]["p50"] > 300
    assert "read_throttling" not in {f["code"] for f in s["findings"]}
    provisioned = next(m for m in s["cost"]["modes"] if m["mode"] == "provisioned")
    hours = next(
        k for k in provisioned["components"] if k["name"] == "enhanced fan-out consumer-shard hours"
    )
    assert hours["quantity"] == pytest.approx(2 * 2 * 20 / 60, rel=1e-3)
    for m in s["cost"]["modes"]:
        data = next(k for k in m["components"] if k["name"] == "enhanced fan-out data")
        assert data["quantity"] > 0
    assert s["sizing"]["polling_consumers"] == 4


def test_firehose_delivers_by_size_or_by_interval_whichever_comes_first() -> None:
    s = golden("firehose-buffering")
    by_name = {c["name"]: c for c in s["consumers"]}
    archive, small = by_name["archive"]["details"], by_name["small-files"]["details"]
    assert archive["DeliveriesBySize"] == archive["Deliveries"] > 100
    assert archive["DeliveriesByInterval"] == 0
    assert archive["MeanBufferSeconds"] < 300
    assert small["DeliveriesBySize"] == 0
    assert small["MeanBufferSeconds"] == 60
    assert by_name["archive"]["unit"] == "user records"
    # One read a second and the 1 s delivery: the small-files buffer waits its minute.
    assert by_name["small-files"]["end_to_end_latency_ms"]["p50"] > 25_000
    assert by_name["archive"]["end_to_end_latency_ms"]["p99"] < 15_000
    retrieval = [
        k
        for m in s["cost"]["modes"]
        for k in m["components"]
        if k["name"] == "retrieval (shared throughput)"
    ]
    assert all(k["quantity"] > 0 for k in retrieval)


def test_consumers_read_parents_first_through_splits_and_a_merge() -> None:
    s = golden("resharding-with-consumers")
    by_name = {c["name"]: c for c in s["consumers"]}
    assert set(by_name) == {"ledger", "risk"}
    assert by_name["risk"]["type"] == "flink"
    for c in s["consumers"]:
        r = c["records"]
        assert r["conserved"] is True, c["name"]
        assert r["in_scope"] == r["processed"] + r["pending"] + r["lost_to_retention"]
        assert r["lost_to_retention"] == 0, c["name"]
        assert c["lost_by_shard"] == [], c["name"]
        # Both read the children of the splits and of the merge, and never before the parents.
        assert c["details"]["ChildRecordsRead"] > 0.5 * r["processed"], c["name"]
        assert c["details"]["ChildRecordsReadBeforeParentsDone"] == 0, c["name"]
        # 1 + 2 calls/s per shard: nobody is throttled.
        assert c["read"]["throttled_calls"] == 0, c["name"]


def test_flink_legacy_and_source_compared_on_one_stream() -> None:
    s = golden("flink-legacy-vs-source")
    by_name = {c["name"]: c for c in s["consumers"]}
    legacy, source, app = by_name["legacy"], by_name["source"], by_name["dashboard"]
    for c in (legacy, source, app):
        assert c["records"]["conserved"] is True, c["name"]
        assert c["records"]["lost_to_retention"] == 0, c["name"]
    assert legacy["unit"] == source["unit"] == "user records"
    assert legacy["details"]["KinesisStreamsSource"] == 0
    assert source["details"]["KinesisStreamsSource"] == 1
    # The legacy consumer alone wants a shard's 5 calls/s, and its fixed 200 ms grid takes each
    # call token as it accrues: it is never refused, and sees records half its interval plus a
    # call's latency (~20 ms) after they arrive.
    assert legacy["calls_per_sec_per_shard"] == 5
    assert legacy["read"]["throttled_calls"] == 0
    assert 100 < legacy["propagation_ms"]["p50"] < 140
    assert legacy["records"]["pending"] < 0.001 * legacy["records"]["in_scope"]
    # The others find less than a token at almost every call and starve.
    for c in (source, app):
        assert c["read"]["throttled_fraction"] > 0.95, c["name"]
        assert c["records"]["pending"] > 0.99 * c["records"]["in_scope"], c["name"]
    assert "GetRecords calls were throttled" in s["headline"]


def test_kcl_failover_replays_since_the_checkpoints_and_keeps_the_books() -> None:
    s = golden("kcl-failover")
    (c,) = s["consumers"]
    d, r = c["details"], c["records"]
    assert c["type"] == "kcl"
    assert c["unit"] == "user records"
    # The crash at 5m: the dead worker's 2 leases expire and are taken, replaying the records
    # processed since their last checkpoints (every 30 s): duplicates, never in processed.
    assert d["leases_expired"] == 2
    assert r["duplicates"] > 0
    assert d["duplicates"] == r["duplicates"]  # whole numbers are exact in summary.json
    # Leases moved: startup steals, the crash, the return of worker 1 and the deploy.
    assert d["leases_taken"] > 6
    assert d["leases_stolen"] > 0
    assert d["workers_alive"] == 3
    assert sum(d[f"worker_{i}_leases"] for i in range(3)) == 6
    assert r["in_scope"] == r["processed"] + r["pending"] + r["lost_to_retention"]
    assert r["conserved"] is True
    assert r["lost_to_retention"] == 0
    actions = [e["action"] for e in s["timeline"]]
    assert {"kcl_worker_failure", "kcl_worker_restart", "kcl_deploy"} <= set(actions)
    assert not [f for f in s["findings"] if f["code"] == "timeline_action_failed"]


def test_a_poison_record_blocks_its_shard_until_retention_with_the_lambda_defaults() -> None:
    s = golden("lambda-poison-pill")
    by_name = {c["name"]: c for c in s["consumers"]}
    blocked, bisect = by_name["orders-fn"], by_name["orders-fn-bisect"]
    assert blocked["unit"] == "Kinesis records"
    # Defaults: the shard with the poison record is held for the whole 24 h retention.
    assert [b["shard_id"] for b in blocked["blocked_shards"]] == ["shardId-000000000001"]
    hold = blocked["blocked_shards"][0]
    assert hold["until_retention"] is True
    assert abs(hold["longest_s"] - 24 * 3600) < 60
    assert blocked["details"]["BatchesExpired"] == 1
    assert blocked["details"]["IteratorAgeMaxMs"] > 0.99 * 24 * 3_600_000
    assert blocked["records"]["discarded"] == 0
    assert 0 < blocked["records"]["lost_to_retention"] <= 100
    # Every retry failed: about one error per 200 ms invocation for 24 h.
    assert 0.9 * 24 * 3600 / 0.2 < blocked["details"]["Errors"] < 1.1 * 24 * 3600 / 0.2
    finding = next(f for f in s["findings"] if f["code"] == "blocked_shard")
    assert finding["severity"] == "error"
    assert "orders-fn stopped advancing in shardId-000000000001 for 24" in finding["message"]
    # Bisect + 2 retries + OnFailure: only the poison record is discarded, to the queue, after
    # the splits and 3 invocations of the lone record.
    d = bisect["details"]
    assert bisect["records"]["discarded"] == 1
    assert d["RecordsSentToOnFailure"] == 1
    assert d["RecordsDropped"] == 0
    assert d["Errors"] == d["BatchesBisected"] + 3
    assert bisect["records"]["lost_to_retention"] == 0
    assert d["IteratorAgeMaxMs"] < 60_000
    for c in (blocked, bisect):
        r = c["records"]
        assert r["conserved"] is True


def test_the_blocked_shards_iterator_age_grows_a_second_per_second() -> None:
    result = kinesim.run(ROOT / "scenarios" / "lambda-poison-pill.json")
    # ms, the last invocation's of each minute, on the shard with the poison record.
    age = result.metrics()["orders-fn/shardId-000000000001/IteratorAge"]
    # From 2 h to 20 h into the run (the poison record came at 1 h): 18 h of growth.
    slope = (age[20 * 60] - age[2 * 60]) / (18 * 3_600_000)
    assert abs(slope - 1.0) < 0.01
    # After retention took the batch at 25 h the mapping moved on and caught up.
    assert age[-1] < 60_000
