"""Running scenarios from Python: ``kinesim.run`` and ``kinesim.validate``.

A scenario is a dict (the JSON document), a path to a JSON file, or JSON text. Relative trace
files resolve against the scenario file's folder (the current folder for dicts and text).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any, Union

from . import _core

ScenarioLike = Union[dict, str, "os.PathLike[str]"]

# The most threads a run may be given (``threads``, ``--threads``): the core takes a 32-bit count.
MAX_THREADS = 2**32 - 1


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
            from ._errors import ScenarioError

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
        missing); nothing partial is left behind on failure."""
        self._r.write_outputs(os.fspath(out_dir))
        return Path(out_dir)

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
    if isinstance(threads, bool) or not isinstance(threads, int) or not 0 <= threads <= MAX_THREADS:
        raise ValueError(f"threads: expected an integer from 0 to {MAX_THREADS}, got {threads!r}")
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
    other value than an integer from 0 to 2**32 - 1 raises ValueError.
    Ctrl-C raises KeyboardInterrupt within a second, however slow the simulation."""
    return run_loaded(
        load(scenario),
        seed=seed,
        resolution=resolution,
        progress=progress,
        fidelity=fidelity,
        threads=threads,
    )
