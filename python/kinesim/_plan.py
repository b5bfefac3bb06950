"""Capacity planning: ``kinesim plan`` and ``kinesim.plan(...)``.

The plan answers "which configuration, and what will it cost?": for each capacity mode it finds
the cheapest configuration that meets every objective on every seed, verifying by simulation
every configuration it calls feasible. README ("Planning") documents the search; in short:

* provisioned: the shard count is searched. The first candidates are the scenario's own count
  and the classic formula's answer; from the smallest count that met every objective the search
  bisects down to the largest count that failed (monotonicity: more shards never throttle more
  on smooth load), grows by doubling while nothing passes, then checks the two counts below the
  answer, where hash ranges move keys between shards and monotonicity may not hold (hot keys,
  bursts). A feasible count found there restarts the search below it.
* on-demand Standard / Advantage: the scenario run in that mode (nothing to size).
* other knobs (``vary``): KPL aggregation, enhanced fan-out vs polling, retention; every
  combination is planned and the cheapest feasible one wins.

Runs go through ``_runner`` (Dask distributed, or serially): results do not depend on where a
run ran.
"""

from __future__ import annotations

import collections
import contextlib
import copy
import itertools
import json
import math
import numbers
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import _run
from ._errors import ScenarioError
from ._figures import (
    FIGURES,
    USD_PER_MONTH,
    Objective,
    ObjectiveError,
    format_value,
    parse_objective,
)
from ._runner import Session, Task
from ._sweep import runner_problems

#: Objectives when none are given.
DEFAULT_OBJECTIVES = ("throttled<=0.1%", "lost==0")

#: Capacity modes by their plan name: (stream.mode, cost figure, name in summary cost.modes).
MODES: dict[str, tuple[str, str, str]] = {
    "provisioned": ("PROVISIONED", "cost_provisioned", "provisioned"),
    "on-demand": ("ON_DEMAND", "cost_on_demand", "on-demand Standard"),
    "advantage": ("ON_DEMAND_ADVANTAGE", "cost_advantage", "On-demand Advantage"),
}

#: Knobs a plan may vary besides the shard count, with their default values.
KNOBS: dict[str, tuple[Any, ...]] = {
    "aggregation": (True, False),
    "retrieval": ("polling", "fanout"),
    "retention": (24, 168),
}

#: Counts below the answer the search checks, where monotonicity may not hold.
NEIGHBOURS_CHECKED = 2

#: stream.on_demand settings only On-demand Advantage takes (docs/scenarios.md): dropped for the
#: other modes, with a note.
ADVANTAGE_ONLY = ("warm_throughput_bytes_per_sec",)

#: Largest shard count a stream may have (SPEC §2).
MAX_SHARDS = 10_000

_RESHARD_ACTIONS = {"split", "merge", "update_shard_count", "switch_mode"}


class PlanError(ValueError):
    """A plan request that cannot be run; ``issues`` lists (argument, message) pairs."""

    def __init__(self, issues: list[tuple[str, str]]) -> None:
        self.issues = issues
        super().__init__("\n".join(f"{where}: {message}" for where, message in issues))


# --- request ----------------------------------------------------------------------------------


#: A number as a duration may write it: ASCII digits, a decimal point, an exponent.
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)


