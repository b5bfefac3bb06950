"""kinesim: a deterministic discrete-event simulator of Amazon Kinesis Data Streams.

The real Kinesis rules, usable without simulation::

    >>> import kinesim
    >>> stream = kinesim.ShardMap.uniform(4)
    >>> stream.route("user-1")
    'shardId-000000000003'
    >>> stream.split("shardId-000000000000", 2**125)
    ('shardId-000000000004', 'shardId-000000000005')

And the simulator::

    >>> result = kinesim.run("scenarios/hot-key.json")   # or a dict
    >>> print(result)                                    # the human summary
    >>> result.summary["records"]                        # summary.json as a dict
    >>> result.write("out/hot-key")                      # summary.json + metric CSVs

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
from ._errors import CodecError, KinesisError, ScenarioError
from ._keys import MAX_HASH_KEY, hash_key
from ._plan import Plan, PlanError, plan
from ._plot import NoData, RunData
from ._report import report
from ._run import Result, run, validate
from ._shard_map import ReshardOp, Shard, ShardMap
from ._sweep import SweepError, sweep

__version__ = "0.1.0"

__all__ = [
    "AGGREGATION_MAGIC",
    "DEFAULT_AGGREGATE_MAX_SIZE",
    "KPL_AGGREGATION_MAX_SIZE",
    "MAX_HASH_KEY",
    "CodecError",
    "KinesisError",
    "KinesisRecord",
    "NoData",
    "Plan",
    "PlanError",
    "ReshardOp",
    "Result",
    "RunData",
    "ScenarioError",
    "Shard",
    "ShardMap",
    "SweepError",
    "UserRecord",
    "__version__",
    "aggregate",
    "deaggregate",
    "hash_key",
    "is_aggregated",
    "plan",
    "report",
    "run",
    "sweep",
    "validate",
]
