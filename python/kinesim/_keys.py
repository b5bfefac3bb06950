"""Partition keys, explicit hash keys and hash keys: what Python accepts and what the core gets."""

from __future__ import annotations

import re
from typing import Union

from . import _core
from ._errors import KinesisError

PartitionKey = Union[str, bytes]
HashKeyLike = Union[int, str]

#: Largest hash key, 2**128 - 1.
MAX_HASH_KEY: int = _core.MAX_HASH_KEY

# The AWS API pattern for ExplicitHashKey and NewStartingHashKey (a whole-string match).
_HASH_KEY_PATTERN = re.compile(r"0|[1-9][0-9]{0,38}")


def key_bytes(partition_key: PartitionKey, what: str = "partition_key") -> bytes:
    """UTF-8 bytes of a str key, or the bytes given (validity is the core's to check)."""
    if isinstance(partition_key, str):
        return partition_key.encode("utf-8")
    if isinstance(partition_key, (bytes, bytearray, memoryview)):
        return bytes(partition_key)
    raise TypeError(f"{what} must be str or bytes, not {type(partition_key).__name__}")


def hash_key_text(explicit_hash_key: HashKeyLike | None) -> str | None:
    """An explicit hash key as the decimal text Kinesis receives (ints are rendered)."""
    if explicit_hash_key is None or isinstance(explicit_hash_key, str):
        return explicit_hash_key
    if isinstance(explicit_hash_key, int) and not isinstance(explicit_hash_key, bool):
        return str(explicit_hash_key)
    raise TypeError(
        f"explicit_hash_key must be int or decimal str, not {type(explicit_hash_key).__name__}"
    )


def parse_hash_key(value: HashKeyLike, what: str) -> int:
    """A hash key given as int or decimal str, checked as AWS checks request fields.

    Text that does not match ``0|([1-9]\\d{0,38})`` (and a negative int, whose text would not)
    is a ValidationException; a well-formed number above 2**128-1 an InvalidArgumentException.
    """
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise TypeError(f"{what} must be int or decimal str, not {type(value).__name__}")
    text = str(value)
    if _HASH_KEY_PATTERN.fullmatch(text) is None:
        raise KinesisError(
            "ValidationException",
            f"Value '{text}' at '{what}' failed to satisfy constraint: Member must satisfy "
            "regular expression pattern: 0|([1-9]\\d{0,38})",
        )
    number = int(text)
    if number > MAX_HASH_KEY:
        raise KinesisError(
            "InvalidArgumentException", f"{what} {text} is outside the hash key range [0, 2^128-1]"
        )
    return number


def hash_key(partition_key: PartitionKey, *, validate: bool = True) -> int:
    """The MD5 of a partition key's UTF-8 bytes read as a big-endian 128-bit unsigned int.

    With ``validate`` (the default) the key must be a valid Kinesis partition key, 1 ... 256
    characters of valid UTF-8, else KinesisError(ValidationException).
    """
    key = key_bytes(partition_key)
    if validate:
        _core.validate_partition_key(key)
    return _core.hash_key(key)