def _parse_duration(text: str | float, where: str) -> float:
    """Seconds from 600, "90s", "10m" or "1h"; PlanError unless > 0."""
    units = {"ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
    seconds = math.nan
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    elif isinstance(text, str):
        raw = text.strip()
        scale = 1.0
        for suffix in ("ms", "s", "m", "h"):
            if raw.endswith(suffix):
                raw, scale = raw[: -len(suffix)], units[suffix]
                break
        if _DECIMAL.fullmatch(raw.strip()):
            seconds = float(raw) * scale
    if not math.isfinite(seconds) or seconds <= 0:
        raise PlanError([(where, f"{text!r}: expected a duration > 0 such as 90s, 10m or 1h")])
    return seconds


def _parse_vary(vary: Iterable[str] | Mapping[str, Sequence[Any]]) -> dict[str, tuple[Any, ...]]:
    """{"aggregation": (True, False), ...} from ["aggregation", "retention=24,168"] or a dict."""
    knobs: dict[str, tuple[Any, ...]] = {}
    issues: list[tuple[str, str]] = []
    items: Iterable[tuple[str, Any]]
    if isinstance(vary, Mapping):
        items = vary.items()
    else:
        # "retention" asks for the knob's default values; "retention=" gives none (an error).
        items = [
            (k.strip(), rest if sep else None) for k, sep, rest in (v.partition("=") for v in vary)
        ]
    seen: set[str] = set()
    for name, values in items:
        where = f"vary {name!r}"
        if name in seen:  # as a sweep's knob: one knob, all its values at once
            issues.append((where, "given twice; give each knob once with all its values"))
            continue
        seen.add(name)
        if name == "shards":  # always searched in provisioned mode, up to max_shards
            if values is not None:
                issues.append(
                    (
                        where,
                        "the plan searches the shard count itself; give no values "
                        "(bound it with max_shards)",
                    )
                )
            continue
        if name not in KNOBS:
            issues.append((where, f"unknown knob; knobs: shards (always), {', '.join(KNOBS)}"))
            continue
        if values is None:
            knobs[name] = KNOBS[name]
            continue
        if isinstance(values, str):
            values = [v.strip() for v in values.split(",") if v.strip()]
        parsed: list[Any] = []
        for value in values:
            try:
                parsed.append(_knob_value(name, value))
            except ValueError as error:
                issues.append((where, str(error)))
        if not parsed and not any(w == where for w, _ in issues):
            issues.append((where, "no values given"))
        knobs[name] = tuple(dict.fromkeys(parsed))
    if issues:
        raise PlanError(issues)
    return knobs


def _knob_value(name: str, value: Any) -> Any:
    if name == "aggregation":
        if isinstance(value, bool):
            return value
        if str(value).lower() in ("true", "on", "1"):
            return True
        if str(value).lower() in ("false", "off", "0"):
            return False
        raise ValueError(f"{value!r}: expected true or false")
    if name == "retrieval":
        if value in ("polling", "fanout"):
            return value
        raise ValueError(f"{value!r}: expected polling or fanout")
    try:
        hours = _run.parse_whole(value)
    except ValueError:
        raise ValueError(f"{value!r}: expected whole hours 24..8760") from None
    if not 24 <= hours <= 8760:
        raise ValueError(f"{value!r}: expected whole hours 24..8760")
    return hours


def _apply_knobs(scenario: dict[str, Any], knobs: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of the scenario with the plan's knobs set (shards and mode included; without
    ``"mode"`` the stream's mode and capacity are left as the scenario gives them)."""
    doc = copy.deepcopy(scenario)
    stream = doc.setdefault("stream", {})
    mode = knobs.get("mode")
    if mode == "provisioned":
        stream["mode"] = MODES[mode][0]
        stream.pop("on_demand", None)
        stream["shards"] = int(knobs["shards"])
    elif mode is not None:
        stream["mode"] = MODES[mode][0]
        stream.pop("shards", None)
        stream.pop("autoscaler", None)
        # An established on-demand stream: its previous peak (measured by the plan unless the
        # scenario gives it) sets the capacity it has at once.
        on_demand = stream.setdefault("on_demand", {})
        if mode != "advantage":
            for key in ADVANTAGE_ONLY:
                on_demand.pop(key, None)
        for key in ("previous_peak_bytes_per_sec", "previous_peak_records_per_sec"):
            if key in knobs:
                on_demand.setdefault(key, knobs[key])
        if not on_demand:
            stream.pop("on_demand")
    if "retention" in knobs:
        stream["retention_hours"] = int(knobs["retention"])
    if "aggregation" in knobs:
        for producer in doc.get("producers", []):
            if producer.get("type") == "kpl":
                producer.setdefault("kpl", {})["AggregationEnabled"] = bool(knobs["aggregation"])
    if "retrieval" in knobs:
        fanout = knobs["retrieval"] == "fanout"
        for consumer in doc.get("consumers", []):
            _set_retrieval(consumer, fanout)
    return doc


def _set_retrieval(consumer: dict[str, Any], fanout: bool) -> None:
    """Sets a consumer's retrieval in its own type's settings (consumers[i].<type>)."""
    kind = consumer.get("type")
    settings = consumer.setdefault(kind, {}) if kind != "firehose" else {}
    if kind in ("polling", "kcl"):
        settings["retrieval"] = "fanout" if fanout else "polling"
        if fanout:  # polling-only settings are an error with fan-out
            for key in ("poll_interval", "Limit", "maxRecords", "idleTimeBetweenReadsInMillis"):
                settings.pop(key, None)
    elif kind == "lambda":
        settings["EnhancedFanOut"] = fanout
    elif kind == "flink":
        if settings.get("source") == "FlinkKinesisConsumer":
            settings["flink.stream.recordpublisher"] = "EFO" if fanout else "POLLING"
        else:
            settings["source.reader.type"] = "EFO" if fanout else "POLLING"
    # Firehose reads by polling only.


def _inapplicable(knobs: dict[str, tuple[Any, ...]], scenario: dict[str, Any]) -> dict[str, str]:
    """Knobs that change nothing in this scenario, with why (reported, then dropped)."""
    useless: dict[str, str] = {}
    if "aggregation" in knobs and not any(
        p.get("type") == "kpl" for p in scenario.get("producers", [])
    ):
        useless["aggregation"] = "no KPL producer in the scenario"
    if "retrieval" in knobs and not any(
        c.get("type") in ("polling", "kcl", "lambda", "flink")
        for c in scenario.get("consumers", [])
    ):
        useless["retrieval"] = "no consumer in the scenario can read by enhanced fan-out"
    return useless


# --- results ----------------------------------------------------------------------------------


def _components(summary: Mapping[str, Any], mode: str) -> list[dict[str, Any]]:
    """A summary's monthly cost by component in ``mode``."""
    name = MODES[mode][2]
    for m in summary.get("cost", {}).get("modes", []):
        if m["mode"] == name:
            return [
                {k: c[k] for k in ("name", "quantity", "unit", "per_month") if k in c}
                for c in m["components"]
            ]
    return []


@dataclass
class Candidate:
    """One configuration and its runs so far: the first seed, then (once it met every
    objective there and the search needs it) the others."""

    mode: str
    knobs: dict[str, Any]
    rows: list[dict[str, Any]]
    objectives: list[Objective]
    seeds_total: int
    failed: list[str] = field(default_factory=list)
    figures: dict[str, float | None] = field(default_factory=dict)
    cost_per_month: float | None = None
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._assess()

    def extend(self, rows: list[dict[str, Any]]) -> None:
        """Adds the runs of further seeds."""
        for row in rows:
            # Only the first seed's summary is kept; of the others, their mode's cost
            # components, for the seed whose cost is the candidate's.
            summary = row.pop("summary", None)
            row["components"] = _components(summary or {}, self.mode)
        self.rows += rows
        self._assess()

    def _assess(self) -> None:
        cost_figure = MODES[self.mode][1]
        self.errors = [f"seed {r['seed']}: {r['error']}" for r in self.rows if r.get("error")]
        ok = [r for r in self.rows if not r.get("error")]
        # Each figure at its worst seed for the objectives that bound it (max for <=, <, ==;
        # min for >=, >); every other figure at its largest.
        for name in FIGURES:
            values = [r[name] for r in ok if r.get(name) is not None]
            if not values:
                self.figures[name] = None
                continue
            lower_bounded = any(o.figure == name and o.op in (">=", ">") for o in self.objectives)
            self.figures[name] = min(values) if lower_bounded else max(values)
        costs = [r[cost_figure] for r in ok if r.get(cost_figure) is not None]
        self.cost_per_month = max(costs) if costs else None
        self.failed = list(self.errors)
        for objective in self.objectives:
            bad = [r for r in ok if not objective.holds(r.get(objective.figure))]
            if bad:
                worst = self.figures.get(objective.figure)
                seeds = ", ".join(str(r["seed"]) for r in bad)
                self.failed.append(f"{objective.describe(worst)} on seed {seeds}")
        self._ok = bool(ok)

    @property
    def met(self) -> bool:
        """Every objective held on every seed run so far."""
        return self._ok and not self.failed

    @property
    def complete(self) -> bool:
        return len(self.rows) >= self.seeds_total

    @property
    def feasible(self) -> bool:
        """Verified: every objective held on every seed."""
        return self.met and self.complete

    @property
    def shards(self) -> int | None:
        return self.knobs.get("shards")

    def summary(self) -> dict[str, Any]:
        """The first seed's summary (kept for costs and findings)."""
        for row in self.rows:
            if row.get("summary") is not None:
                return row["summary"]
        return {}

    def components(self) -> list[dict[str, Any]]:
        """The monthly cost by component of the seed whose cost is ``cost_per_month`` (the
        most expensive seed), so that they sum to it."""
        cost_figure = MODES[self.mode][1]
        ok = [r for r in self.rows if not r.get("error") and r.get(cost_figure) is not None]
        if not ok:
            return []
        row = max(ok, key=lambda r: r[cost_figure])  # the first of equals, as max(costs)
        if "components" in row:
            return row["components"]
        return _components(row.get("summary") or {}, self.mode)

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "shards": self.shards,
            "knobs": {k: v for k, v in self.knobs.items() if k != "mode"},
            # null: met every objective on the seeds run, not run on the others (not needed)
            "feasible": True if self.feasible else (None if self.met else False),
            "failed": self.failed,
            "cost_per_month": self.cost_per_month,
            "figures": self.figures,
            "seeds": [r["seed"] for r in self.rows],
            "per_seed": [
                {
                    "seed": r["seed"],
                    "error": r.get("error"),
                    **{o.figure: r.get(o.figure) for o in self.objectives},
                }
                for r in self.rows
            ],
        }


class Plan:
    """The outcome of ``kinesim.plan``: ``best`` per mode, every ``candidate`` tried, the
    formula's answer, and what to do when nothing meets the objectives. ``to_dict()`` is
    plan.json; ``str(plan)`` the human summary; ``table()`` the candidates as a DataFrame."""

    def __init__(
        self,
        doc: dict[str, Any],
        candidates: list[Candidate],
        scenario: dict[str, Any] | None = None,
    ) -> None:
        self._doc = doc
        self._candidates = candidates
        self._scenario = scenario or {}

    def plot(self) -> Any:
        """Cost against shard count with feasibility marked (the report's plan chart), as a
        matplotlib Figure."""
        from . import _plot

        return _plot.plan(self._doc)

    def best_scenario(self, mode: str | None = None) -> dict[str, Any] | None:
        """The scenario document of the cheapest feasible configuration (of ``mode``, or of the
        cheapest mode), ready for ``kinesim.run``; None when nothing was feasible."""
        mode = mode or self._doc.get("cheapest")
        entry = self._doc.get("best", {}).get(mode) if mode else None
        if not entry or not entry.get("feasible"):
            return None
        knobs = {"mode": mode, **entry["knobs"]}
        if entry.get("shards") is not None:
            knobs["shards"] = entry["shards"]
        return _apply_knobs(self._scenario, knobs)

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._doc)

    @property
    def best(self) -> dict[str, Any]:
        return copy.deepcopy(self._doc["best"])

    @property
    def headline(self) -> str:
        return str(self._doc["headline"])

    @property
    def candidates(self) -> list[dict[str, Any]]:
        return copy.deepcopy(self._doc["candidates"])

    def table(self) -> Any:
        """Every candidate as a pandas DataFrame: mode, knobs, shards, feasible, cost per month,
        the objectives' figures (worst seed) and what failed."""
        import pandas as pd

        rows = []
        for c in self._doc["candidates"]:
            row = {"mode": c["mode"], "shards": c["shards"], **c["knobs"]}
            row["feasible"] = c["feasible"]
            row["cost_per_month"] = c["cost_per_month"]
            for o in self._doc["objectives"]:
                row[o["figure"]] = c["figures"].get(o["figure"])
            row["failed"] = "; ".join(c["failed"])
            rows.append(row)
        return pd.DataFrame(rows)

    def write(self, out_dir: str | os.PathLike[str]) -> Path:
        """Writes plan.json into ``out_dir`` (created if missing), through a temporary file."""
        folder = Path(out_dir)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / "plan.json"
        scratch = folder / ".plan.json.tmp"
        scratch.write_text(json.dumps(self._doc, indent=2) + "\n", encoding="utf-8")
        scratch.replace(target)
        return target

    def __str__(self) -> str:
        return render_text(self._doc)

    def __repr__(self) -> str:
        return f"<kinesim.Plan {self._doc['scenario']['name']!r}: {self.headline}>"


