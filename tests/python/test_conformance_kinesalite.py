"""Conformance with kinesalite, an independent Kinesis implementation (npm, pinned in
tests/conformance/package.json): CreateStream layouts, routing (PutRecords reports the shard of
every record), SplitShard / MergeShards lineage, UpdateShardCount replayed as its splits and
merges, and the AWS error names of invalid requests."""

from __future__ import annotations

import random
from typing import Any

import pytest
from conftest import Kinesalite, KinesaliteError

import kinesim
from kinesim import ShardMap

pytestmark = pytest.mark.conformance

TOP = 2**128 - 1
SHARD_COUNTS = [*range(1, 51), 64, 99, 100, 127, 128, 255, 256, 333, 499, 500]


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def varied_keys() -> list[str]:
    """1,200 partition keys: ASCII, digits, BMP and astral Unicode, 1 and 256 characters."""
    rng = random.Random(1234)
    alphabets = [
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_:/.",
        "0123456789",
        "äöüßéèñçøåЖжЯя中文字符テスト한국어العربيةעברית",
        "😀😎🚀🎉🐍🦀🧪𝄞𐍈🀄",
        "".join(chr(c) for c in range(0x20, 0x7F)),
    ]
    keys: list[str] = [f"user-{i}" for i in range(1, 101)] + [str(i) for i in range(100)]
    keys += [chr(c) for c in range(0x21, 0x7F)]  # every printable 1-character ASCII key
    keys += ["é", "中", "😀", "𝄞"]
    while len(keys) < 1200:
        alphabet = rng.choice(alphabets)
        length = rng.choice([1, 2, 8, 32, 100, 255, 256, rng.randrange(1, 257)])
        key = "".join(rng.choice(alphabet) for _ in range(length))
        while utf16_len(key) > 256:  # Kinesis counts UTF-16 code units
            key = key[:-1]
        keys.append(key)
    keys += ["x" * 256, "😀" * 128, "9" * 256]
    return keys


def kinesalite_layout(shards: list[dict[str, Any]]) -> list[tuple]:
    return [
        (
            s["ShardId"],
            int(s["HashKeyRange"]["StartingHashKey"]),
            int(s["HashKeyRange"]["EndingHashKey"]),
            s.get("ParentShardId"),
            s.get("AdjacentParentShardId"),
            "EndingSequenceNumber" not in s["SequenceNumberRange"],
        )
        for s in shards
    ]


def our_layout(stream: ShardMap) -> list[tuple]:
    return [
        (s.shard_id, s.start, s.end, s.parent, s.adjacent_parent, s.open) for s in stream.shards
    ]


def error_of(call, *args) -> str:
    try:
        call(*args)
    except (kinesim.KinesisError, KinesaliteError) as error:
        return error.name
    return "no error"


@pytest.mark.parametrize("n", SHARD_COUNTS)
def test_uniform_layout_matches_create_stream(kinesalite: Kinesalite, n: int) -> None:
    stream = kinesalite.create_stream(n)
    try:
        assert kinesalite_layout(kinesalite.list_shards(stream)) == our_layout(ShardMap.uniform(n))
    finally:
        kinesalite.delete_stream(stream)


@pytest.mark.parametrize("n", [1, 2, 3, 7, 16, 100])
def test_partition_keys_route_to_the_same_shard(kinesalite: Kinesalite, n: int) -> None:
    keys = varied_keys()
    stream = kinesalite.create_stream(n)
    theirs = kinesalite.put_records(stream, [{"PartitionKey": k} for k in keys])
    ours = ShardMap.uniform(n)
    mismatches = [(k, t, ours.route(k)) for k, t in zip(keys, theirs) if t != ours.route(k)]
    assert mismatches == []
    if n > 1:
        assert len(set(theirs)) == n  # the keys really spread over every shard


