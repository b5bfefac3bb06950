"""kinesim.ShardMap: CreateStream layout, routing, SplitShard, MergeShards, UpdateShardCount."""

from __future__ import annotations

import copy

import pytest

import kinesim
from kinesim import ShardMap

TOP = 2**128 - 1


def sid(i: int) -> str:
    return f"shardId-{i:012d}"


def error_name(call, *args, **kwargs) -> str:
    with pytest.raises(kinesim.KinesisError) as caught:
        call(*args, **kwargs)
    return caught.value.name


@pytest.mark.parametrize("n", [1, 2, 3, 7, 10, 1000, 10000])
def test_uniform_layout_follows_create_stream(n: int) -> None:
    stream = ShardMap.uniform(n)
    step = 2**128 // n
    shards = stream.shards
    assert len(shards) == len(stream) == n
    for i, shard in enumerate(shards):
        assert shard.shard_id == sid(i)
        assert shard.start == i * step
        assert shard.end == (TOP if i == n - 1 else (i + 1) * step - 1)
        assert (shard.parent, shard.adjacent_parent, shard.open, shard.index) == (
            None,
            None,
            True,
            i,
        )


@pytest.mark.parametrize("n", [0, -1, 10001, 2**40])
def test_uniform_rejects_shard_counts_out_of_range(n: int) -> None:
    with pytest.raises(kinesim.KinesisError):
        ShardMap.uniform(n)


def test_uniform_rejects_non_int_counts() -> None:
    for n in (2.0, "2", True):
        with pytest.raises(TypeError):
            ShardMap.uniform(n)  # type: ignore[arg-type]


def test_route_by_partition_key_uses_md5() -> None:
    stream = ShardMap.uniform(4)
    for key in ["user-1", "a", "ключ", "😀"]:
        h = kinesim.hash_key(key)
        assert stream.route(key) == sid(h // (2**128 // 4))
        assert stream.route(key.encode()) == stream.route(key)
        assert stream.route_hash_key(h) == stream.route(key)


def test_route_by_explicit_hash_key_at_range_boundaries() -> None:
    stream = ShardMap.uniform(3)
    for shard in stream.shards:
        for key in (shard.start, shard.end):
            assert stream.route(explicit_hash_key=key) == shard.shard_id
            assert stream.route("ignored", explicit_hash_key=str(key)) == shard.shard_id
    assert stream.route(explicit_hash_key=0) == sid(0)
    assert stream.route(explicit_hash_key=TOP) == sid(2)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"partition_key": ""}, "ValidationException"),
        ({"partition_key": "x" * 257}, "ValidationException"),
        ({"partition_key": "😀" * 129}, "ValidationException"),
        ({"partition_key": b"\xff\xfe"}, "ValidationException"),
        ({"partition_key": "k", "explicit_hash_key": 2**128}, "InvalidArgumentException"),
        ({"partition_key": "k", "explicit_hash_key": str(2**128)}, "InvalidArgumentException"),
        ({"partition_key": "k", "explicit_hash_key": -1}, "ValidationException"),
        ({"partition_key": "k", "explicit_hash_key": "abc"}, "ValidationException"),
        ({"partition_key": "k", "explicit_hash_key": "1e5"}, "ValidationException"),
        ({"partition_key": "k", "explicit_hash_key": ""}, "ValidationException"),
        ({"explicit_hash_key": "12a"}, "ValidationException"),
        ({"explicit_hash_key": 2**129}, "InvalidArgumentException"),
        # A valid explicit hash key does not excuse an invalid partition key.
        ({"partition_key": "", "explicit_hash_key": "5"}, "ValidationException"),
    ],
)
def test_route_rejects_invalid_keys_with_aws_error_names(kwargs: dict, name: str) -> None:
    assert error_name(ShardMap.uniform(2).route, **kwargs) == name


def test_route_needs_a_key() -> None:
    with pytest.raises(TypeError):
        ShardMap.uniform(2).route()
    with pytest.raises(TypeError):
        ShardMap.uniform(2).route("k", explicit_hash_key=1.5)  # type: ignore[arg-type]


def test_split_creates_two_children_and_closes_the_parent() -> None:
    stream = ShardMap.uniform(2)
    parent = stream.shards[0]
    key = parent.start + 2
    assert stream.split(sid(0), key) == (sid(2), sid(3))
    low, high = stream.shard(sid(2)), stream.shard(sid(3))
    assert (low.start, low.end, low.parent, low.open) == (parent.start, key - 1, sid(0), True)
    assert (high.start, high.end, high.parent) == (key, parent.end, sid(0))
    assert not stream.shard(sid(0)).open
    assert len(stream) == 3
    assert len(stream.shards) == 4
    assert stream.children(sid(0)) == [sid(2), sid(3)]
    assert stream.route(explicit_hash_key=key - 1) == sid(2)
    assert stream.route(explicit_hash_key=key) == sid(3)
    assert [s.shard_id for s in stream.open_shards] == [sid(2), sid(3), sid(1)]


def test_split_accepts_decimal_text() -> None:
    stream = ShardMap.uniform(1)
    assert stream.split(sid(0), str(2**127)) == (sid(1), sid(2))
    assert stream.shard(sid(2)).start == 2**127


