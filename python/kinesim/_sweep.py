"""Sweeps: a scenario run over a grid of settings and seeds, one row per run.

A *knob* is a JSON path into the scenario (``stream.shards``,
``producers[0].rate.records_per_sec``, ``producers[web].rate.records_per_sec`` for the list
element whose ``"name"`` is ``web``) with the values it takes. The grid is the cartesian product
of the knobs' values in the order given, seeds innermost. Everything is checked before the first
run: paths, values, and every scenario of the grid against the loader.
"""

from __future__ import annotations

import builtins
import collections
import copy
import itertools
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Union

from ._errors import ScenarioError
from ._figures import FIGURES
from ._run import ScenarioLike, _scenario_text
from ._runner import Progress, Task, execute

#: The scenario's seed when it names none (docs/scenarios.md).
DEFAULT_SEED = 1
MAX_SEED = 2**64 - 1
#: Columns after the knobs; no knob may take one of these names.
RESERVED_COLUMNS = ("seed", *FIGURES, "headline", "error")

SetLike = Union[Mapping[str, Any], Sequence[str]]


class SweepError(ValueError):
    """A sweep that cannot run. ``problems`` lists every problem found, each a line naming the
    knob (and value) or the seeds, and what was expected or what the loader said."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __reduce__(self) -> tuple[type[SweepError], tuple[list[str]]]:
        return (type(self), (self.problems,))


SweepError.__module__ = "kinesim"

# --- knob paths --------------------------------------------------------------------------------

_SEGMENT = re.compile(r"([^.\[\]]+)|\[([^\[\]]*)\]|(\.)")


@dataclass(frozen=True)
class _Step:
    """One step of a path: an object key, a list index, or a list element by its name."""

    key: str | None = None
    index: int | None = None
    name: str | None = None

    def __str__(self) -> str:
        if self.key is not None:
            return f".{self.key}"
        return f"[{self.index}]" if self.index is not None else f"[{self.name}]"


def parse_path(path: str) -> list[_Step]:
    """``a.b[0].c[web]`` into steps; a leading ``$.`` is allowed. Raises ValueError."""
    text = path.strip()
    if text.startswith("$"):
        text = text[1:].lstrip(".") if text.startswith("$.") or text == "$" else text
    if not text:
        raise ValueError("expected a JSON path such as stream.shards or producers[0].instances")
    steps: list[_Step] = []
    pos = 0
    expect_key = True  # at the start and after a dot
    while pos < len(text):
        match = _SEGMENT.match(text, pos)
        if match is None:
            raise ValueError(f"cannot read the path at {text[pos:]!r}")
        key, bracket, dot = match.groups()
        if dot is not None:
            if expect_key:
                raise ValueError("an empty key (two dots, or a dot first)")
            expect_key = True
        elif key is not None:
            if not expect_key:
                raise ValueError(f"a key {key!r} right after ']' needs a dot before it")
            steps.append(_Step(key=key))
            expect_key = False
        else:
            if expect_key and steps:
                raise ValueError("'[' right after a dot")
            if expect_key:
                raise ValueError("a path starts with a key, not '['")
            inner = bracket.strip()
            if not inner:
                raise ValueError("empty brackets []: give an index or an element's name")
            if re.fullmatch(r"[0-9]+", inner, re.ASCII):
                steps.append(_Step(index=int(inner)))
            else:
                steps.append(_Step(name=inner))
        pos = match.end()
    if expect_key:
        raise ValueError("the path ends with a dot")
    return steps


def _resolve_parent(doc: Any, steps: list[_Step]) -> tuple[Any, _Step]:
    """The container holding the last step, and that step; raises ValueError saying where the
    path stops resolving. The last key may be new in an object; list elements must exist."""
    node = doc
    where = "$"
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        if step.key is not None:
            if not isinstance(node, dict):
                raise ValueError(f"{where} is {_kind(node)}, not an object with key {step.key!r}")
            if step.key not in node and not last:
                keys = ", ".join(map(repr, node)) or "none"
                raise ValueError(f"{where} has no key {step.key!r} (its keys: {keys})")
        elif not isinstance(node, list):
            raise ValueError(f"{where} is {_kind(node)}, not a list to take {step} of")
        elif step.index is not None:
            if step.index >= len(node):
                raise ValueError(
                    f"{where} has {len(node)} element(s); index {step.index} is out of range"
                )
        else:
            named = [
                j for j, e in enumerate(node) if isinstance(e, dict) and e.get("name") == step.name
            ]
            if len(named) != 1:
                names = (
                    ", ".join(repr(e.get("name")) for e in node if isinstance(e, dict)) or "none"
                )
                found = "no element" if not named else f"{len(named)} elements"
                raise ValueError(f"{where} has {found} named {step.name!r} (names: {names})")
            step = _Step(index=named[0])
            steps[i] = step
        if last:
            return node, step
        node = node[step.key] if step.key is not None else node[step.index]
        where += str(step)
    raise AssertionError("unreachable: a path has at least one step")


def _kind(node: Any) -> str:
    if isinstance(node, dict):
        return "an object"
    if isinstance(node, list):
        return "a list"
    return f"the value {json.dumps(node)}"


def _assign(doc: dict[str, Any], steps: list[_Step], value: Any) -> None:
    node: Any = doc
    for step in steps[:-1]:
        node = node[step.key] if step.key is not None else node[step.index]
    last = steps[-1]
    node[last.key if last.key is not None else last.index] = value


# --- knob values -------------------------------------------------------------------------------

_INT = re.compile(r"[+-]?[0-9]+", re.ASCII)
_RANGE_LIKE = re.compile(r"[+-]?[0-9.]+\.\.[+-]?[0-9.]+(\.\.[+-]?[0-9.]+)?", re.ASCII)


def _item(text: str) -> Any:
    """A value as JSON when it is valid JSON, else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def parse_values(text: str) -> list[Any]:
    """The values of a knob as written on the command line: ``2..16`` (whole numbers, both ends
    included), ``2..16..2`` (with a step), ``1000,2000,4000`` (a list), each item JSON when it
    parses as JSON (numbers, true, false, null, "quoted") and a plain string otherwise; a whole
    JSON array or object is one value. Raises ValueError saying what was expected."""
    spec = text.strip()
    if not spec:
        raise ValueError("no values: expected e.g. 2..16, 2..16..2 or 1000,2000,4000")
    if spec[0] in "[{":
        try:
            return [json.loads(spec)]
        except ValueError as error:
            raise ValueError(f"{spec!r} is not valid JSON: {error}") from None
    if _RANGE_LIKE.fullmatch(spec):
        parts = spec.split("..")
        if not all(_INT.fullmatch(p) for p in parts):
            raise ValueError(
                f"range {spec!r}: expected whole numbers START..END or START..END..STEP"
            )
        start, end = int(parts[0]), int(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 1
        if start > end:
            raise ValueError(f"range {spec!r}: START {start} is greater than END {end}")
        if step < 1:
            raise ValueError(f"range {spec!r}: STEP must be >= 1, got {step}")
        return list(range(start, end + 1, step))
    items = [item.strip() for item in spec.split(",")]
    if any(not item for item in items):
        raise ValueError(f"{spec!r}: an empty value in the comma list")
    return [_item(item) for item in items]


@dataclass
class Knob:
    """A JSON path into the scenario and the values it takes, in order."""

    path: str
    steps: list[_Step]
    values: list[Any]


def _knob_specs(settings: SetLike) -> list[tuple[str, Any]]:
    if isinstance(settings, Mapping):
        return list(settings.items())
    if isinstance(settings, str):
        settings = [settings]
    specs: list[tuple[str, Any]] = []
    for text in settings:
        if not isinstance(text, str):
            raise SweepError([f"set: expected 'PATH=VALUES' strings, got {text!r}"])
        path, sep, values = text.partition("=")
        if not sep or not path.strip():
            raise SweepError([f"{text!r}: expected PATH=VALUES, e.g. stream.shards=2..16"])
        specs.append((path.strip(), values))
    return specs


def _values(raw: Any) -> list[Any]:
    if isinstance(raw, str):
        return parse_values(raw)
    if isinstance(raw, (Mapping, bytes)) or not isinstance(raw, Iterable):
        return [raw]  # a single value
    values = list(raw)
    if not values:
        raise ValueError("no values: the list is empty")
    return values


# At most this many seeds in a sweep (a list of them is built before any run).
MAX_SEED_COUNT = 1_000_000


def _seed_list(seeds: int | Sequence[int], doc: Any) -> list[int]:
    def whole(x: Any) -> bool:
        return isinstance(x, int) and not isinstance(x, bool)

    if whole(seeds):
        if not 1 <= seeds <= MAX_SEED_COUNT:  # type: ignore[operator]
            raise SweepError(
                [f"seeds: expected a number of seeds 1..{MAX_SEED_COUNT:,}, got {seeds}"]
            )
        base = doc.get("seed", DEFAULT_SEED) if isinstance(doc, dict) else DEFAULT_SEED
        if not whole(base) or not 0 <= base <= MAX_SEED:
            base = DEFAULT_SEED  # the loader reports the scenario's bad seed
        if base + seeds - 1 > MAX_SEED:  # type: ignore[operator]
            raise SweepError([f"seeds: {seeds} seeds from {base} pass 2**64-1"])
        return list(range(base, base + seeds))  # type: ignore[operator]
    if isinstance(seeds, (str, bytes)) or not isinstance(seeds, Iterable):
        raise SweepError([f"seeds: expected a count or a list of seeds, got {seeds!r}"])
    out = list(seeds)
    bad = [s for s in out if not whole(s) or not 0 <= s <= MAX_SEED]
    if not out or bad:
        raise SweepError(
            [f"seeds: expected integers 0 ... 2**64-1, got {', '.join(map(repr, bad)) or 'none'}"]
        )
    twice = sorted(s for s, n in collections.Counter(out).items() if n > 1)
    if twice:
        raise SweepError([f"seeds: {', '.join(map(str, twice))} given more than once"])
    return out


# --- the plan of a sweep -----------------------------------------------------------------------


@dataclass
class SweepPlan:
    """A checked sweep: the scenario's name, its knobs, seeds and tasks (in row order)."""

    name: str
    knobs: list[Knob]
    seeds: list[int]
    tasks: list[Task]

    @property
    def columns(self) -> list[str]:
        return [k.path for k in self.knobs] + list(RESERVED_COLUMNS)


def _label(pairs: Iterable[tuple[str, Any]]) -> str:
    return ", ".join(f"{path}={_show(value)}" for path, value in pairs)


def _show(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def prepare(scenario: ScenarioLike, set: SetLike = (), seeds: int | Sequence[int] = 1) -> SweepPlan:
    """Checks a sweep and returns its plan, running nothing; raises SweepError listing every
    problem (an unreadable scenario file raises ScenarioError)."""
    from . import _core

    text, base_dir = _scenario_text(scenario)
    try:
        doc = json.loads(text)
    except ValueError:
        doc = None  # the loader says where the syntax breaks
    problems: list[str] = []
    knobs: list[Knob] = []
    try:
        specs = _knob_specs(set)
    except SweepError as error:
        problems.extend(error.problems)
        specs = []
    seen: dict[str, int] = {}
    resolved: dict[str, str] = {}  # each knob's place in the scenario, and the path given for it
    for path, raw in specs:
        if not isinstance(path, str):
            problems.append(f"{path!r}: a knob's path must be a string")
            continue
        if path in seen:
            problems.append(f"{path}: given twice; give each knob once with all its values")
            continue
        seen[path] = 1
        if path in RESERVED_COLUMNS:
            why = "give seeds instead" if path == "seed" else "it names a column of the table"
            problems.append(f"{path}: cannot be a knob: {why}")
            continue
        try:
            values = _values(raw)
        except ValueError as error:
            problems.append(f"{path}={raw}: {error}")
            values = []
        try:
            steps = parse_path(path)
        except ValueError as error:
            problems.append(f"{path}: not a JSON path: {error}")
            continue
        if len(steps) == 1 and steps[0].key == "seed":
            problems.append(f"{path}: cannot be a knob: give seeds instead")
            continue
        if isinstance(doc, dict):
            try:
                _resolve_parent(doc, steps)  # names become indices: steps are canonical
            except ValueError as error:
                problems.append(f"{path}: not in the scenario: {error}")
                continue
            where = "$" + "".join(str(step) for step in steps)
            if where in resolved:
                problems.append(
                    f"{path}: the same knob as {resolved[where]} ({where}); give each knob once "
                    "with all its values"
                )
                continue
            resolved[where] = path
        if values:
            knobs.append(Knob(path, steps, values))
    try:
        seed_list = _seed_list(seeds, doc)
    except SweepError as error:
        problems.extend(error.problems)
        seed_list = []
    if doc is not None and not isinstance(doc, dict):
        problems.append("$: the scenario is not a JSON object")
        raise SweepError(problems)

    # Every scenario of the grid through the loader, also when a knob or the seeds are wrong
    # (with the knobs that could be read): every problem at once. Problems the scenario has
    # whatever the knobs are listed once; those that come with a combination of values name it.
    base_issues: builtins.set[tuple[str, str]] = builtins.set()
    try:
        base_loaded = _core.load_scenario(text, base_dir)
        name = base_loaded.name
    except ScenarioError as error:
        base_issues = builtins.set(error.issues)
        name = doc.get("name", "sweep") if isinstance(doc, dict) else "sweep"
    if doc is None:
        issues = sorted(base_issues) or [("$", "not valid JSON")]
        raise SweepError(problems + [f"the scenario: {p}: {m}" for p, m in issues])

    scenarios: list[tuple[dict[str, Any], dict[str, Any]]] = []
    common: builtins.set[tuple[str, str]] = builtins.set()
    grid_problems: list[str] = []
    nesting: dict[str, None] = {}  # a knob inside another's value that cannot hold it, once
    # A knob inside another knob's value (producers[0].rate and producers[0].rate.records_per_sec)
    # is set after it, whatever order they were given in, into that grid point's copy.
    order = sorted(range(len(knobs)), key=lambda i: len(knobs[i].steps))
    for combination in itertools.product(*(k.values for k in knobs)):
        variant = copy.deepcopy(doc)
        labels = {k.path: copy.deepcopy(v) for k, v in zip(knobs, combination)}
        broken = False
        for n, i in enumerate(order):
            knob = knobs[i]
            try:
                _resolve_parent(variant, list(knob.steps))
            except ValueError as error:
                outer = [
                    knobs[j]
                    for j in order[:n]
                    if len(knobs[j].steps) < len(knob.steps)
                    and knob.steps[: len(knobs[j].steps)] == knobs[j].steps
                ]
                given = _label((k.path, combination[knobs.index(k)]) for k in outer)
                nesting[
                    f"{knob.path}: cannot be set inside {given or 'the other knobs'}: {error}"
                ] = None
                broken = True
                break
            # Each grid point its own copy: a knob inside this value changes this point only.
            _assign(variant, knob.steps, copy.deepcopy(combination[i]))
        if broken:
            continue
        try:
            _core.load_scenario(json.dumps(variant), base_dir)
        except ScenarioError as error:
            for issue in error.issues:
                if issue in base_issues:
                    common.add(issue)
                else:
                    grid_problems.append(f"with {_label(labels.items())}: {issue[0]}: {issue[1]}")
        except (TypeError, ValueError) as error:  # a value JSON cannot carry (NaN is allowed)
            grid_problems.append(f"with {_label(labels.items())}: {error}")
        scenarios.append((variant, labels))
    problems += list(nesting)
    problems += [f"the scenario: {p}: {m}" for p, m in sorted(common)] + grid_problems
    if problems:
        raise SweepError(problems)

    tasks = [
        Task(scenario=variant, base_dir=base_dir, seed=seed, knobs=labels)
        for variant, labels in scenarios
        for seed in seed_list
    ]
    return SweepPlan(name=name, knobs=knobs, seeds=seed_list, tasks=tasks)


def to_frame(rows: list[dict[str, Any]], knobs: Sequence[str]) -> Any:
    """Rows of ``run_task`` as a DataFrame: knob columns, ``seed``, every figure as float64
    (NaN where it does not apply or the run failed), ``headline`` and ``error`` (None when
    the run succeeded)."""
    import pandas as pd

    data: dict[str, Any] = {}
    for knob in knobs:
        values = [r[knob] for r in rows]
        dtype = _knob_dtype(values)
        if dtype == "int64":
            values = [int(v) for v in values]
        data[knob] = pd.Series(values, dtype=dtype)
    data["seed"] = pd.Series([r["seed"] for r in rows], dtype=_seed_dtype(rows))
    for name in FIGURES:
        data[name] = pd.Series(
            [float("nan") if r[name] is None else float(r[name]) for r in rows], dtype="float64"
        )
    data["headline"] = pd.Series([r["headline"] for r in rows], dtype=object)
    data["error"] = pd.Series([r["error"] for r in rows], dtype=object)
    return pd.DataFrame(data, columns=[*knobs, *RESERVED_COLUMNS])


def _knob_dtype(values: list[Any]) -> str:
    if values and all(isinstance(v, bool) for v in values):
        return "bool"
    numbers = all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values)
    if not values or not numbers:
        return "object"
    # Whole numbers however written (2, 2.0, 1e3) are int64, as the README says, when int64
    # holds them; integers beyond it stay Python ints (object), other numbers are float64.
    whole = all(isinstance(v, int) or (math.isfinite(v) and v.is_integer()) for v in values)
    if whole and all(-(2**63) <= v < 2**63 for v in values):
        return "int64"
    return "object" if all(isinstance(v, int) for v in values) else "float64"


def _seed_dtype(rows: list[dict[str, Any]]) -> str:
    return "int64" if all(r["seed"] < 2**63 for r in rows) else "uint64"


#: At most this many local worker processes (``workers``), for a sweep as for a plan.
MAX_WORKERS = 1024


def address_problem(scheduler: str) -> str | None:
    """Why ``scheduler`` (an address, not "serial") cannot be a Dask scheduler's address, or
    None: Dask's own parsing (the host and port of tcp, tls and ws addresses, and a scheme
    Dask has a backend for), before anything connects."""
    from distributed.comm import parse_address
    from distributed.comm.registry import get_backend

    from ._runner import address_problem as host_port_problem

    problem = host_port_problem(scheduler)
    if problem:
        return problem
    try:
        scheme, _ = parse_address(
            scheduler.strip() if "://" in scheduler else f"tcp://{scheduler.strip()}"
        )
        get_backend(scheme)
    except ValueError as error:
        return f"expected a Dask address HOST:PORT or tcp://HOST:PORT ({error})"
    return None


def runner_problems(scheduler: str | None, workers: int | None) -> list[str]:
    """What is wrong with a sweep's or a plan's ``scheduler`` and ``workers``, each naming its
    argument, found without connecting: workers must be 1..MAX_WORKERS and apply to the local
    cluster only; an address must be one Dask's parser accepts."""
    from ._runner import SERIAL, check_scheduler

    problems: list[str] = []
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or not 1 <= workers <= MAX_WORKERS
    ):
        problems.append(f"workers: expected a whole number 1..{MAX_WORKERS:,}, got {workers!r}")
        workers = None
    try:
        check_scheduler(scheduler, workers)
    except ValueError as error:
        problems.append(str(error))
    if (
        not problems
        and isinstance(scheduler, str)
        and scheduler.strip()
        and scheduler.strip() != SERIAL
        and (problem := address_problem(scheduler))
    ):
        problems.append(f"scheduler: {scheduler!r}: {problem}")
    return problems


