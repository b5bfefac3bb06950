"""kinesim.hash_key and the 128-bit conversions of the bindings."""

from __future__ import annotations

import hashlib
import pickle

import pytest

import kinesim
from kinesim import _core


def md5_int(data: bytes) -> int:
    return int.from_bytes(hashlib.md5(data).digest(), "big")


@pytest.mark.parametrize("key", ["a", "user-1", "ключ", "😀", "x" * 256, "😀" * 128])
def test_hash_key_is_big_endian_md5_of_utf8(key: str) -> None:
    assert kinesim.hash_key(key) == md5_int(key.encode())
    assert kinesim.hash_key(key.encode()) == kinesim.hash_key(key)


def test_hash_key_spans_the_full_128_bit_range() -> None:
    # Keys whose MD5 has the top bit set exercise the high 64-bit half of the conversion.
    values = [kinesim.hash_key(f"k{i}") for i in range(200)]
    assert max(values) > 2**127
    assert all(0 <= v <= kinesim.MAX_HASH_KEY for v in values)
    assert kinesim.MAX_HASH_KEY == 2**128 - 1


@pytest.mark.parametrize(
    "key",
    ["", "x" * 257, "😀" * 129, b"\xff", b"\xc3", b"abc\xed\xa0\x80"],
    ids=["empty", "257-chars", "258-utf16-units", "invalid-byte", "truncated", "surrogate"],
)
def test_hash_key_rejects_invalid_partition_keys(key: str | bytes) -> None:
    with pytest.raises(kinesim.KinesisError) as caught:
        kinesim.hash_key(key)
    assert caught.value.name == "ValidationException"
    assert isinstance(caught.value, ValueError)


def test_hash_key_without_validation_hashes_any_bytes() -> None:
    assert kinesim.hash_key(b"", validate=False) == md5_int(b"")
    assert kinesim.hash_key(b"\xff" * 300, validate=False) == md5_int(b"\xff" * 300)


def test_hash_key_rejects_non_string_keys() -> None:
    with pytest.raises(TypeError):
        kinesim.hash_key(42)  # type: ignore[arg-type]


def test_str_with_lone_surrogate_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="surrogate"):
        kinesim.hash_key("\ud800")


@pytest.mark.parametrize("value", [0, 1, 2**64 - 1, 2**64, 2**127, 2**128 - 1])
def test_128_bit_ints_round_trip_through_the_core(value: int) -> None:
    assert _core.to_decimal(value) == str(value)
    assert _core.parse_decimal(str(value)) == value


@pytest.mark.parametrize("value", [-1, 2**128, 2**200])
def test_128_bit_conversion_rejects_out_of_range_ints(value: int) -> None:
    with pytest.raises(ValueError, match=r"2\*\*128"):
        _core.to_decimal(value)


def test_128_bit_conversion_rejects_non_ints() -> None:
    for value in (True, 1.0, "1"):
        with pytest.raises(TypeError):
            _core.to_decimal(value)


@pytest.mark.parametrize("text", ["", "-1", "+1", " 1", "1 ", "1.5", "abc", str(2**128)])
def test_parse_decimal_is_strict(text: str) -> None:
    assert _core.parse_decimal(text) is None


def test_parse_explicit_hash_key_reports_aws_error_names() -> None:
    assert _core.parse_explicit_hash_key("0") == 0
    assert _core.parse_explicit_hash_key(str(2**128 - 1)) == 2**128 - 1
    with pytest.raises(kinesim.KinesisError) as caught:
        _core.parse_explicit_hash_key(str(2**128))
    assert caught.value.name == "InvalidArgumentException"
    with pytest.raises(kinesim.KinesisError) as caught:
        _core.parse_explicit_hash_key("abc")
    assert caught.value.name == "ValidationException"


def test_kinesis_error_has_name_message_and_pickles() -> None:
    error = kinesim.KinesisError("InvalidArgumentException", "bad key")
    assert (error.name, error.message, str(error)) == (
        "InvalidArgumentException",
        "bad key",
        "InvalidArgumentException: bad key",
    )
    again = pickle.loads(pickle.dumps(error))
    assert (type(again), again.name, again.message) == (kinesim.KinesisError, error.name, "bad key")
    assert issubclass(kinesim.CodecError, ValueError)


def test_versions_agree() -> None:
    assert kinesim.__version__ == _core.__version__ == "0.1.0"
