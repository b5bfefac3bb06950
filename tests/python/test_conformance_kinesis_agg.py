"""Conformance with aws-kinesis-agg (npm, pinned in tests/conformance/package.json), the AWS
Labs implementation of the KPL aggregated record format: aggregates it builds decode with ours,
aggregates we build decode with it (MD5 checksums verified), and the bytes agree where the two
encoders make the same choices."""

from __future__ import annotations

import base64
import random
from typing import Any

import pytest
from conftest import run_node

import kinesim

pytestmark = pytest.mark.conformance


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def make_cases() -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(1234)
    return {
        "single record": [{"partition_key": "only", "data": b"hello"}],
        "shared keys": [
            {"partition_key": f"k{i % 3}", "data": f"record {i}".encode()} for i in range(30)
        ],
        "many distinct keys": [
            {"partition_key": f"user-{i}", "data": rng.randbytes(rng.randrange(1, 100))}
            for i in range(300)
        ],
        "explicit hash keys": [
            {
                "partition_key": f"k{i % 4}",
                "data": bytes([i]),
                "explicit_hash_key": str(rng.choice([0, 2**128 - 1, rng.randrange(2**128)])),
            }
            for i in range(40)
        ],
        "mixed explicit hash keys": [
            {"partition_key": "p", "data": b"a", "explicit_hash_key": "17"},
            {"partition_key": "q", "data": b"b"},
            {"partition_key": "p", "data": b"c", "explicit_hash_key": "18"},
            {"partition_key": "r", "data": b"d"},
        ],
        "binary data, all byte values": [{"partition_key": "bin", "data": bytes(range(256))}]
        + [{"partition_key": f"b{i % 16}", "data": bytes([i])} for i in range(256)],
        "unicode keys and data": [
            {"partition_key": key, "data": text.encode()}
            for key, text in [
                ("ключ", "данные"),
                ("中文", "数据"),
                ("😀", "🚀 emoji data 🎉"),
                ("é", "café"),
                ("😀" * 128, "𝄞" * 50),
                ("a", ""),
            ]
        ],
        "overflows one aggregate": [
            {"partition_key": f"big-{i % 5}", "data": rng.randbytes(100_000)} for i in range(25)
        ],
    }


CASES = make_cases()


def to_node(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "partitionKey": r["partition_key"],
            "data": b64(r["data"]),
            "explicitHashKey": r.get("explicit_hash_key"),
        }
        for r in records
    ]


def user_fields(records: list[dict[str, Any]]) -> list[tuple]:
    return [(r["partition_key"], r.get("explicit_hash_key"), r["data"]) for r in records]


@pytest.fixture(scope="module")
def encoded_by_them(node: str) -> dict[str, list[dict[str, Any]]]:
    return {
        name: run_node(node, "agg_encode.js", {"records": to_node(records)})["records"]
        for name, records in CASES.items()
    }


@pytest.mark.parametrize("case", CASES)
def test_their_aggregates_decode_with_ours(encoded_by_them: dict, case: str) -> None:
    decoded = []
    for record in encoded_by_them[case]:
        data = base64.b64decode(record["data"])
        assert kinesim.is_aggregated(data)  # it aggregates even a single record
        users = kinesim.deaggregate(data, record["partitionKey"], record["explicitHashKey"])
        assert [u.sub_sequence_number for u in users] == list(range(len(users)))
        decoded += [(u.partition_key, u.explicit_hash_key, u.data) for u in users]
    assert decoded == user_fields(CASES[case])


