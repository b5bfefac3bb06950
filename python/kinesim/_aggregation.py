"""The KPL aggregated record format: many user records in one Kinesis record, byte-compatible
with the KPL, the KCL and kinesis-aggregation (kinesim._core underneath)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from . import _core
from ._keys import hash_key_text, key_bytes

#: The Kinesis record size limit, the default ``max_size`` of :func:`aggregate`.
DEFAULT_AGGREGATE_MAX_SIZE: int = _core.DEFAULT_AGGREGATE_MAX_SIZE
#: The KPL's default AggregationMaxSize.
KPL_AGGREGATION_MAX_SIZE: int = _core.KPL_AGGREGATION_MAX_SIZE
#: The first four bytes of every aggregate.
AGGREGATION_MAGIC: bytes = _core.AGGREGATION_MAGIC

_UINT32_MAX = 2**32 - 1
_MODES = ("strict", "kcl")


def _text(raw: bytes | None) -> str | None:
    # Keys decoded from arbitrary aggregates need not be UTF-8; keep their bytes recoverable.
    return None if raw is None else raw.decode("utf-8", "surrogateescape")


def _data_bytes(data: Any, where: str) -> bytes:
    if isinstance(data, str):
        return data.encode("utf-8")
    if isinstance(data, (bytes, bytearray, memoryview)):
        return bytes(data)
    raise TypeError(f"{where}: data must be bytes or str, not {type(data).__name__}")


@dataclass(frozen=True)
class KinesisRecord:
    """One record as put to Kinesis: an aggregate, or a single user record sent raw."""

    partition_key: str
    explicit_hash_key: str | None
    data: bytes
    user_record_count: int = 1
    aggregated: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class UserRecord:
    """One user record out of a Kinesis record; aggregated ones share its sequence number and
    are told apart by ``sub_sequence_number``."""

    partition_key: str
    explicit_hash_key: str | None
    data: bytes
    sub_sequence_number: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fields(record: Any, i: int) -> tuple[bytes, bytes | None, bytes]:
    where = f"records[{i}]"
    if isinstance(record, Mapping):
        if "partition_key" not in record or "data" not in record:
            raise TypeError(f"{where}: a record needs 'partition_key' and 'data'")
        pk, ehk, data = record["partition_key"], record.get("explicit_hash_key"), record["data"]
    else:
        try:
            pk, data = record.partition_key, record.data
        except AttributeError:
            raise TypeError(
                f"{where}: a record needs 'partition_key' and 'data' (a dict or an object)"
            ) from None
        ehk = getattr(record, "explicit_hash_key", None)
    ehk_text = hash_key_text(ehk)
    return (
        key_bytes(pk, f"{where}.partition_key"),
        None if ehk_text is None else ehk_text.encode("utf-8"),
        _data_bytes(data, where),
    )


def aggregate(
    records: Iterable[Any],
    max_size: int = DEFAULT_AGGREGATE_MAX_SIZE,
    max_count: int = _UINT32_MAX,
) -> list[KinesisRecord]:
    """Packs user records into as few Kinesis records as ``max_size`` bytes (encoded size,
    magic and checksum included) and ``max_count`` records allow, in order.

    ``records`` are dicts or objects with ``partition_key`` (str or bytes), optional
    ``explicit_hash_key`` (decimal str or int) and ``data`` (bytes, or str sent as UTF-8).
    A batch of one, or a record too large to share, is sent raw (``aggregated`` False).
    """
    for name, value in (("max_size", max_size), ("max_count", max_count)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be int, not {type(value).__name__}")
        if not 1 <= value <= (2**64 - 1):
            raise ValueError(f"{name} must be positive, got {value}")
    rows = [_fields(record, i) for i, record in enumerate(records)]
    return [
        KinesisRecord(_text(pk) or "", _text(ehk), data, count, aggregated)
        for pk, ehk, data, count, aggregated in _core.aggregate(rows, max_size, max_count)
    ]


def deaggregate(
    data: bytes,
    partition_key: str | bytes = "",
    explicit_hash_key: str | int | None = None,
    *,
    mode: str = "strict",
) -> list[UserRecord]:
    """The user records inside one Kinesis record.

    Data that is not an aggregate comes back as one record carrying ``partition_key`` and
    ``explicit_hash_key``. In ``"strict"`` mode a bad checksum or malformed protobuf raises
    CodecError; ``"kcl"`` treats a bad checksum as the KCL does (one plain record).
    """
    if mode not in _MODES:
        raise ValueError(f"mode must be 'strict' or 'kcl', got {mode!r}")
    ehk = hash_key_text(explicit_hash_key)
    return [
        UserRecord(_text(pk) or "", _text(sub_ehk), sub_data, sub_sequence_number)
        for pk, sub_ehk, sub_data, sub_sequence_number in _core.deaggregate(
            _data_bytes(data, "deaggregate"),
            key_bytes(partition_key),
            None if ehk is None else ehk.encode("utf-8"),
            mode,
        )
    ]


def is_aggregated(data: bytes) -> bool:
    """True when ``data`` is a KPL aggregate: magic, payload and a matching MD5."""
    return _core.is_aggregated(_data_bytes(data, "is_aggregated"))