def sweep(
    scenario: ScenarioLike,
    set: SetLike = (),
    seeds: int | Sequence[int] = 1,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Progress = False,
) -> Any:
    """Runs ``scenario`` over a grid of knob values and seeds; returns a pandas DataFrame with
    one row per run (see the README, "Sweeps").

    ``set`` maps knob paths to their values (a list, or a string as on the command line:
    ``"2..16"``, ``"2..16..2"``, ``"1000,2000"``), or is a list of ``"PATH=VALUES"`` strings.
    ``seeds``: a count N (the scenario's seed and the N-1 after it) or a list of seeds.
    ``scheduler``/``workers``/``progress`` as in ``kinesim._runner.execute`` (a local Dask
    cluster by default, ``"serial"`` for this process, or a Dask address).

    ``workers`` (the local cluster's processes) is 1..1024.

    Raises SweepError (a ValueError) listing every problem before running anything, a bad
    scheduler address (one Dask's parser refuses) or worker count among them; a scheduler that
    does not answer raises OSError. A run that fails is a row with its ``error``."""
    problems = runner_problems(scheduler, workers)
    try:
        plan = prepare(scenario, set, seeds)
    except SweepError as error:
        problems += error.problems
    if problems:  # every problem at once
        raise SweepError(problems)
    rows = execute(plan.tasks, scheduler=scheduler, workers=workers, progress=progress)
    return to_frame(rows, [k.path for k in plan.knobs])
