"""kinesim.aggregate / deaggregate / is_aggregated: the KPL aggregated record format."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass

import pytest

import kinesim
from kinesim import AGGREGATION_MAGIC


@dataclass
class Rec:
    partition_key: str
    data: bytes
    explicit_hash_key: str | None = None


def records(n: int, seed: int = 1234) -> list[dict]:
    rng = random.Random(seed)
    return [
        {"partition_key": f"key-{rng.randrange(10)}", "data": rng.randbytes(rng.randrange(64))}
        for _ in range(n)
    ]


def test_aggregate_packs_records_into_one_aggregate() -> None:
    batch = records(50)
    (out,) = kinesim.aggregate(batch)
    assert out.aggregated
    assert out.user_record_count == 50
    assert out.data[:4] == AGGREGATION_MAGIC
    assert out.data[-16:] == hashlib.md5(out.data[4:-16]).digest()
    assert kinesim.is_aggregated(out.data)
    # As the KPL: partition key "a", explicit hash key = first record's hash key.
    assert out.partition_key == "a"
    assert out.explicit_hash_key == str(kinesim.hash_key(batch[0]["partition_key"]))
    users = kinesim.deaggregate(out.data, out.partition_key, out.explicit_hash_key)
    assert [(u.partition_key, u.data) for u in users] == [
        (r["partition_key"], r["data"]) for r in batch
    ]
    assert [u.sub_sequence_number for u in users] == list(range(50))
    assert all(u.explicit_hash_key is None for u in users)


def test_aggregate_accepts_objects_str_data_and_int_explicit_hash_keys() -> None:
    batch = [Rec("a", b"1"), {"partition_key": b"b", "data": "zwei", "explicit_hash_key": 7}]
    (out,) = kinesim.aggregate(batch)
    assert out.explicit_hash_key == str(kinesim.hash_key("a"))
    users = kinesim.deaggregate(out.data)
    assert [(u.partition_key, u.explicit_hash_key, u.data) for u in users] == [
        ("a", None, b"1"),
        ("b", "7", b"zwei"),
    ]
    # User records go back in unchanged.
    (again,) = kinesim.aggregate(users)
    assert again.data == out.data


def test_first_explicit_hash_key_routes_the_aggregate() -> None:
    (out,) = kinesim.aggregate([Rec("a", b"1", "42"), Rec("b", b"2")])
    assert out.explicit_hash_key == "42"


def test_single_record_travels_raw() -> None:
    (out,) = kinesim.aggregate([Rec("k", b"payload", "9")])
    assert (out.partition_key, out.explicit_hash_key, out.data) == ("k", "9", b"payload")
    assert (out.aggregated, out.user_record_count) == (False, 1)


def test_max_size_splits_batches_and_bounds_every_aggregate() -> None:
    batch = records(400)
    outs = kinesim.aggregate(batch, max_size=2000)
    assert len(outs) > 3
    assert all(len(o.data) <= 2000 for o in outs)
    assert sum(o.user_record_count for o in outs) == 400
    decoded = [u for o in outs for u in kinesim.deaggregate(o.data, o.partition_key)]
    assert [u.data for u in decoded] == [r["data"] for r in batch]


def test_max_count_limits_records_per_aggregate() -> None:
    outs = kinesim.aggregate(records(10), max_count=3)
    assert [o.user_record_count for o in outs] == [3, 3, 3, 1]
    assert [o.aggregated for o in outs] == [True, True, True, False]


def test_empty_input_gives_no_records() -> None:
    assert kinesim.aggregate([]) == []


@pytest.mark.parametrize(
    ("bad", "error"),
    [
        ([{"data": b"x"}], TypeError),
        ([{"partition_key": "k"}], TypeError),
        ([object()], TypeError),
        ([{"partition_key": 5, "data": b"x"}], TypeError),
        ([{"partition_key": "k", "data": 5}], TypeError),
    ],
)
def test_aggregate_rejects_malformed_records(bad: list, error: type) -> None:
    with pytest.raises(error, match=r"records\[0\]"):
        kinesim.aggregate(bad)


@pytest.mark.parametrize("kwargs", [{"max_size": 0}, {"max_count": 0}, {"max_size": -1}])
def test_aggregate_rejects_bad_limits(kwargs: dict) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        kinesim.aggregate(records(2), **kwargs)


def test_plain_data_deaggregates_to_itself() -> None:
    (user,) = kinesim.deaggregate(b"plain", "pk", 12)
    assert (user.partition_key, user.explicit_hash_key, user.data) == ("pk", "12", b"plain")
    assert user.sub_sequence_number == 0
    assert not kinesim.is_aggregated(b"plain")
    assert not kinesim.is_aggregated(AGGREGATION_MAGIC + b"\x00" * 16)


def corrupt(data: bytes) -> bytes:
    return data[:-1] + bytes([data[-1] ^ 1])


def test_bad_checksum_is_a_codec_error_in_strict_mode() -> None:
    (out,) = kinesim.aggregate(records(3))
    bad = corrupt(out.data)
    assert not kinesim.is_aggregated(bad)
    with pytest.raises(kinesim.CodecError):
        kinesim.deaggregate(bad)
    # The KCL hands such a record over as one plain record.
    (user,) = kinesim.deaggregate(bad, "pk", mode="kcl")
    assert (user.partition_key, user.data) == ("pk", bad)


@pytest.mark.parametrize("cut", [5, 10, 20])
def test_truncated_protobuf_with_valid_checksum_is_a_codec_error(cut: int) -> None:
    (out,) = kinesim.aggregate(records(3))
    body = out.data[4:-16][:cut]
    forged = AGGREGATION_MAGIC + body + hashlib.md5(body).digest()
    with pytest.raises(kinesim.CodecError):
        kinesim.deaggregate(forged)


def test_key_index_outside_its_table_is_a_codec_error() -> None:
    # AggregatedRecord{partition_key_table: ["a"], records: [{partition_key_index: 3, data: ""}]}
    body = bytes([0x0A, 0x01, ord("a"), 0x1A, 0x04, 0x08, 0x03, 0x1A, 0x00])
    forged = AGGREGATION_MAGIC + body + hashlib.md5(body).digest()
    with pytest.raises(kinesim.CodecError):
        kinesim.deaggregate(forged)


def test_deaggregate_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError, match="mode"):
        kinesim.deaggregate(b"x", mode="lenient")


def test_random_round_trips() -> None:
    rng = random.Random(1234)
    for _ in range(50):
        batch = [
            Rec(
                "".join(rng.choice("abcé😀") for _ in range(rng.randrange(1, 20))),
                rng.randbytes(rng.randrange(200)),
                str(rng.randrange(2**128)) if rng.random() < 0.3 else None,
            )
            for _ in range(rng.randrange(1, 60))
        ]
        outs = kinesim.aggregate(batch, max_size=rng.choice([500, 5000, 1 << 20]))
        decoded = [
            u
            for o in outs
            for u in kinesim.deaggregate(o.data, o.partition_key, o.explicit_hash_key)
        ]
        assert [(u.partition_key, u.explicit_hash_key, u.data) for u in decoded] == [
            (r.partition_key, r.explicit_hash_key, r.data) for r in batch
        ]