@pytest.mark.parametrize("n", [2, 5, 33])
def test_explicit_hash_keys_at_range_boundaries(kinesalite: Kinesalite, n: int) -> None:
    ours = ShardMap.uniform(n)
    hash_keys = {0, 1, TOP, TOP - 1}
    for shard in ours.shards[:: max(1, n // 4)] + ours.shards[-1:]:
        hash_keys |= {shard.start, shard.end, min(shard.end + 1, TOP)}
    hash_keys_sorted = sorted(hash_keys)
    stream = kinesalite.create_stream(n)
    theirs = kinesalite.put_records(
        stream, [{"PartitionKey": "k", "ExplicitHashKey": str(h)} for h in hash_keys_sorted]
    )
    assert theirs == [ours.route("k", explicit_hash_key=h) for h in hash_keys_sorted]


def reshard_both(
    kinesalite: Kinesalite, stream: str, ours: ShardMap, rng: random.Random, steps: int
) -> None:
    """Random splits (at random and at extreme keys) and merges of adjacent pairs, applied to
    kinesalite and to ours alike. kinesalite requires ShardToMerge to be the lower range."""
    for _ in range(steps):
        opens = ours.open_shards
        if len(opens) > 1 and rng.random() < 0.4:
            i = rng.randrange(len(opens) - 1)
            low, high = opens[i].shard_id, opens[i + 1].shard_id
            kinesalite.merge(stream, low, high)
            ours.merge(low, high)
        else:
            shard = rng.choice([s for s in opens if s.end - s.start >= 3])
            key = rng.choice(
                [shard.start + 2, shard.end - 1, rng.randrange(shard.start + 2, shard.end)]
            )
            kinesalite.split(stream, shard.shard_id, key)
            ours.split(shard.shard_id, key)


@pytest.mark.parametrize(("n", "seed"), [(1, 1234), (4, 1234), (4, 99), (13, 7)])
def test_split_and_merge_lineage_and_routing_match(
    kinesalite: Kinesalite, n: int, seed: int
) -> None:
    rng = random.Random(seed)
    stream = kinesalite.create_stream(n)
    ours = ShardMap.uniform(n)
    reshard_both(kinesalite, stream, ours, rng, steps=25)
    assert kinesalite_layout(kinesalite.list_shards(stream)) == our_layout(ours)

    keys = varied_keys()[:500]
    theirs = kinesalite.put_records(stream, [{"PartitionKey": k} for k in keys])
    assert theirs == [ours.route(k) for k in keys]
    boundaries = sorted({h for s in ours.open_shards for h in (s.start, s.end)})
    theirs = kinesalite.put_records(
        stream, [{"PartitionKey": "k", "ExplicitHashKey": str(h)} for h in boundaries]
    )
    assert theirs == [ours.route("k", explicit_hash_key=h) for h in boundaries]


@pytest.mark.parametrize(
    "targets",
    [[8], [2], [5, 7], [7, 4], [3, 6, 12], [12, 20, 10], [1, 2, 4], [31, 17]],
    ids=lambda t: "->".join(map(str, t)),
)
def test_update_shard_count_replays_on_kinesalite(
    kinesalite: Kinesalite, targets: list[int]
) -> None:
    # kinesalite has no UpdateShardCount: replay the splits and merges ours performed.
    start = {8: 4, 2: 4, 5: 3, 7: 10, 3: 2, 12: 10, 1: 2, 31: 20}[targets[0]]
    stream = kinesalite.create_stream(start)
    ours = ShardMap.uniform(start)
    for target in targets:
        for op in ours.update_shard_count(target):
            if op.kind == "split":
                kinesalite.split(stream, op.shard, op.new_starting_hash_key)
            else:
                kinesalite.merge(stream, op.shard, op.adjacent_shard)
        assert len(ours) == target
    layout = kinesalite_layout(kinesalite.list_shards(stream))
    assert layout == our_layout(ours)
    assert sum(1 for row in layout if row[5]) == targets[-1]


# (description, our call, kinesalite call) -> both must fail with the same AWS error name.
def error_cases(kinesalite: Kinesalite) -> list[tuple[str, Any, Any]]:
    stream = kinesalite.create_stream(4)
    ours = ShardMap.uniform(4)

    def put(pk: str, ehk: str | None = None):
        entry = {"PartitionKey": pk} | ({} if ehk is None else {"ExplicitHashKey": ehk})
        return lambda: kinesalite.put_records(stream, [entry])

    def route(pk: str, ehk: str | None = None):
        return lambda: ours.route(pk, explicit_hash_key=ehk)

    s0 = ours.shards[0]
    return [
        ("empty partition key", route(""), put("")),
        ("257-char partition key", route("x" * 257), put("x" * 257)),
        ("129 emoji = 258 UTF-16 units", route("😀" * 129), put("😀" * 129)),
        ("EHK 2^128", route("k", str(2**128)), put("k", str(2**128))),
        ("EHK 39 nines", route("k", "9" * 39), put("k", "9" * 39)),
        ("EHK 40 digits", route("k", "1" + "0" * 39), put("k", "1" + "0" * 39)),
        ("EHK not decimal", route("k", "abc"), put("k", "abc")),
        ("EHK empty", route("k", ""), put("k", "")),
        (
            "split unknown shard",
            lambda: ours.split("shardId-000000000099", 2**100),
            lambda: kinesalite.split(stream, "shardId-000000000099", 2**100),
        ),
        (
            "split malformed shard id",
            lambda: ours.split("shard-zero", 2**100),
            lambda: kinesalite.split(stream, "shard-zero", 2**100),
        ),
        (
            "split at start+1",
            lambda: ours.split(s0.shard_id, s0.start + 1),
            lambda: kinesalite.split(stream, s0.shard_id, s0.start + 1),
        ),
        (
            "split at end",
            lambda: ours.split(s0.shard_id, s0.end),
            lambda: kinesalite.split(stream, s0.shard_id, s0.end),
        ),
        (
            "split beyond 2^128",
            lambda: ours.split(s0.shard_id, 2**128),
            lambda: kinesalite.split(stream, s0.shard_id, 2**128),
        ),
        (
            "split key not decimal",
            lambda: ours.split(s0.shard_id, "12x"),
            lambda: kinesalite.split(stream, s0.shard_id, "12x"),
        ),
        (
            "merge non-adjacent",
            lambda: ours.merge("shardId-000000000000", "shardId-000000000002"),
            lambda: kinesalite.merge(stream, "shardId-000000000000", "shardId-000000000002"),
        ),
        (
            "merge unknown shard",
            lambda: ours.merge("shardId-000000000000", "shardId-000000000042"),
            lambda: kinesalite.merge(stream, "shardId-000000000000", "shardId-000000000042"),
        ),
    ]


def test_invalid_requests_fail_with_the_same_error_names(kinesalite: Kinesalite) -> None:
    results = [
        (what, error_of(ours), error_of(theirs)) for what, ours, theirs in error_cases(kinesalite)
    ]
    assert [r for r in results if r[1] != r[2] or r[1] == "no error"] == []


def test_known_divergences_from_kinesalite(kinesalite: Kinesalite) -> None:
    """Where kinesalite departs from AWS, we follow AWS; these pin both behaviours."""
    stream = kinesalite.create_stream(4)
    ours = ShardMap.uniform(4)
    # kinesalite tests ExplicitHashKey with RegExp('^0|([1-9]\\d{0,38})$'): the alternation is
    # unanchored, so "01", "-1" and "1.5" pass its pattern check. AWS matches the whole string
    # (ValidationException); "01" and "1.5" are then accepted by kinesalite, "-1" fails its
    # range check (InvalidArgumentException).
    for ehk, kinesalite_says in [("01", None), ("1.5", None), ("-1", "InvalidArgumentException")]:
        entry = {"PartitionKey": "k", "ExplicitHashKey": ehk}
        theirs = error_of(kinesalite.put_records, stream, [entry])
        assert theirs == (kinesalite_says or "no error")
        assert error_of(ours.route, "k", ehk) == "ValidationException"
    # kinesalite merges only when ShardToMerge is the lower range; the core accepts either order
    # (the union of the two ranges is contiguous), keeping ShardToMerge as ParentShardId.
    assert (
        error_of(kinesalite.merge, stream, "shardId-000000000001", "shardId-000000000000")
        == "InvalidArgumentException"
    )
    assert (
        ours.copy().merge("shardId-000000000001", "shardId-000000000000") == "shardId-000000000004"
    )
    # kinesalite lets a closed shard be split or merged again; AWS and the core refuse.
    kinesalite.split(stream, "shardId-000000000000", 2**100)
    ours.split("shardId-000000000000", 2**100)
    assert error_of(kinesalite.split, stream, "shardId-000000000000", 2**90) == "no error"
    assert error_of(ours.split, "shardId-000000000000", 2**90) == "InvalidArgumentException"
