"""Running scenarios from Python: ``kinesim.run`` and ``kinesim.validate``.

A scenario is a dict (the JSON document), a path to a JSON file, or JSON text. Relative trace
files resolve against the scenario file's folder (the current folder for dicts and text).
"""

from __future__ import annotations

import contextlib
import json
import numbers
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable
from functools import cached_property
from pathlib import Path
from typing import Any, Union

from . import _core
from ._errors import ScenarioError

ScenarioLike = Union[dict, str, "os.PathLike[str]"]

# The most threads a run may be given (``threads``, ``--threads``): the core takes a 32-bit count.
MAX_THREADS = 2**32 - 1
# The fidelities a run takes (``fidelity``, ``--fidelity``; docs/design.md, "Fast mode").
FIDELITIES = ("exact", "fast")
# Seeds are 64-bit unsigned in the core (``seed``, ``--seed``, a sweep's or a plan's seeds).
MAX_SEED = 2**64 - 1
# What a metric resolution must be (the core's rule, models/scenario/loader.h).
RESOLUTION_EXPECTED = 'a duration of at least 1ms that divides 60s, like "1m", "10s", "1s"'

#: The files a run writes into its folder (README, "Outputs"); metrics_consumers.csv only in
#: runs with consumers.
RUN_FILES = (
    "summary.json",
    "metrics_stream.csv",
    "metrics_shards.csv",
    "metrics_producers.csv",
    "metrics_consumers.csv",
    "timeline.csv",
)
#: What `kinesim run` writes into an output folder, and replaces there: a run's files and its
#: report. A plan.json (`kinesim plan`) beside them stays, so that `kinesim report` on the
#: folder still adds the plan's section.
RUN_OUTPUT_FILES = (*RUN_FILES, "report.html")
#: Every file `kinesim run` and `kinesim plan` write into an output folder.
OUTPUT_FILES = (*RUN_OUTPUT_FILES, "plan.json")


_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def parse_whole(value: Any) -> int:
    """An int (not a bool), or a string of ASCII digits with an optional sign, as an int;
    ValueError for anything else. ``int()`` alone would also take "1_000", digits of other
    scripts (full-width digits) and, from a float, only its whole part."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value.strip())
    raise ValueError(f"{value!r}: not a whole number")


def check_seed(seed: Any, where: str = "seed") -> int:
    """``seed`` as an int, or ValueError naming ``where`` unless it is an integer (not a bool)
    from 0 to 2**64 - 1."""
    whole = isinstance(seed, numbers.Integral) and not isinstance(seed, bool)
    if not whole or not 0 <= seed <= MAX_SEED:
        raise ValueError(f"{where}: expected an integer from 0 to {MAX_SEED}, got {seed!r}")
    return int(seed)


def resolution_ok(text: str) -> bool:
    """Whether the core takes ``text`` as a metric resolution: a duration ("1s", "1m",
    "500ms") of at least 1 ms that divides 60 s, as the core reads durations. Checked before a
    run, so that a bad ``--resolution`` is listed with the scenario's problems."""
    return bool(_core.resolution_ok(text))


def write_folder(
    out_dir: str | os.PathLike[str],
    fill: Callable[[Path], None],
    replaces: Iterable[str] = OUTPUT_FILES,
) -> Path:
    """Writes an output folder: ``fill(folder)`` writes the new outputs into a temporary folder
    beside ``out_dir``, which is then renamed into place or, when ``out_dir`` exists, replaces
    the outputs of an earlier write there: its files named in ``replaces`` go, the new ones come
    in, and files kinesim does not write (a user's) stay. On any failure ``out_dir`` is left as
    it was and the temporary folder removed."""
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise NotADirectoryError(f"{str(target)!r} exists and is not a folder")
    created: list[Path] = []  # parents made here, outermost first
    missing = [p for p in target.parents if not p.exists()]
    temp: Path | None = None
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
        # os.mkdir keeps the usual permissions (umask applied), unlike mkdtemp's 0o700.
        temp = target.parent / f".{target.name}.partial-{os.getpid()}-{secrets.token_hex(4)}"
        temp.mkdir()
        fill(temp)
        if not os.path.lexists(target):
            temp.rename(target)
        else:
            _replace_outputs(temp, target, replaces)
            temp.rmdir()
        temp = None
    except BaseException:
        if temp is not None:
            shutil.rmtree(temp, ignore_errors=True)
        for folder in reversed(created):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return target


