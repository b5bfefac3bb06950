"""The shards of one stream: CreateStream layout, routing, SplitShard, MergeShards and
UpdateShardCount, as Kinesis performs them (kinesim._core.ShardMap underneath)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from . import _core
from ._keys import HashKeyLike, PartitionKey, hash_key_text, key_bytes, parse_hash_key

_UINT32_MAX = 2**32 - 1


def _shard_id(index: int | None) -> str | None:
    return None if index is None else _core.ShardMap.shard_id(index)


def _shard_index(shard_id: str) -> int:
    if not isinstance(shard_id, str):
        raise TypeError(f"shard id must be str, not {type(shard_id).__name__}")
    return _core.ShardMap.parse_shard_id(shard_id)


def _count(n: int, what: str) -> int:
    """A shard count for the core; out-of-range ints are clamped so the core reports them."""
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{what} must be int, not {type(n).__name__}")
    return min(max(n, 0), _UINT32_MAX)


@dataclass(frozen=True)
class Shard:
    """One shard, open or closed. ``start`` and ``end`` are inclusive hash keys."""

    shard_id: str
    start: int
    end: int
    parent: str | None = None
    adjacent_parent: str | None = None
    open: bool = True
    index: int = 0

    @classmethod
    def _from_core(cls, row: tuple[int, int, int, int | None, int | None, bool]) -> Shard:
        index, start, end, parent, adjacent_parent, is_open = row
        return cls(
            _core.ShardMap.shard_id(index),
            start,
            end,
            _shard_id(parent),
            _shard_id(adjacent_parent),
            is_open,
            index,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ReshardOp:
    """One SplitShard or MergeShards call, as UpdateShardCount carries them out."""

    kind: str  # "split" or "merge"
    shard: str  # split: ShardToSplit; merge: ShardToMerge
    adjacent_shard: str | None  # merge only: AdjacentShardToMerge
    new_starting_hash_key: int | None  # split only
    children: tuple[str, ...]  # the shards it created, lower range first

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class ShardMap:
    """Shards of one stream and their lineage. Build with :meth:`uniform`."""

    __slots__ = ("_map",)

    #: Hard limit of shards per stream.
    MAX_SHARDS: int = _core.ShardMap.MAX_SHARDS

    def __init__(self, _map: _core.ShardMap) -> None:
        if not isinstance(_map, _core.ShardMap):
            raise TypeError("use ShardMap.uniform(n) to create a shard map")
        self._map = _map

    @classmethod
    def uniform(cls, n: int) -> ShardMap:
        """CreateStream with ``n`` shards: equal ranges, the last shard takes the remainder."""
        return cls(_core.ShardMap.uniform(_count(n, "n")))

    @property
    def shards(self) -> list[Shard]:
        """Every shard ever created, by index (closed ones included)."""
        return [Shard._from_core(row) for row in self._map.shards()]

    @property
    def open_shards(self) -> list[Shard]:
        """Open shards ordered by starting hash key; they cover 0 ... 2**128-1 exactly."""
        return [Shard._from_core(self._map.shard(i)) for i in self._map.open_shards()]

    def shard(self, shard_id: str) -> Shard:
        return Shard._from_core(self._map.shard(_shard_index(shard_id)))

    def route(
        self,
        partition_key: PartitionKey | None = None,
        explicit_hash_key: HashKeyLike | None = None,
    ) -> str:
        """The open shard PutRecord would write to.

        The explicit hash key (int or decimal str) wins when given; a partition key given with
        it is still validated, as Kinesis does.
        """
        ehk = hash_key_text(explicit_hash_key)
        if partition_key is None:
            if ehk is None:
                raise TypeError("route() needs a partition_key or an explicit_hash_key")
            return self._id(self._map.route(_core.parse_explicit_hash_key(ehk)))
        return self._id(self._map.route_key(key_bytes(partition_key), ehk))

    def route_hash_key(self, hash_key: int) -> str:
        """The open shard owning ``hash_key`` (an int in 0 ... 2**128-1)."""
        return self._id(self._map.route(hash_key))

    def split(self, shard_id: str, new_starting_hash_key: HashKeyLike) -> tuple[str, str]:
        """SplitShard: children ``[start, key-1]`` and ``[key, end]``; returns their ids."""
        key = parse_hash_key(new_starting_hash_key, "newStartingHashKey")
        low, high = self._map.split(_shard_index(shard_id), key)
        return (self._id(low), self._id(high))

    def merge(self, shard_id: str, adjacent_shard_id: str) -> str:
        """MergeShards of two open shards with adjacent ranges; returns the child's id."""
        return self._id(self._map.merge(_shard_index(shard_id), _shard_index(adjacent_shard_id)))

    def update_shard_count(self, n: int) -> list[ReshardOp]:
        """UpdateShardCount (UNIFORM_SCALING) to ``n`` open shards; returns the splits and merges
        it performed, in order."""
        return [
            ReshardOp(
                kind,
                self._id(shard),
                _shard_id(adjacent),
                new_key,
                tuple(self._id(child) for child in children),
            )
            for kind, shard, adjacent, new_key, children in self._map.update_shard_count(
                _count(n, "n")
            )
        ]

    def children(self, shard_id: str) -> list[str]:
        return [self._id(i) for i in self._map.children(_shard_index(shard_id))]

    def parents_first(self) -> list[str]:
        """Every shard id, each after its parents: the order a KCL reader must follow."""
        return [self._id(i) for i in self._map.parents_first_order()]

    def copy(self) -> ShardMap:
        return ShardMap(self._map.__copy__())

    def __copy__(self) -> ShardMap:
        return self.copy()

    def __deepcopy__(self, memo: dict[int, Any]) -> ShardMap:
        return self.copy()

    def __len__(self) -> int:
        """Number of open shards (the stream's shard count)."""
        return self._map.open_count()

    def __repr__(self) -> str:
        total = len(self._map.shards())
        return f"<ShardMap open={len(self)} total={total}>"

    @staticmethod
    def _id(index: int) -> str:
        return _core.ShardMap.shard_id(index)
