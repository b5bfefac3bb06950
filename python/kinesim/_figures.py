"""Named figures of a run, and objectives over them: the vocabulary of sweeps and plans.

A *figure* is one number taken from a run's summary.json, with one named unit. Sweeps put every
figure in a column; plans state objectives over them (``"throttled<=0.1%"``). Figures that do
not apply to a run (consumer figures in a write-only scenario) are ``None``.

The definitions are the single source of truth; README ("Figures and objectives") lists them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

Summary = dict[str, Any]

#: Units of figures, and the suffixes an objective's value may carry in each.
FRACTION = "fraction"
SECONDS = "seconds"
USER_RECORDS = "user records"
RECORDS = "records (each consumer's unit)"
USD_PER_MONTH = "USD per month"
SHARDS = "shards"


@dataclass(frozen=True)
class Figure:
    name: str
    unit: str
    description: str
    extract: Callable[[Summary], float | None]
    #: Only defined in runs with consumers.
    consumer: bool = False


def _producers(summary: Summary) -> list[dict[str, Any]]:
    return list(summary.get("producers", []))


def _consumers(summary: Summary) -> list[dict[str, Any]]:
    return list(summary.get("consumers", []))


def _worst(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _ms_to_s(value: Any) -> float | None:
    # Rounded to the picosecond: 153.3 ms is 0.1533 s, not 0.15330000000000002, and no digit
    # of summary.json's milliseconds is lost.
    return None if value is None else round(float(value) / 1000.0, 12)


def _put_latency(key: str) -> Callable[[Summary], float | None]:
    def extract(summary: Summary) -> float | None:
        return _worst(
            _ms_to_s(p.get("put_latency_ms", {}).get(key))
            for p in _producers(summary)
            if p.get("put_latency_ms", {}).get("count", 0) > 0
        )

    return extract


def _consumer_ms(section: str, key: str) -> Callable[[Summary], float | None]:
    def extract(summary: Summary) -> float | None:
        return _worst(
            _ms_to_s(c.get(section, {}).get(key))
            for c in _consumers(summary)
            if c.get(section, {}).get("count", 0) > 0
        )

    return extract


def _ratio(part: Any, whole: Any) -> float:
    """A fraction from the exact counts (summary.json rounds fractions to 4 digits)."""
    return float(part) / float(whole) if whole else 0.0


def _iterator_age_max(summary: Summary) -> float | None:
    """MillisBehindLatest comes with served calls; a shard held by a failing batch makes none,
    so its age is at least the time it was held."""
    reported = _consumer_ms("millis_behind_latest_ms", "max")(summary)
    held = _worst(
        float(b["longest_s"]) for c in _consumers(summary) for b in c.get("blocked_shards", [])
    )
    return _worst([reported, held])


def _write_lost(summary: Summary) -> float:
    r = summary["records"]
    return float(
        r.get("failed_attempts_exhausted", 0)
        + r.get("failed_buffer_full", 0)
        + r.get("failed_expired", 0)
        + r.get("rejected_too_large", 0)
        + r.get("lost", 0)
    )


def _read_lost(summary: Summary) -> float | None:
    return _worst(
        float(c["records"].get("lost_to_retention", 0) + c["records"].get("discarded", 0))
        for c in _consumers(summary)
    )


def _mode_cost(mode: str) -> Callable[[Summary], float | None]:
    def extract(summary: Summary) -> float | None:
        for m in summary.get("cost", {}).get("modes", []):
            if m["mode"].lower() == mode:
                return float(m["per_month"])
        return None

    return extract


FIGURES: dict[str, Figure] = {
    f.name: f
    for f in [
        Figure(
            "throttled",
            FRACTION,
            "user-record write attempts the stream throttled, as a fraction of all attempts "
            "(summary stream.user_records.throttled_fraction)",
            lambda s: _ratio(
                s["stream"]["user_records"]["throttled"], s["stream"]["user_records"]["attempts"]
            ),
        ),
        Figure(
            "throttled_entries",
            FRACTION,
            "write entries (Kinesis records) throttled, as a fraction of entries offered "
            "(stream.throttled_fraction)",
            lambda s: _ratio(s["stream"]["throttled_entries"], s["stream"]["offered_entries"]),
        ),
        Figure(
            "lost",
            USER_RECORDS,
            "user records the write side never delivered: given up after retries, dropped from "
            "a full buffer, expired, rejected as too large, or lost by an agent",
            _write_lost,
        ),
        Figure(
            "pending",
            USER_RECORDS,
            "user records still buffered or in flight when the run ended (records.pending)",
            lambda s: float(s["records"].get("pending", 0)),
        ),
        *(
            Figure(
                f"put_latency_{key}",
                SECONDS,
                f"the worst producer's put latency {label} (record creation to acceptance)",
                _put_latency(key),
            )
            for key, label in [
                ("p50", "p50"),
                ("p90", "p90"),
                ("p99", "p99"),
                ("p99_9", "p99.9"),
                ("max", "maximum"),
            ]
        ),
        Figure(
            "utilization_max",
            FRACTION,
            "the busiest shard's utilization against its 1,000 records/s and 1 MiB/s "
            "(the largest shards[].utilization.max)",
            lambda s: _worst(float(h["utilization"]["max"]) for h in s.get("shards", [])),
        ),
        Figure(
            "shards_max",
            SHARDS,
            "the most shards open at once (stream.shards.max_open)",
            lambda s: float(s["stream"]["shards"]["max_open"]),
        ),
        Figure(
            "formula_shards",
            SHARDS,
            "the classic sizing formula's shard count at peak load (sizing.peak.shards)",
            lambda s: float(s["sizing"]["peak"]["shards"]),
        ),
        Figure(
            "cost",
            USD_PER_MONTH,
            "the monthly cost of the run as simulated, in its own capacity mode "
            "(cost.as_simulated.per_month)",
            lambda s: float(s["cost"]["as_simulated"]["per_month"]),
        ),
        Figure(
            "cost_provisioned",
            USD_PER_MONTH,
            "the monthly cost of the same traffic in provisioned mode (cost.modes)",
            _mode_cost("provisioned"),
        ),
        Figure(
            "cost_on_demand",
            USD_PER_MONTH,
            "the monthly cost of the same traffic in on-demand Standard (cost.modes)",
            _mode_cost("on-demand standard"),
        ),
        Figure(
            "cost_advantage",
            USD_PER_MONTH,
            "the monthly cost of the same traffic in On-demand Advantage (cost.modes)",
            _mode_cost("on-demand advantage"),
        ),
        Figure(
            "read_lost",
            RECORDS,
            "the worst consumer's records lost to retention or discarded (Lambda retries or "
            "record age ran out), in that consumer's unit",
            _read_lost,
            consumer=True,
        ),
        Figure(
            "read_throttled",
            FRACTION,
            "the worst consumer's GetRecords calls throttled, as a fraction of its calls",
            lambda s: _worst(float(c["read"]["throttled_fraction"]) for c in _consumers(s)),
            consumer=True,
        ),
        Figure(
            "read_duplicates",
            RECORDS,
            "the worst consumer's records processed more than once, in that consumer's unit",
            lambda s: _worst(float(c["records"].get("duplicates", 0)) for c in _consumers(s)),
            consumer=True,
        ),
        Figure(
            "iterator_age_p99",
            SECONDS,
            "the worst consumer's MillisBehindLatest p99",
            _consumer_ms("millis_behind_latest_ms", "p99"),
            consumer=True,
        ),
        Figure(
            "iterator_age_max",
            SECONDS,
            "the larger of the worst consumer's largest MillisBehindLatest and the longest a "
            "failing batch held one of its shards (Lambda's blocked_shards longest_s: a held "
            "shard is served no call, so none reports its age)",
            _iterator_age_max,
            consumer=True,
        ),
        Figure(
            "end_to_end_p99",
            SECONDS,
            "the worst consumer's end-to-end latency p99 (record creation to processed)",
            _consumer_ms("end_to_end_latency_ms", "p99"),
            consumer=True,
        ),
        Figure(
            "end_to_end_max",
            SECONDS,
            "the worst consumer's largest end-to-end latency",
            _consumer_ms("end_to_end_latency_ms", "max"),
            consumer=True,
        ),
        Figure(
            "propagation_p99",
            SECONDS,
            "the worst consumer's propagation delay p99 (arrival in the stream to the consumer)",
            _consumer_ms("propagation_ms", "p99"),
            consumer=True,
        ),
    ]
}


def figures(summary: Summary) -> dict[str, float | None]:
    """Every figure of a run's summary, by name (None where it does not apply)."""
    return {name: f.extract(summary) for name, f in FIGURES.items()}


