"""Exceptions raised by the kinesim core, named as AWS names them.

The C++ bindings raise these classes (see python/src/register_core_hash.cpp), and so may the
facade; they live in Python so they pickle across sweep workers and read well in tracebacks.
"""

from __future__ import annotations


class KinesisError(ValueError):
    """A request Kinesis itself would reject.

    ``name`` is the AWS error type (``"ValidationException"``, ``"InvalidArgumentException"``,
    ``"ResourceNotFoundException"``, ``"ResourceInUseException"``, ``"LimitExceededException"``)
    and ``message`` the explanation without that prefix.
    """

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message

    def __reduce__(self) -> tuple[type[KinesisError], tuple[str, str]]:
        return (type(self), (self.name, self.message))


class CodecError(ValueError):
    """Malformed aggregated-record bytes; the message says what is wrong and where."""


class ScenarioError(ValueError):
    """An invalid scenario. ``issues`` lists every problem found as ``(json_path, message)``,
    e.g. ``("$.stream.shards", 'got 0, expected an integer 1..10000')``."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        self.issues = [(str(p), str(m)) for p, m in issues]
        super().__init__("\n".join(f"{p}: {m}" for p, m in self.issues))

    def __reduce__(self) -> tuple[type[ScenarioError], tuple[list[tuple[str, str]]]]:
        return (type(self), (self.issues,))


# Shown and pickled under their public names.
KinesisError.__module__ = "kinesim"
CodecError.__module__ = "kinesim"
ScenarioError.__module__ = "kinesim"
