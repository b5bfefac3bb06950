"""kinesim: a deterministic discrete-event simulator of Amazon Kinesis Data Streams.

The real Kinesis rules, usable without simulation::

    >>> import kinesim
    >>> stream = kinesim.ShardMap.uniform(4)
    >>> stream.route("user-1")
    'shardId-000000000003'
    >>> stream.split("shardId-000000000000", 2**125)
    ('shardId-000000000004', 'shardId-000000000005')

Everything here is a thin, typed facade over the private C++ module ``kinesim._core``.
"""

from __future__ import annotations

from ._aggregation import (
    AGGREGATION_MAGIC,
    DEFAULT_AGGREGATE_MAX_SIZE,
    KPL_AGGREGATION_MAX_SIZE,
    KinesisRecord,
    UserRecord,
    aggregate,
    deaggregate,
    is_aggregated,
)
from ._errors import CodecError, KinesisError
from ._keys import MAX_HASH_KEY, hash_key
from ._shard_map import ReshardOp, Shard, ShardMap

__version__ = "0.1.0"

__all__ = [
    "AGGREGATION_MAGIC",
    "DEFAULT_AGGREGATE_MAX_SIZE",
    "KPL_AGGREGATION_MAX_SIZE",
    "MAX_HASH_KEY",
    "CodecError",
    "KinesisError",
    "KinesisRecord",
    "ReshardOp",
    "Shard",
    "ShardMap",
    "UserRecord",
    "__version__",
    "aggregate",
    "deaggregate",
    "hash_key",
    "is_aggregated",
]