# --- objectives --------------------------------------------------------------------------------

_OPS: dict[str, Callable[[float, float], bool]] = {
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
}
_SECONDS_SUFFIX = {"ms": 1e-3, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}
_OBJECTIVE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|<|>)\s*(.+?)\s*$", re.ASCII)
# A decimal number; `,` or `_` may group the integer part's digits in threes (1,000 or 1_000).
_NUMBER = re.compile(
    r"^[+-]?(([1-9]\d{0,2}([,_]\d{3})+|\d+)(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII
)


class ObjectiveError(ValueError):
    """An objective that cannot be understood; the message says what was wrong."""


@dataclass(frozen=True)
class Objective:
    """``figure op value``, the value in the figure's unit (fractions as fractions, times in
    seconds, money in USD per month)."""

    text: str
    figure: str
    op: str
    value: float

    @property
    def unit(self) -> str:
        return FIGURES[self.figure].unit

    def holds(self, value: float | None) -> bool:
        """Whether a run's figure meets the objective (a missing figure never does)."""
        return value is not None and not math.isnan(value) and _OPS[self.op](value, self.value)

    def describe(self, value: float | None) -> str:
        """The figure as the objective states it, e.g. "throttled 2.3 % (needs <= 0.1 %)",
        with as many digits as it takes to tell the two apart."""
        digits = 4
        while (
            digits < 17
            and value is not None
            and value != self.value
            and format_value(self.figure, value, digits)
            == format_value(self.figure, self.value, digits)
        ):
            digits += 1
        return f"{self.figure} {format_value(self.figure, value, digits)} (needs {self.op} " + (
            f"{format_value(self.figure, self.value, digits)})"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "figure": self.figure,
            "op": self.op,
            "value": self.value,
            "unit": self.unit,
        }


