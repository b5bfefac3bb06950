"""The Kinesis Agent producer from Python: trace replay, over-size lines truncated to the record
size limit, several flows, and the loader's errors for its settings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import kinesim

MIB = 1024 * 1024
DETERMINISTIC_KEY_BYTES = 32


def write_trace(path: Path, rows: int) -> list[int]:
    """`rows` rows every 0.1 s over 5 keys; every 100th is 2,000,000 bytes. Returns the sizes."""
    sizes = [2_000_000 if i % 100 == 99 else 200 for i in range(rows)]
    lines = ["timestamp,partition_key,size"]
    lines += [f"{i / 10:.1f},user-{i % 5},{size}" for i, size in enumerate(sizes)]
    path.write_text("\n".join(lines) + "\n")
    return sizes


def agent_scenario(producer: dict) -> dict:
    return {
        "name": "agent",
        "duration": "2m",
        "seed": 4,
        "stream": {"shards": 4},
        "producers": [{"name": "logs", "type": "agent", **producer}],
    }


def test_an_agent_replays_a_trace_and_truncates_over_size_lines(tmp_path: Path) -> None:
    sizes = write_trace(tmp_path / "trace.csv", 600)
    scenario = agent_scenario(
        {
            "rate": {"profile": "trace", "file": "trace.csv"},
            "agent": {"partitionKeyOption": "DETERMINISTIC", "maxBufferAgeMillis": 5000},
        }
    )
    (tmp_path / "agent.json").write_text(json.dumps(scenario))
    producer = kinesim.run(tmp_path / "agent.json").summary["producers"][0]
    counts = producer["counts"]
    assert counts["produced"] == 600
    assert counts["produced_bytes"] == sum(sizes) + 600 * DETERMINISTIC_KEY_BYTES
    assert counts["accepted"] == 600
    assert counts["rejected_too_large"] == 0
    assert counts["conserved"] is True
    # Six lines over 1 MiB went out as records of exactly 1 MiB, key included.
    assert producer["details"]["records_truncated"] == 6
    assert counts["accepted_bytes"] == 594 * (200 + DETERMINISTIC_KEY_BYTES) + 6 * MIB
    # The trace's keys stand for the line contents: five of them.
    assert producer["distinct_keys"] == 5
    assert {k["key"] for k in producer["hottest_keys"]} == {f"user-{i}" for i in range(5)}


def test_an_agent_tails_several_flows(tmp_path: Path) -> None:
    write_trace(tmp_path / "trace.csv", 600)
    scenario = agent_scenario(
        {
            "agent": {
                "flows": [
                    {
                        "filePattern": "/var/log/access.log*",
                        "rate": {"profile": "constant", "records_per_sec": 100},
                        "record_size": "300B",
                    },
                    {
                        "filePattern": "/var/log/app.log*",
                        "rate": {"profile": "trace", "file": "trace.csv"},
                    },
                ]
            }
        }
    )
    (tmp_path / "agent.json").write_text(json.dumps(scenario))
    counts = kinesim.run(tmp_path / "agent.json").summary["producers"][0]["counts"]
    assert counts["produced"] == 12_000 + 600
    assert counts["conserved"] is True


def test_agent_settings_errors_name_the_path_the_value_and_the_expectation() -> None:
    scenario = agent_scenario(
        {
            "rate": {"records_per_sec": 10},
            "agent": {
                "truncatedRecordTerminator": "x" * 2000,
                "flows": [
                    {"filePattern": "a.log", "rate": {"records_per_sec": 5}, "record_size": "1KiB"},
                    {
                        "filePattern": "a.log",
                        "rate": {"records_per_sec": -1},
                        "record_size": "1KiB",
                    },
                ],
            },
        }
    )
    scenario["stream"]["max_record_size"] = "1KiB"
    with pytest.raises(kinesim.ScenarioError) as info:
        kinesim.validate(scenario)
    assert info.value.issues == [
        (
            "$.producers[0].rate",
            'key "rate" does not apply to an agent with agent.flows; each flow has its own rate '
            "and record_size",
        ),
        (
            "$.producers[0].agent.truncatedRecordTerminator",
            'got "' + "x" * 57 + '...", expected a string of fewer UTF-8 bytes than '
            "stream.max_record_size (1KiB)",
        ),
        (
            "$.producers[0].agent.flows[1].filePattern",
            'got "a.log", expected a pattern no other flow of this agent has (patterns name the '
            "flows)",
        ),
        ("$.producers[0].agent.flows[1].rate.records_per_sec", "got -1, expected a number > 0"),
    ]


def test_a_flows_own_settings_are_checked_like_the_agents_and_reported_per_flow() -> None:
    flow = {
        "filePattern": "a.log",
        "rate": {"profile": "constant", "records_per_sec": 5},
        "record_size": "1KiB",
    }
    scenario = agent_scenario(
        {
            "agent": {
                "backoff_max": "2s",
                "flows": [{**flow, "maxBufferAgeMillis": 999, "backoff_min": "3s"}],
            }
        }
    )
    with pytest.raises(kinesim.ScenarioError) as info:
        kinesim.validate(scenario)
    assert info.value.issues == [
        (
            "$.producers[0].agent.flows[0].maxBufferAgeMillis",
            'got 999, expected milliseconds 1000..900000 (an integer) or a duration like "60s"',
        ),
        (
            "$.producers[0].agent.flows[0].backoff_min",
            'got "3s", expected a duration <= backoff_max (2s)',
        ),
    ]
    scenario = agent_scenario({"agent": {"flows": [{**flow, "maxBufferSizeRecords": 50}]}})
    details = kinesim.run(scenario).summary["producers"][0]["details"]
    assert details["flow/a.log/lines_written"] == 600
    assert 550 <= details["flow/a.log/records_accepted"] <= 600
    assert details["flow/a.log/lines_lost"] == 0