def _replace_outputs(new: Path, target: Path, replaces: Iterable[str]) -> None:
    """Moves the files in ``new`` into ``target`` after moving ``target``'s files named in
    ``replaces`` aside; any failure puts every file back where it was."""
    names = sorted(p.name for p in new.iterdir())
    old = [n for n in dict.fromkeys([*replaces, *names]) if (target / n).is_file()]
    aside = target / f".kinesim-replaced-{os.getpid()}-{secrets.token_hex(4)}"
    aside.mkdir()
    moved_aside: list[str] = []
    moved_in: list[str] = []
    try:
        for name in old:
            (target / name).rename(aside / name)
            moved_aside.append(name)
        for name in names:
            (new / name).rename(target / name)
            moved_in.append(name)
    except BaseException:
        for name in reversed(moved_in):
            (target / name).rename(new / name)
        for name in reversed(moved_aside):
            (aside / name).rename(target / name)
        aside.rmdir()
        raise
    shutil.rmtree(aside, ignore_errors=True)


def _scenario_text(scenario: ScenarioLike) -> tuple[str, str]:
    """(JSON text, base folder) of a scenario given as dict, path or JSON text."""
    if isinstance(scenario, dict):
        return json.dumps(scenario), os.getcwd()
    if isinstance(scenario, os.PathLike) or (
        isinstance(scenario, str) and not scenario.lstrip().startswith("{")
    ):
        path = Path(scenario)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise ScenarioError(
                [("$", f"cannot read scenario file {str(path)!r}: {error}")]
            ) from None
        return text, str(path.parent)
    if isinstance(scenario, str):
        return scenario, os.getcwd()
    raise TypeError(f"scenario must be a dict, a path or JSON text, not {type(scenario).__name__}")