def format_value(figure: str, value: float | None, digits: int = 4) -> str:
    """A figure's value in its unit, to ``digits`` significant digits (money to the cent, or
    more decimals past 4 digits; whole counts in full)."""
    if value is None:
        return "n/a"
    unit = FIGURES[figure].unit
    if unit == FRACTION:
        return f"{value * 100:.{digits}g} %"
    if unit == SECONDS:
        return f"{value * 1000:.{digits}g} ms" if abs(value) < 1 else f"{value:.{digits}g} s"
    if unit == USD_PER_MONTH:
        return f"${value:,.{max(2, digits - 2)}f}/month"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.{digits}g}"


def parse_objective(text: str) -> Objective:
    """Parses ``"throttled<=0.1%"``, ``"put_latency_p99<=1s"``, ``"lost==0"``,
    ``"cost<=$500"``; raises ObjectiveError naming what was wrong."""
    match = _OBJECTIVE.match(text)
    if not match:
        raise ObjectiveError(
            f"{text!r}: expected FIGURE OP VALUE, e.g. 'throttled<=0.1%', with OP one of "
            "<=, <, >=, >, =="
        )
    name, op, raw = match.groups()
    if name not in FIGURES:
        raise ObjectiveError(
            f"{text!r}: unknown figure {name!r}; known figures: {', '.join(FIGURES)}"
        )
    unit = FIGURES[name].unit
    value_text = raw
    scale = 1.0
    # "$" is money's unit, written before the number; on another figure it is the wrong unit,
    # not a number that fails to parse.
    dollar = value_text.startswith("$")
    if dollar:
        value_text = value_text[1:]
    number = _NUMBER.match(value_text)
    rest = value_text[number.end() :] if number else ""
    if not number or rest[:1] in (",", "_", ".") or rest[:1].isdigit():
        raise ObjectiveError(
            f"{text!r}: {raw!r} is not a number (the decimal mark is '.'; ',' and '_' may "
            "only group an integer's digits in threes, as in 1,000)"
        )
    suffix = rest.strip()
    if dollar and unit != USD_PER_MONTH:
        suffix = "$"
    value = float(number.group(0).replace(",", "").replace("_", ""))
    if not math.isfinite(value):
        raise ObjectiveError(f"{text!r}: {raw!r} is not a finite number")
    if unit == FRACTION:
        if suffix == "%":
            scale = 0.01
        elif suffix:
            raise ObjectiveError(
                f"{text!r}: {name} is a fraction; give it as a fraction (0.001) or a "
                f"percentage (0.1%), not with {suffix!r}"
            )
    elif unit == SECONDS:
        if suffix not in _SECONDS_SUFFIX and suffix != "":
            raise ObjectiveError(
                f"{text!r}: {name} is a time; give seconds or a duration with ms, s, m or h, "
                f"not {suffix!r}"
            )
        scale = _SECONDS_SUFFIX.get(suffix, 1.0)
    elif suffix:
        raise ObjectiveError(f"{text!r}: {name} is in {unit}; {suffix!r} is not a unit of it")
    value *= scale
    if value < 0:
        raise ObjectiveError(f"{text!r}: {name} is never negative")
    value += 0.0  # -0 is 0
    return Objective(text=text.strip(), figure=name, op=op, value=value)


def parse_objectives(texts: Iterable[str]) -> list[Objective]:
    """Parses every objective; raises one ObjectiveError listing every bad one."""
    objectives: list[Objective] = []
    problems: list[str] = []
    for text in texts:
        try:
            objectives.append(parse_objective(text))
        except ObjectiveError as error:
            problems.append(str(error))
    if problems:
        raise ObjectiveError("\n".join(problems))
    return objectives