# --- search -----------------------------------------------------------------------------------


class _Search:
    def __init__(
        self,
        scenario: dict[str, Any],
        base_dir: str,
        objectives: list[Objective],
        seeds: list[int],
        session: Any,
        deadline: float,
        progress: Callable[[str], None] | None,
    ) -> None:
        self.scenario = scenario
        self.base_dir = base_dir
        self.objectives = objectives
        self.seeds = seeds
        self.session = session
        self.deadline = deadline
        self.progress = progress
        self.tried: dict[tuple[Any, ...], Candidate] = {}
        self.order: list[Candidate] = []
        self.exhausted = False
        #: The configurations (``_key`` of their knobs without the shard count) whose search
        #: failed at the largest count it may try, ``max_shards``, still closing in on it.
        self.capped: dict[tuple[Any, ...], int] = {}
        #: Runs of the scenario as given, with each knob combination, measuring its peak.
        self._measured: dict[tuple[Any, ...], dict[str, Any]] = {}
        #: Configurations probed at once while bisecting (one per worker).
        self.parallel = session.parallelism

    @staticmethod
    def _key(knobs: Mapping[str, Any]) -> tuple[Any, ...]:
        return tuple(sorted(knobs.items()))

    def evaluate(self, configs: list[dict[str, Any]], verify: bool = True) -> list[Candidate]:
        """Runs every configuration not tried yet on the first seed, all in one batch so that
        they share the workers, unless the wall-time budget is spent; with ``verify``, then
        the other seeds of those that met every objective there. An objective must hold on
        every seed, so one failing seed settles a candidate."""
        fresh = [k for k in configs if self._key(k) not in self.tried]
        fresh = list({self._key(k): k for k in fresh}.values())
        if fresh:
            if time.monotonic() >= self.deadline:
                self.exhausted = True
            else:
                if self.progress:
                    self.progress(", ".join(_describe(k) for k in fresh))
                tasks = [
                    Task(_apply_knobs(self.scenario, k), self.base_dir, self.seeds[0], dict(k))
                    for k in fresh
                ]
                rows = self.session.execute(tasks, keep_summary=True)
                for knobs, row in zip(fresh, rows):
                    candidate = Candidate(
                        knobs["mode"], dict(knobs), [row], self.objectives, len(self.seeds)
                    )
                    self.tried[self._key(knobs)] = candidate
                    self.order.append(candidate)
        found = [self.tried[self._key(k)] for k in configs if self._key(k) in self.tried]
        if verify:
            self.verify(found)
        return found

    def measured_peak(self, combo: Mapping[str, Any], shards: int) -> dict[str, int]:
        """The write peak an established on-demand stream would have seen (its "previous
        peak") with the knobs ``combo`` (aggregation, retrieval, retention: aggregation
        changes the Kinesis records/s 50 times over): the formula's peak load
        (``sizing.peak``, Kinesis records and KiB per second) of the provisioned run of that
        combination at ``shards`` (the scenario's own count, the search's first), or, when that
        did not run, of a run of the scenario as given with those knobs (run once per
        combination). The same whatever ran before. Empty when the scenario sets
        stream.on_demand's previous peak itself."""
        given = self.scenario.get("stream", {}).get("on_demand", {})
        if "previous_peak_bytes_per_sec" in given and "previous_peak_records_per_sec" in given:
            return {}
        provisioned = self.tried.get(self._key({"mode": "provisioned", **combo, "shards": shards}))
        summary = provisioned.summary() if provisioned is not None else {}
        if not summary:
            key = self._key(combo)
            if key not in self._measured:
                task = Task(_apply_knobs(self.scenario, combo), self.base_dir, self.seeds[0], {})
                row = self.session.execute([task], keep_summary=True)[0]
                self._measured[key] = row.get("summary") or {}
            summary = self._measured[key]
        peak = summary.get("sizing", {}).get("peak", {})
        if not peak:
            return {}
        return {
            "previous_peak_bytes_per_sec": max(1, math.ceil(peak["write_kib_per_sec"] * 1024)),
            "previous_peak_records_per_sec": max(1, math.ceil(peak["records_per_sec"])),
        }

    def verify(self, candidates: list[Candidate]) -> None:
        """Runs the remaining seeds of every candidate that met every objective so far (in one
        batch), unless the budget is spent."""
        unverified = [c for c in candidates if c.met and not c.complete]
        if not unverified:
            return
        if time.monotonic() >= self.deadline:
            self.exhausted = True
            return
        if self.progress:
            self.progress("verifying " + ", ".join(_describe(c.knobs) for c in unverified))
        tasks = [
            Task(_apply_knobs(self.scenario, c.knobs), self.base_dir, seed, dict(c.knobs))
            for c in unverified
            for seed in self.seeds[len(c.rows) :]
        ]
        rows = iter(self.session.execute(tasks, keep_summary=True))
        for c in unverified:
            c.extend([next(rows) for _ in self.seeds[len(c.rows) :]])

    def shard_search(self, base: dict[str, Any], start: list[int], cap: int) -> Candidate | None:
        """The smallest feasible shard count with the other knobs fixed at ``base``.

        Counts are probed on the first seed only; the answer is then run on the others, and
        if it fails there the search goes on. While nothing has failed below the smallest
        passing count it gallops down from it (1, 2, 4, ... below, as many probes per round as
        workers: the formula's answer is usually right or close); then it bisects between
        the largest failing and the smallest passing count; then it checks the counts just
        below the answer, where monotonicity may not hold."""

        def at(n: int) -> dict[str, Any]:
            return {**base, "shards": n}

        def known(n: int) -> Candidate | None:
            return self.tried.get(self._key(at(n)))

        self.evaluate([at(n) for n in sorted(set(start)) if 1 <= n <= cap], verify=False)
        step = 1
        while not self.exhausted:
            passing = [n for n in range(1, cap + 1) if (c := known(n)) and c.met]
            if not passing:
                tried = [n for n in range(1, cap + 1) if known(n)]
                too_dear = [n for n in tried if _only_cost_failed(known(n), self.objectives)]
                if too_dear:
                    # Only a cost bound failed there: more shards cost more, so the search goes
                    # down, towards the largest count that failed something else (which needs
                    # more shards); with no count between the two, none meets every objective.
                    dear = min(too_dear)
                    short = max((n for n in tried if n < dear), default=0)
                    if dear - short <= 1:
                        return None
                    k = min(self.parallel, dear - short - 1)
                    if short == 0:
                        probes = sorted({max(1, dear - 2**i) for i in range(k)})
                    else:
                        probes = [short + (dear - short) * (i + 1) // (k + 1) for i in range(k)]
                    self.evaluate([at(n) for n in probes], verify=False)
                    continue
                largest = max(tried)
                if self._stalled(base, cap):
                    return None
                if largest >= cap:
                    self.capped[self._key(base)] = cap
                    return None
                self.evaluate([at(min(cap, largest * 2))], verify=False)
                continue
            hi = min(passing)
            lo = max((n for n in range(1, hi) if known(n)), default=0)
            if hi - lo > 1:
                k = min(self.parallel, hi - lo - 1)
                if lo == 0 or not any(known(n) for n in range(lo, hi)):
                    # Nothing known below hi: gallop down.
                    probes = sorted({max(1, hi - step * 2**i) for i in range(k)})
                    step *= 2**k
                else:  # as many probes as workers, evenly spaced: bisection with one
                    probes = [lo + (hi - lo) * (i + 1) // (k + 1) for i in range(k)]
                self.evaluate([at(n) for n in probes], verify=False)
                continue
            # hi met every objective and hi - 1 failed (or hi is 1): check the neighbours
            # below, where hash ranges move keys between shards and monotonicity may not hold.
            below = [n for n in range(hi - 1 - NEIGHBOURS_CHECKED, hi - 1) if n >= 1]
            unknown = [n for n in below if not known(n)]
            if unknown:
                self.evaluate([at(n) for n in unknown], verify=False)
                continue  # a count below that passes becomes the new hi
            answer = known(hi)
            assert answer is not None
            self.verify([answer])
            if answer.feasible:
                return answer
            # It failed on a later seed: the search goes on above it.
        verified = [n for n in range(1, cap + 1) if (c := known(n)) and c.feasible]
        return known(min(verified)) if verified else None

    def _stalled(self, base: dict[str, Any], cap: int) -> bool:
        """True when the last two doublings of the shard count each closed less than a tenth
        of the gap to every failing objective: the limit is not the shard count (a hot key,
        a poison record, too many polling consumers). Two, not one, because a limit that
        the shard count only dilutes (a warm key sharing its shard) can look flat once."""
        counts = sorted(
            n for n in range(1, cap + 1) if self.tried.get(self._key({**base, "shards": n}))
        )
        if len(counts) < 3:
            return False
        steps = list(zip(counts[-3:-1], counts[-2:]))
        return all(b >= 2 * a and not self._progress(base, a, b) for a, b in steps)

    def _progress(self, base: dict[str, Any], small_n: int, large_n: int) -> bool:
        small = self.tried[self._key({**base, "shards": small_n})]
        large = self.tried[self._key({**base, "shards": large_n})]
        for objective in self.objectives:
            if not any(f.startswith(objective.figure + " ") for f in large.failed):
                continue
            before, after = small.figures.get(objective.figure), large.figures.get(objective.figure)
            if before is None or after is None:
                continue
            if abs(after - objective.value) < 0.9 * abs(before - objective.value):
                return True
        return False


def _shards(n: int | None) -> str:
    return f"{n} shard" if n == 1 else f"{n} shards"


def _knob_text(name: str, value: Any) -> str:
    if name == "previous_peak_bytes_per_sec":
        return f"previous peak {value / 1048576:,.2f} MiB/s"
    if name == "previous_peak_records_per_sec":
        return f"{value:,} records/s"
    return f"{name}={value}"


def _describe(knobs: Mapping[str, Any]) -> str:
    parts = [knobs["mode"]]
    if "shards" in knobs:
        parts.append(_shards(knobs["shards"]))
    parts += [_knob_text(k, v) for k, v in knobs.items() if k not in ("mode", "shards")]
    return " ".join(str(p) for p in parts)


# --- diagnosis --------------------------------------------------------------------------------


def _only_cost_failed(candidate: Candidate | None, objectives: Sequence[Objective]) -> bool:
    """Whether every objective the candidate failed is an upper bound on a cost, which more
    shards only raise (a run that errored failed no objective by its figure: False)."""
    if candidate is None or not candidate.failed:
        return False
    failed = [o for o in objectives if any(f.startswith(o.figure + " ") for f in candidate.failed)]
    return len(failed) > 0 and all(o.unit == USD_PER_MONTH and o.op in ("<", "<=") for o in failed)


def _remedies(
    candidate: Candidate, scenario: dict[str, Any], tried: Sequence[Candidate] = ()
) -> list[str]:
    """What would meet the objectives the largest configuration tried still failed."""
    summary = candidate.summary()
    codes = {f["code"]: f for f in summary.get("findings", [])}
    failed_figures = {
        o.figure
        for o in candidate.objectives
        if any(f.startswith(o.figure + " ") for f in candidate.failed)
    }
    remedies: list[str] = []
    if "hot_key" in codes:
        for producer in summary.get("producers", []):
            for key in producer.get("hot_keys", []) or producer.get("hottest_keys", [])[:1]:
                rate = float(key.get("offered_records_per_sec", 0))
                kib = float(key.get("offered_bytes_per_sec", 0)) / 1024
                if rate <= 1000 and kib <= 1024:
                    continue
                # Each new key at most a tenth of a shard's limits, so that the few that hash
                # to the same shard still fit beside the rest of its traffic.
                split = max(2, math.ceil(max(rate / 100, kib / 102.4)))
                remedies.append(
                    f"a better partition key: key {key['key']} alone sends {rate:,.0f} records/s "
                    f"({kib:,.1f} KiB/s) and a shard takes 1,000 records/s and 1,024 KiB/s; "
                    f"spread it over {split} keys of at most a tenth of a shard each (e.g. a "
                    f"suffix 0..{split - 1}), then plan again"
                )
                if (
                    kib < 1024 * 0.9
                    and rate > 1000
                    and not _aggregates(scenario, producer.get("name"))
                ):
                    remedies.append(
                        f"KPL aggregation: {key['key']}'s {kib:,.1f} KiB/s fits one shard's "
                        "1 MiB/s once its records are aggregated (the 1,000 records/s limit "
                        "then counts aggregates), with enough shards that the rest of its "
                        "shard's traffic fits beside it: plan again with a KPL producer"
                    )
    if "blocked_shard" in codes or "records_discarded" in codes or "read_lost" in failed_figures:
        remedies.append(
            "handling the poison record: a batch that always fails holds its shard (until "
            "retention, with Lambda's defaults) whatever the shard count; set "
            "BisectBatchOnFunctionError, MaximumRetryAttempts or MaximumRecordAgeInSeconds with "
            "an OnFailure destination, or ReportBatchItemFailures"
        )
    if "read_throttling" in codes or "read_throttled" in failed_figures:
        remedies.append(
            "enhanced fan-out: more polling consumers than a shard's 5 GetRecords calls/s share "
            "each shard; fan-out gives each consumer its own 2 MiB/s per shard (vary retrieval)"
        )
    dear = [c for c in tried if _only_cost_failed(c, c.objectives) and c.cost_per_month]
    if dear:
        cheapest = min(dear, key=lambda c: c.cost_per_month or 0.0)
        bounds = ", ".join(
            o.text
            for o in cheapest.objectives
            if any(f.startswith(o.figure + " ") for f in cheapest.failed)
        )
        remedies.append(
            f"a higher cost bound: the cheapest configuration tried that met every other "
            f"objective, {_describe(cheapest.knobs)}, costs "
            f"{format_value('cost', cheapest.cost_per_month)} and failed only {bounds}"
            + ("; more shards cost more" if cheapest.shards else "")
            + (
                ", and fewer failed another objective"
                if any(
                    c.shards is not None
                    and cheapest.shards is not None
                    and c.shards < cheapest.shards
                    and {**c.knobs, "shards": 0} == {**cheapest.knobs, "shards": 0}
                    and c.failed
                    and not _only_cost_failed(c, c.objectives)
                    for c in tried
                )
                else ""
            )
        )
    if not remedies:
        # Provisioned candidates differ by their shard count; on-demand modes choose their own.
        tried = (
            f"even the largest shard count tried ({_shards(candidate.knobs['shards'])})"
            if "shards" in candidate.knobs
            else f"{candidate.mode}, which chooses its own shards,"
        )
        findings = [f["message"] for f in summary.get("findings", [])[:3]]
        remedies.append(
            f"none found: {tried} failed "
            + ", ".join(candidate.failed)
            + (
                "; the findings of that run: " + "; ".join(findings)
                if findings
                else "; that run had no findings"
            )
            + "; relax that objective, or change what the scenario holds fixed (its producers, "
            "keys or consumers)"
        )
    return remedies


def _aggregates(scenario: dict[str, Any], producer: str | None) -> bool:
    """Whether the scenario's producer of that name is a KPL with aggregation on."""
    for p in scenario.get("producers", []):
        if p.get("name") == producer and p.get("type") == "kpl":
            return bool(p.get("kpl", {}).get("AggregationEnabled", True))
    return False


def _formula(candidates: list[Candidate], best: Candidate | None, given: int) -> dict[str, Any]:
    """The classic formula's answer beside the plan's, and why they differ."""
    reference = next((c for c in candidates if c.summary()), None)
    sizing = reference.summary().get("sizing", {}) if reference else {}
    peak = int(sizing.get("peak", {}).get("shards", 0) or 0)
    mean = int(sizing.get("mean", {}).get("shards", 0) or 0)
    doc: dict[str, Any] = {
        "formula": sizing.get("formula"),
        "shards": peak,
        "shards_on_mean": mean,
        "peak": sizing.get("peak"),
    }
    at_formula = next((c for c in candidates if c.mode == "provisioned" and c.shards == peak), None)
    unverified = sorted(c.shards for c in candidates if c.met and not c.feasible and c.shards)
    if best is None and unverified:
        doc["explanation"] = (
            f"the formula asks for {_shards(peak)}; {_shards(unverified[0])} met every objective "
            "on the seeds run, but the wall-time budget ran out before a count was verified on "
            "every seed"
        )
    elif best is None:
        doc["explanation"] = (
            f"the formula asks for {_shards(peak)}, but no shard count tried met every objective"
        )
    elif best.shards == peak:
        doc["explanation"] = (
            f"the plan agrees with the formula: {_shards(peak)}, and the simulation verified "
            f"that {_shards(peak - 1)} would not do"
            if peak > 1
            else "the plan agrees with the formula: 1 shard"
        )
    elif best.shards is not None and best.shards > peak:
        why = "; ".join(at_formula.failed) if at_formula else "it was not tried"
        findings = (
            "; ".join(
                f["message"]
                for f in at_formula.summary().get("findings", [])
                if f["severity"] in ("error", "warning")
            )
            if at_formula
            else ""
        )
        doc["explanation"] = (
            f"the formula's {_shards(peak)} are not enough: {why}"
            + (f" ({findings})" if findings else "")
            + f"; the plan needs {best.shards}, {best.shards - peak} more"
        )
    else:
        doc["explanation"] = (
            f"fewer shards than the formula's {peak} met every objective: {best.shards}; the "
            "formula rounds each term up at the peak second, while at "
            f"{best.shards} the busiest shard peaked at "
            f"{format_value('utilization_max', best.figures.get('utilization_max'))} of its limit "
            "and burst capacity and retries kept it within the objectives"
        )
    doc["scenario_shards"] = given
    return doc


# --- entry point ------------------------------------------------------------------------------


@dataclass
class _Request:
    """A plan's arguments as parsed, and what is wrong with them, without the scenario."""

    objectives: list[Objective]
    modes: list[str]
    knobs: dict[str, tuple[Any, ...]]
    seeds: int | list[int]
    budget_s: float
    issues: list[tuple[str, str]]


def _read_request(
    objectives: Iterable[str],
    modes: Iterable[str],
    vary: Iterable[str] | Mapping[str, Sequence[Any]],
    seeds: int | Sequence[int],
    budget: str | float,
    max_shards: int | None,
    fidelity: str | None,
) -> _Request:
    issues: list[tuple[str, str]] = []
    # A single string is one objective, mode or knob, not a sequence of characters.
    if isinstance(objectives, str):
        objectives = [objectives]
    if isinstance(modes, str):
        modes = [modes]
    if isinstance(vary, str):
        vary = [vary]
    if fidelity is not None and fidelity not in _run.FIDELITIES:
        issues.append(("fidelity", f'expected "exact" or "fast", got {fidelity!r}'))
    parsed: list[Objective] = []
    for text_objective in objectives:
        try:
            parsed.append(parse_objective(text_objective))
        except ObjectiveError as error:
            issues.append(("objective", str(error)))
    if not parsed and not issues:
        issues.append(("objective", "at least one objective is needed"))
    mode_list = list(dict.fromkeys(modes))
    for m in mode_list:
        if m not in MODES:
            issues.append(("modes", f"{m!r}: expected some of {', '.join(MODES)}"))
    if not mode_list:
        issues.append(("modes", "at least one capacity mode is needed"))
    try:
        knobs = _parse_vary(vary)
    except PlanError as error:
        knobs = {}
        issues += error.issues
    seed_arg: int | list[int] = 0
    if isinstance(seeds, numbers.Integral) and not isinstance(seeds, bool):
        if not 1 <= seeds <= 1000:
            issues.append(("seeds", f"{seeds}: expected 1..1000 seeds"))
        seed_arg = max(int(seeds), 0)
    elif isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        issues.append(("seeds", f"expected a count 1..1000 or a list of seeds, got {seeds!r}"))
    else:
        given = list(seeds)
        if not given:
            issues.append(("seeds", "at least one seed is needed"))
        seed_arg = []
        for seed in given:
            try:
                seed_arg.append(_run.check_seed(seed, "seeds"))
            except ValueError as error:
                issues.append(("seeds", str(error).removeprefix("seeds: ")))
        twice = sorted(s for s, n in collections.Counter(seed_arg).items() if n > 1)
        if twice:
            issues.append(("seeds", f"{', '.join(map(str, twice))} given more than once"))
    try:
        budget_s = _parse_duration(budget, "budget")
    except PlanError as error:
        budget_s = 0.0
        issues += error.issues
    if max_shards is not None and not 1 <= max_shards <= MAX_SHARDS:
        issues.append(("max_shards", f"{max_shards}: expected 1..{MAX_SHARDS}"))
    return _Request(parsed, mode_list, knobs, seed_arg, budget_s, issues)


def check_request(
    objectives: Iterable[str] = DEFAULT_OBJECTIVES,
    *,
    modes: Iterable[str] = tuple(MODES),
    vary: Iterable[str] | Mapping[str, Sequence[Any]] = (),
    seeds: int | Sequence[int] = 3,
    budget: str | float = "10m",
    max_shards: int | None = None,
    fidelity: str | None = None,
) -> None:
    """Raises PlanError listing what is wrong with a plan's arguments, whatever the scenario
    (the command line lists them beside a bad scenario's problems)."""
    request = _read_request(objectives, modes, vary, seeds, budget, max_shards, fidelity)
    if request.issues:
        raise PlanError(request.issues)


def plan(
    scenario: _run.ScenarioLike,
    objectives: Iterable[str] = DEFAULT_OBJECTIVES,
    *,
    modes: Iterable[str] = tuple(MODES),
    vary: Iterable[str] | Mapping[str, Sequence[Any]] = (),
    seeds: int | Sequence[int] = 3,
    budget: str | float = "10m",
    max_shards: int | None = None,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[str], None] | None = None,
    fidelity: str | None = None,
    _check_only: bool = False,
    _session: Session | None = None,
) -> Plan:
    """Finds the cheapest configuration meeting every objective on every seed, per capacity
    mode. See README ("Planning") for every argument; raises PlanError (bad objective, mode,
    knob, seed or budget) or ScenarioError (bad scenario) before any run. ``_session``: an
    entered runner session to run on (the command line's), left open."""
    text, base_dir = _run._scenario_text(scenario)
    loaded = _run.load(scenario)  # ScenarioError before any run
    doc_in: dict[str, Any] = json.loads(text)
    if isinstance(seeds, Iterable) and not isinstance(seeds, (str, bytes)):
        seeds = list(seeds)  # read twice below
    request = _read_request(objectives, modes, vary, seeds, budget, max_shards, fidelity)
    issues = list(request.issues)
    if fidelity in _run.FIDELITIES:  # every run of the plan in this fidelity ("Fidelity")
        doc_in["fidelity"] = fidelity
    parsed, mode_list, knobs, budget_s = (
        request.objectives,
        request.modes,
        request.knobs,
        request.budget_s,
    )
    has_consumers = bool(doc_in.get("consumers"))
    for o in parsed:
        if FIGURES[o.figure].consumer and not has_consumers:
            issues.append(
                (f"objective {o.text!r}", f"{o.figure} needs consumers; the scenario has none")
            )
    if isinstance(request.seeds, int):
        first = int(doc_in.get("seed", 1))
        # Outside 1..1000 the count is reported already: no list of 2**64 seeds is built.
        seed_list = [first + i for i in range(request.seeds if 1 <= request.seeds <= 1000 else 0)]
        if seed_list and seed_list[-1] > _run.MAX_SEED:
            issues.append(("seeds", f"{request.seeds} seeds from {first} pass 2**64-1"))
    else:
        seed_list = request.seeds
    for i, action in enumerate(doc_in.get("timeline", [])):
        if action.get("action") in _RESHARD_ACTIONS:
            issues.append(
                (
                    f"$.timeline[{i}]",
                    f"{action.get('action')}: the plan sets the shard count and capacity mode "
                    "itself; plan a scenario without resharding or mode switches",
                )
            )
    stream_in = doc_in.get("stream", {})
    default_shards = 1 if stream_in.get("mode", "PROVISIONED") == "PROVISIONED" else 4
    given = int(stream_in.get("shards", default_shards))
    cap = max_shards if max_shards is not None else min(MAX_SHARDS, max(64, 8 * given))
    if _session is None:  # the address by Dask's parser, before anything connects
        for problem in runner_problems(scheduler, workers):
            where, _, message = problem.partition(": ")
            issues.append((where, message))
    if issues:
        raise PlanError(issues)
    dropped = _inapplicable(knobs, doc_in)
    notes = [f"{knob}: {why}" for knob, why in dropped.items()]
    others = [m for m in mode_list if m != "advantage"]
    for key in ADVANTAGE_ONLY:
        if key in (stream_in.get("on_demand") or {}) and others:
            notes.append(
                f"stream.on_demand.{key}: On-demand Advantage only; dropped in {', '.join(others)}"
            )
    for knob in dropped:
        del knobs[knob]

    # Every configuration the plan may run must load: checked once per combination, before
    # any run (the shard count does not change what the loader accepts, except its bounds).
    combos = [dict(zip(knobs, values)) for values in itertools.product(*knobs.values())] or [{}]
    for combo in combos:
        for m in mode_list:
            config = {
                "mode": m,
                **combo,
                **({"shards": min(given, cap)} if m == "provisioned" else {}),
            }
            try:
                _run.load(_apply_knobs(doc_in, config))
            except ScenarioError as error:
                issues += [
                    (f"{_describe(config)} {path}", message) for path, message in error.issues
                ]
    if issues:
        raise PlanError(issues)
    if _check_only:  # the CLI checks the whole request before reporting its own issues
        return Plan({}, [])

    started = time.monotonic()
    if _session is not None:
        session = _session
        closing: Any = contextlib.nullcontext()
    else:
        session = Session(scheduler=scheduler, workers=workers)
        try:
            session.__enter__()
        except (OSError, TimeoutError) as error:
            raise PlanError([("scheduler", f"cannot reach {scheduler!r}: {error}")]) from None
        closing = contextlib.closing(session)
    with closing:  # entered above, where an unreachable scheduler is the caller's error
        search = _Search(doc_in, base_dir, parsed, seed_list, session, started + budget_s, progress)
        best: dict[str, Any] = {}
        best_candidates: dict[str, Candidate | None] = {}
        # Provisioned first: its first run measures the load an on-demand stream has seen.
        for m in sorted(mode_list, key=list(MODES).index):
            winners: list[Candidate] = []
            for combo in combos:
                if m == "provisioned":
                    base = {"mode": m, **combo}
                    first = search.evaluate([{**base, "shards": min(given, cap)}], verify=False)
                    formula = _formula_shards(first)
                    found = search.shard_search(
                        base, [min(given, cap), min(max(formula, 1), cap)], cap
                    )
                else:
                    peak = search.measured_peak(combo, min(given, cap))
                    found = search.evaluate([{"mode": m, **combo, **peak}])
                    found = found[0] if found and found[0].feasible else None
                if found is not None:
                    winners.append(found)
            winners.sort(key=lambda c: (c.cost_per_month or math.inf, c.shards or 0))
            winner = winners[0] if winners else None
            best_candidates[m] = winner
            best[m] = _best_entry(m, winner, search, doc_in)
        best = {m: best[m] for m in mode_list}
    elapsed = time.monotonic() - started

    provisioned = [c for c in search.order if c.mode == "provisioned"]
    result: dict[str, Any] = {
        "scenario": {"name": loaded.name, "shards": given},
        "objectives": [o.to_dict() for o in parsed],
        "modes": mode_list,
        "fidelity": doc_in.get("fidelity", "exact"),
        "vary": {k: list(v) for k, v in knobs.items()},
        "notes": notes,
        "seeds": seed_list,
        "best": best,
        "cheapest": _cheapest(best),
        "formula": _formula(provisioned, best_candidates.get("provisioned"), given)
        if "provisioned" in mode_list
        else None,
        "candidates": [c.to_dict() for c in search.order],
        "search": {
            "max_shards": cap,
            "neighbours_checked": NEIGHBOURS_CHECKED,
            "runs": sum(len(c.rows) for c in search.order),
            "budget_s": budget_s,
            "wall_s": round(elapsed, 3),
            "budget_exhausted": search.exhausted,
        },
    }
    result["headline"] = _headline(result)
    return Plan(result, search.order, doc_in)


def _formula_shards(candidates: list[Candidate]) -> int:
    values = [
        r.get("formula_shards") for c in candidates for r in c.rows if r.get("formula_shards")
    ]
    return int(max(values)) if values else 1


def _best_entry(
    mode: str, winner: Candidate | None, search: _Search, scenario: dict[str, Any]
) -> dict[str, Any]:
    if winner is not None:
        return {
            "feasible": True,
            "shards": winner.shards,
            "knobs": {k: v for k, v in winner.knobs.items() if k != "mode"},
            "cost_per_month": winner.cost_per_month,
            "components": winner.components(),
            "figures": {o.figure: winner.figures.get(o.figure) for o in winner.objectives},
            "proven_cheapest": not search.exhausted,
        }
    tried = [c for c in search.order if c.mode == mode]
    more_time = "more time: plan again with a larger budget (--budget)"
    if search.exhausted and not tried:
        return {
            "feasible": False,
            "reason": "the wall-time budget ran out before this mode",
            "failed": [],
            "remedies": [more_time],
        }
    largest = max(tried, key=lambda c: c.shards or 0) if tried else None
    failing = sorted({f.split(" ", 1)[0] for c in tried for f in c.failed})
    if search.exhausted and (any(c.met for c in tried) or not failing):
        return {
            "feasible": False,
            "reason": "the wall-time budget ran out before a configuration was verified on "
            f"every seed ({len(tried)} tried)",
            "failed": [],
            "remedies": [more_time],
        }
    reason = f"no {'shard count' if mode == 'provisioned' else 'run'} meets " + ", ".join(
        o.text for o in search.objectives if o.figure in failing
    )
    if mode == "provisioned" and largest is not None:
        reason += f" (tried up to {largest.shards} shards"
        reason += "; budget exhausted)" if search.exhausted else ")"
    entry: dict[str, Any] = {"feasible": False, "reason": reason}
    if largest is not None:
        entry["failed"] = largest.failed
        entry["remedies"] = _remedies(largest, scenario, tried)
        base = {k: v for k, v in largest.knobs.items() if k != "shards"}
        cap = search.capped.get(search._key(base))
        if cap is not None and all(r.startswith("none found") for r in entry["remedies"]):
            # Nothing in the runs names a limit the shard count cannot lift (a hot key, a
            # poison record, read throttling): the count the search could try was the limit.
            entry["remedies"] = [
                f"more shards: the search stopped at max_shards ({_shards(cap)}), which "
                "failed; more shards may meet the objectives (the formula asks for "
                f"{_shards(_formula_shards(tried))}): plan again with a larger max_shards "
                "(--max-shards)"
            ]
    return entry


def _cheapest(best: Mapping[str, Mapping[str, Any]]) -> str | None:
    feasible = [(v["cost_per_month"], m) for m, v in best.items() if v.get("feasible")]
    return min(feasible)[1] if feasible else None


def _headline(doc: Mapping[str, Any]) -> str:
    best = doc["best"]
    cheapest = doc["cheapest"]
    if cheapest is None:
        first = next(iter(best.values()))
        remedy = (first.get("remedies") or [""])[0]
        return f"{first['reason']}" + (f"; what would: {remedy}" if remedy else "")
    entry = best[cheapest]
    what = _shards(entry["shards"]) if cheapest == "provisioned" else cheapest
    extra = ", ".join(_knob_text(k, v) for k, v in entry["knobs"].items() if k != "shards")
    text = (
        f"cheapest: {what}{' with ' + extra if extra else ''} at "
        f"${entry['cost_per_month']:,.2f}/month meets "
        + ", ".join(o["text"] for o in doc["objectives"])
        + (" on its seed" if len(doc["seeds"]) == 1 else f" on all {len(doc['seeds'])} seeds")
    )
    formula = doc.get("formula")
    if formula and best.get("provisioned", {}).get("feasible"):
        shards = best["provisioned"]["shards"]
        if shards != formula["shards"]:
            text += f" (the formula says {_shards(formula['shards'])}, the plan {shards})"
        else:
            text += f" (the formula agrees: {_shards(shards)})"
    return text


def _budget_text(seconds: float) -> str:
    """600 as "600", 0.3 as "0.3" (not "0")."""
    return f"{seconds:.0f}" if seconds >= 100 else f"{seconds:g}"


def render_text(doc: Mapping[str, Any]) -> str:
    """The plan as the CLI prints it."""
    lines = [f"plan for {doc['scenario']['name']}: {doc['headline']}", ""]
    lines.append("objectives: " + ", ".join(o["text"] for o in doc["objectives"]))
    lines.append(f"seeds: {', '.join(str(s) for s in doc['seeds'])}")
    lines.append("")
    for mode, entry in doc["best"].items():
        if entry.get("feasible"):
            what = _shards(entry["shards"]) if mode == "provisioned" else "meets every objective"
            knobs = ", ".join(_knob_text(k, v) for k, v in entry["knobs"].items() if k != "shards")
            lines.append(
                f"  {mode:<12} {what}{' (' + knobs + ')' if knobs else ''}: "
                f"${entry['cost_per_month']:,.2f}/month"
                + (
                    ""
                    if entry.get("proven_cheapest", True)
                    else " (budget ran out: not proven cheapest)"
                )
            )
            for c in entry.get("components", []):
                if c.get("per_month"):
                    lines.append(f"  {'':<12}   {c['name']}: ${c['per_month']:,.2f}")
        else:
            # A mode the budget ran out on is not known to be infeasible: not settled.
            unsettled = entry["reason"].startswith("the wall-time budget ran out")
            lines.append(
                f"  {mode:<12} {'not settled' if unsettled else 'infeasible'}: {entry['reason']}"
            )
            for remedy in entry.get("remedies", []):
                lines.append(f"  {'':<12}   what would: {remedy}")
    formula = doc.get("formula")
    if formula:
        lines += ["", f"formula: {_shards(formula['shards'])} at peak; {formula['explanation']}"]
    lines += ["", "candidates:"]
    for c in doc["candidates"]:
        what = _shards(c["shards"]) if c["shards"] is not None else ""
        knobs = ", ".join(_knob_text(k, v) for k, v in c["knobs"].items() if k != "shards")
        cost = f"${c['cost_per_month']:,.2f}/month" if c["cost_per_month"] is not None else "-"
        if c["feasible"]:
            verdict = "pass"
        elif c["feasible"] is None:
            exhausted = doc["search"]["budget_exhausted"]
            why = "not run: the budget ran out" if exhausted else "not needed"
            verdict = "met on seed " + ", ".join(map(str, c["seeds"])) + f" (others {why})"
        else:
            verdict = "FAIL: " + "; ".join(c["failed"])
        lines.append(f"  {c['mode']:<12} {what:<10} {knobs:<20} {cost:>16}  {verdict}")
    search = doc["search"]
    lines.append("")
    lines.append(
        f"{search['runs']} run{'' if search['runs'] == 1 else 's'} in {search['wall_s']:.1f} s "
        f"(budget {_budget_text(search['budget_s'])} s"
        + (", exhausted" if search["budget_exhausted"] else "")
        + ")"
    )
    for note in doc.get("notes", []):
        lines.append(f"note: {note}")
    return "\n".join(lines) + "\n"