@pytest.mark.parametrize("case", CASES)
def test_our_aggregates_decode_with_theirs(node: str, case: str) -> None:
    ours = kinesim.aggregate(CASES[case])
    reply = run_node(
        node,
        "agg_decode.js",
        {
            "records": [
                {
                    "data": b64(o.data),
                    "partitionKey": o.partition_key,
                    "explicitHashKey": o.explicit_hash_key,
                }
                for o in ours
            ]
        },
    )
    decoded = []
    for out, result in zip(ours, reply["results"]):
        assert "error" not in result, result  # checksums verified by deaggregateSync
        users = result["records"]
        if out.aggregated:
            assert [u["subSequenceNumber"] for u in users] == list(range(out.user_record_count))
        else:  # not an aggregate: handed back as is, without a sub-sequence number
            assert [u["subSequenceNumber"] for u in users] == [None]
        decoded += [
            (u["partitionKey"], u["explicitHashKey"], base64.b64decode(u["data"])) for u in users
        ]
    expected = user_fields(CASES[case])
    assert [(pk, data) for pk, _, data in decoded] == [(pk, data) for pk, _, data in expected]
    # Explicit hash keys agree wherever a record has one; for records without one,
    # aws-kinesis-agg reports explicit_hash_key_table[0] (pinned in the next test).
    assert [
        theirs for (_, theirs, _), (_, ehk, _) in zip(decoded, expected) if ehk is not None
    ] == [ehk for _, ehk, _ in expected if ehk is not None]


def test_their_decoder_reports_table_entry_zero_for_records_without_explicit_hash_key(
    node: str,
) -> None:
    # Pinned quirk of aws-kinesis-agg 4.2.8 (see above); ours reports None.
    records = CASES["mixed explicit hash keys"]
    (out,) = kinesim.aggregate(records)
    (result,) = run_node(
        node,
        "agg_decode.js",
        {"records": [{"data": b64(out.data), "partitionKey": out.partition_key}]},
    )["results"]
    assert [u["explicitHashKey"] for u in result["records"]] == ["17", "17", "18", "17"]
    assert [u.explicit_hash_key for u in kinesim.deaggregate(out.data)] == ["17", None, "18", None]


@pytest.mark.parametrize("case", [c for c in CASES if c != "single record"])
def test_aggregate_bytes_match_theirs(encoded_by_them: dict, case: str) -> None:
    """Same key tables, same field order, same 1 MiB split: identical aggregate bytes. Only the
    outer keys differ (see test_outer_keys_differ_as_documented)."""
    ours = kinesim.aggregate(CASES[case])
    theirs = encoded_by_them[case]
    assert [o.data for o in ours] == [base64.b64decode(t["data"]) for t in theirs]
    if case == "overflows one aggregate":
        assert len(ours) > 1


def test_outer_keys_differ_as_documented(encoded_by_them: dict) -> None:
    # The KPL (and we) put an aggregate under partition key "a" with the first user record's
    # hash key as its ExplicitHashKey, so it lands on that record's shard; aws-kinesis-agg uses
    # the first record's partition key and, only if records[0] has one, its explicit hash key.
    # Both route the aggregate to the first user record's shard.
    for case in ("shared keys", "explicit hash keys", "mixed explicit hash keys"):
        first = CASES[case][0]
        (ours,) = kinesim.aggregate(CASES[case])
        (theirs,) = encoded_by_them[case]
        assert ours.partition_key == "a"
        first_hash = first.get("explicit_hash_key") or str(kinesim.hash_key(first["partition_key"]))
        assert ours.explicit_hash_key == first_hash
        assert theirs["partitionKey"] == first["partition_key"]
        assert theirs["explicitHashKey"] == first.get("explicit_hash_key")
        stream = kinesim.ShardMap.uniform(16)
        assert stream.route(ours.partition_key, ours.explicit_hash_key) == stream.route(
            theirs["partitionKey"], theirs["explicitHashKey"]
        )


def test_single_record_is_raw_for_us_and_aggregated_for_them(encoded_by_them: dict) -> None:
    (ours,) = kinesim.aggregate(CASES["single record"])
    (theirs,) = encoded_by_them["single record"]
    assert (ours.aggregated, ours.data, ours.partition_key) == (False, b"hello", "only")
    assert kinesim.is_aggregated(base64.b64decode(theirs["data"]))