class Result:
    """The outcome of one run.

    ``summary`` is the content of summary.json as a dict; ``str(result)`` the human summary;
    ``write(dir)`` writes summary.json and the metric CSVs; ``metrics()`` the series as numpy
    arrays (one value per resolution bucket).
    """

    def __init__(self, core_result: Any) -> None:
        self._r = core_result

    @cached_property
    def summary(self) -> dict[str, Any]:
        return json.loads(self._r.summary_json())

    @property
    def headline(self) -> str:
        return self._r.headline()

    @property
    def findings(self) -> list[dict[str, Any]]:
        return list(self.summary.get("findings", []))

    @property
    def resolution_seconds(self) -> float:
        return self._r.resolution_seconds

    def summary_json(self) -> str:
        return self._r.summary_json()

    @cached_property
    def plot(self) -> Any:
        """The run's charts as matplotlib Figures (needs matplotlib), the ones report.html
        shows: ``.throughput()``, ``.throttling_heatmap()``, ``.put_latency()``,
        ``.capacity()``, ``.hot_keys()``, ``.cost()``, ``.consumers()``. A chart the run has
        no data for raises ``kinesim.NoData`` (a ValueError)."""
        from ._plot import RunData

        return RunData.from_result(self).plot

    def write(self, out_dir: str | os.PathLike[str]) -> Path:
        """Writes summary.json, metrics_*.csv and timeline.csv into ``out_dir`` (created if
        missing), replacing the files of an earlier run there (a metrics_consumers.csv this run
        has not is removed, and so is an earlier run's report.html, which describes that run; a
        plan.json and other files stay); nothing partial is left behind on failure."""
        return write_folder(out_dir, self.write_files, replaces=RUN_OUTPUT_FILES)

    def write_files(self, folder: str | os.PathLike[str]) -> None:
        """Writes this run's files into ``folder`` beside whatever it holds (``write``
        replaces an earlier run's instead)."""
        self._r.write_outputs(os.fspath(folder))

    def metrics(self) -> dict[str, Any]:
        """Every series by name ("scope/Metric"), as numpy arrays over the buckets of the run
        (the rows of the CSVs): counters summed per bucket, gauges as their last value (NaN
        where unset), except OpenShardCount, which holds its value into every bucket."""
        series: dict[str, Any] = {}
        counters = self._r.counter_matrix()
        for i, name in enumerate(self._r.counter_names):
            series[name] = counters[i]
        gauges = self._r.gauge_matrix()
        for i, name in enumerate(self._r.gauge_names):
            series[name] = gauges[i]
        return series

    def to_pandas(self) -> Any:
        """The metric series as a pandas DataFrame indexed by bucket start time in seconds
        (needs pandas): integers for whole-second buckets, so ``df.loc[60]`` finds a row."""
        import pandas as pd

        data = self.metrics()
        n = max((len(v) for v in data.values()), default=0)
        return pd.DataFrame(data, index=pd.Index(self._bucket_starts(n), name="time_s"))

    def _bucket_starts(self, n: int) -> list[int] | list[float]:
        """Start of each bucket in seconds, from integer nanoseconds: exact integers for
        whole-second buckets, the nearest float of the exact value otherwise."""
        nanos = self._r.resolution_nanos
        if nanos % 1_000_000_000 == 0:
            return [i * (nanos // 1_000_000_000) for i in range(n)]
        return [i * nanos / 1_000_000_000 for i in range(n)]

    def __str__(self) -> str:
        return self._r.human_summary()

    def __repr__(self) -> str:
        return f"<kinesim.Result {self.summary['scenario']['name']!r}: {self.headline}>"


def load(scenario: ScenarioLike) -> _core.Scenario:
    """Parses and checks a scenario once; raises ScenarioError listing every problem with its
    JSON path. The loaded scenario has a ``name`` and runs with ``run_loaded``."""
    text, base = _scenario_text(scenario)
    return _core.load_scenario(text, base)


def validate(scenario: ScenarioLike) -> str:
    """Checks a scenario without running it; returns its name or raises ScenarioError listing
    every problem with its JSON path."""
    return load(scenario).name


def _argument_issues(
    seed: Any, resolution: Any, fidelity: Any, threads: Any
) -> tuple[list[tuple[str, str]], bool]:
    """Every problem with ``run``'s arguments as (argument, message), in the order of the
    signature, and whether one is a resolution text the core refuses (a ScenarioError, as the
    scenario's own ``output.resolution`` would be)."""
    issues: list[tuple[str, str]] = []
    if seed is not None:
        try:
            check_seed(seed)
        except ValueError:
            issues.append(("seed", f"expected an integer from 0 to {MAX_SEED}, got {seed!r}"))
    bad_resolution_text = False
    if resolution is not None:
        if not isinstance(resolution, str):
            issues.append(
                ("resolution", f"expected a duration text such as '1s' or '1m', got {resolution!r}")
            )
        elif not resolution_ok(resolution):
            bad_resolution_text = True
            issues.append(("resolution", f'got "{resolution}", expected {RESOLUTION_EXPECTED}'))
    if fidelity is not None and fidelity not in FIDELITIES:
        issues.append(("fidelity", f"expected one of {', '.join(FIDELITIES)}, got {fidelity!r}"))
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= MAX_THREADS:
        issues.append(("threads", f"expected an integer from 0 to {MAX_THREADS}, got {threads!r}"))
    return issues, bad_resolution_text


def _raise_for(issues: list[tuple[str, str]], as_scenario_error: bool) -> None:
    """Raises every issue at once: a ScenarioError when the scenario or the resolution text is
    at fault, else a ValueError, one ``argument: message`` line each."""
    if as_scenario_error:
        raise ScenarioError(issues)
    if issues:
        raise ValueError("\n".join(f"{name}: {message}" for name, message in issues))


def run_loaded(
    loaded: _core.Scenario,
    *,
    seed: int | None = None,
    resolution: str | None = None,
    progress: Callable[[float], None] | None = None,
    fidelity: str | None = None,
    threads: int = 0,
) -> Result:
    """Simulates a scenario returned by ``load``; see ``run``."""
    issues, bad_resolution_text = _argument_issues(seed, resolution, fidelity, threads)
    _raise_for(issues, bad_resolution_text)
    if seed is not None:
        seed = check_seed(seed)
    return Result(_core.run_scenario(loaded, seed, resolution, progress, fidelity, threads))


def run(
    scenario: ScenarioLike,
    *,
    seed: int | None = None,
    resolution: str | None = None,
    progress: Callable[[float], None] | None = None,
    fidelity: str | None = None,
    threads: int = 0,
) -> Result:
    """Simulates a scenario and returns its Result. ``seed`` overrides the scenario's seed;
    ``resolution`` ("1s" or "1m") the metric resolution; ``fidelity`` ("exact" or "fast") the
    scenario's ``fidelity`` (docs/design.md, "Fast mode"); ``progress`` is called now and then
    (at most every 50 ms of wall time) with the simulated fraction done (0..1), and with 1.0 at
    the end. ``threads`` caps the threads the run uses: 0 (the default) lets fast SDK producers
    draw their batches ahead on a second thread where the machine has two or more cores, 1 keeps
    the run on the calling thread; the result is the same either way (README, "Fidelity"); any
    other value than an integer from 0 to 2**32 - 1 raises ValueError, as does a ``seed`` that
    is not an integer from 0 to 2**64 - 1.
    Every problem with the arguments and the scenario is raised at once, arguments first: a
    ScenarioError when the scenario or the ``resolution`` text is at fault (its ``issues``
    name the argument, e.g. ``("seed", "expected an integer ...")``, or the JSON path), else a
    ValueError with one ``argument: message`` line per problem.
    Ctrl-C raises KeyboardInterrupt within a second, however slow the simulation."""
    issues, bad_resolution_text = _argument_issues(seed, resolution, fidelity, threads)
    try:
        loaded = load(scenario)
    except ScenarioError as error:
        if not issues:
            raise
        raise ScenarioError(issues + error.issues) from None
    _raise_for(issues, bad_resolution_text)
    return run_loaded(
        loaded,
        seed=seed,
        resolution=resolution,
        progress=progress,
        fidelity=fidelity,
        threads=threads,
    )