@pytest.mark.parametrize(
    ("key", "name"),
    [
        (1, "InvalidArgumentException"),  # start + 1
        (0, "InvalidArgumentException"),
        (2**127 - 1, "InvalidArgumentException"),  # the shard's end
        (2**127, "InvalidArgumentException"),  # beyond the shard
        (2**128, "InvalidArgumentException"),
        (-5, "ValidationException"),
        ("abc", "ValidationException"),
        ("007", "ValidationException"),
    ],
)
def test_split_rejects_keys_outside_the_shard(key: int | str, name: str) -> None:
    stream = ShardMap.uniform(2)
    assert error_name(stream.split, sid(0), key) == name
    assert len(stream.shards) == 2  # nothing changed


def test_split_and_merge_reject_unknown_and_closed_shards() -> None:
    stream = ShardMap.uniform(2)
    assert error_name(stream.split, sid(9), 100) == "ResourceNotFoundException"
    assert error_name(stream.split, "shard-zero", 100) == "ResourceNotFoundException"
    assert error_name(stream.merge, sid(0), sid(9)) == "ResourceNotFoundException"
    stream.split(sid(0), 2**100)
    # A closed shard can no longer be split or merged.
    assert error_name(stream.split, sid(0), 2**90) == "InvalidArgumentException"
    assert error_name(stream.merge, sid(0), sid(1)) == "InvalidArgumentException"


def test_split_rejects_non_string_shard_ids() -> None:
    with pytest.raises(TypeError):
        ShardMap.uniform(2).split(0, 100)  # type: ignore[arg-type]


def test_merge_of_adjacent_shards_records_both_parents() -> None:
    stream = ShardMap.uniform(3)
    assert stream.merge(sid(1), sid(2)) == sid(3)
    child = stream.shard(sid(3))
    assert (child.start, child.end) == (stream.shards[1].start, TOP)
    assert (child.parent, child.adjacent_parent) == (sid(1), sid(2))
    assert [s.open for s in stream.shards] == [True, False, False, True]
    assert stream.children(sid(1)) == stream.children(sid(2)) == [sid(3)]
    assert stream.parents_first().index(sid(3)) > stream.parents_first().index(sid(2))


def test_merge_accepts_either_order() -> None:
    stream = ShardMap.uniform(3)
    child = stream.merge(sid(2), sid(1))
    shard = stream.shard(child)
    assert (shard.parent, shard.adjacent_parent) == (sid(2), sid(1))
    assert (shard.start, shard.end) == (stream.shards[1].start, TOP)


def test_merge_rejects_non_adjacent_shards() -> None:
    stream = ShardMap.uniform(3)
    assert error_name(stream.merge, sid(0), sid(2)) == "InvalidArgumentException"
    assert error_name(stream.merge, sid(0), sid(0)) == "InvalidArgumentException"


@pytest.mark.parametrize(
    ("start", "target"), [(4, 8), (8, 4), (5, 7), (7, 5), (1, 2), (2, 1), (3, 3)]
)
def test_update_shard_count_reaches_an_even_layout(start: int, target: int) -> None:
    stream = ShardMap.uniform(start)
    ops = stream.update_shard_count(target)
    assert len(stream) == target
    opens = stream.open_shards
    assert opens[0].start == 0
    assert opens[-1].end == TOP
    assert all(a.end + 1 == b.start for a, b in zip(opens, opens[1:]))
    width = 2**128 // target
    assert all(abs((s.end - s.start + 1) - width) <= 2**65 for s in opens[:-1])
    for op in ops:
        assert op.kind in ("split", "merge")
        if op.kind == "split":
            assert op.adjacent_shard is None
            assert len(op.children) == 2
            assert op.new_starting_hash_key is not None
        else:
            assert op.new_starting_hash_key is None
            assert len(op.children) == 1
        assert op.to_dict()["kind"] == op.kind
    # Replaying the operations on a fresh map gives the same shards.
    replay = ShardMap.uniform(start)
    for op in ops:
        if op.kind == "split":
            assert replay.split(op.shard, op.new_starting_hash_key) == op.children
        else:
            assert (replay.merge(op.shard, op.adjacent_shard),) == op.children
    assert replay.shards == stream.shards


@pytest.mark.parametrize(
    ("start", "target", "name"),
    [
        (4, 9, "LimitExceededException"),
        (4, 1, "LimitExceededException"),
        (4, 0, "ValidationException"),
        (4, -3, "ValidationException"),
        (6000, 10001, "LimitExceededException"),
    ],
)
def test_update_shard_count_rejects_targets_out_of_range(
    start: int, target: int, name: str
) -> None:
    stream = ShardMap.uniform(start)
    assert error_name(stream.update_shard_count, target) == name
    assert len(stream.shards) == start


def test_copy_is_independent() -> None:
    stream = ShardMap.uniform(2)
    for clone in (stream.copy(), copy.copy(stream), copy.deepcopy(stream)):
        clone.split(sid(0), 2**100)
        assert len(clone) == 3
    assert len(stream) == 2
    assert len(stream.shards) == 2


def test_repr_and_len() -> None:
    stream = ShardMap.uniform(2)
    stream.merge(sid(0), sid(1))
    assert len(stream) == 1
    assert repr(stream) == "<ShardMap open=1 total=3>"


def test_shard_map_cannot_be_built_from_arbitrary_values() -> None:
    with pytest.raises(TypeError):
        ShardMap(4)  # type: ignore[arg-type]


def test_core_binding_rejects_out_of_range_hash_keys() -> None:
    core = kinesim._core.ShardMap.uniform(2)
    with pytest.raises(ValueError, match=r"2\*\*128"):
        core.route(-1)
    with pytest.raises(ValueError, match=r"2\*\*128"):
        core.route(2**128)
    with pytest.raises(ValueError, match="new_starting_hash_key"):
        core.split(0, -1)
