"""Running many simulations: one row per run, in this process or fanned out on Dask.

Sweeps (``kinesim.sweep``) and plans build ``Task`` lists and hand them to ``execute`` (or to a
``Session`` that keeps one cluster open across several calls). A task carries the whole
scenario document as plain data, so it pickles to any worker; each run is deterministic given
(scenario, seed), and rows come back in task order, so the result is the same bit for bit
whichever worker ran what, in whatever order.

Schedulers:

- ``None`` (the default): a Dask ``LocalCluster`` on this machine, one single-threaded worker
  process per core (``workers`` to choose), no dashboard, closed at the end.
- ``"serial"``: every run in this process, one after the other; no Dask.
- ``"HOST:PORT"`` or ``"tcp://HOST:PORT"`` (any Dask address): an existing Dask cluster, e.g.
  ``dask scheduler`` on one machine and ``dask worker tcp://HOST:8786`` on each, every worker
  with kinesim (the same version) installed.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Union

from ._figures import figures

Row = dict[str, Any]
Progress = Union[bool, Callable[[int, int], None]]

#: The scheduler name that runs every task in this process.
SERIAL = "serial"


@dataclass(frozen=True)
class Task:
    """One run: a scenario document (knobs already applied), the folder its relative trace
    files resolve against, the seed, and the knob values that label its row (in order)."""

    scenario: dict[str, Any]
    base_dir: str
    seed: int
    knobs: dict[str, Any] = field(default_factory=dict)


def run_task(task: Task, keep_summary: bool = False) -> Row:
    """Runs one task and returns its row: ``{**knobs, "seed", every figure of
    kinesim._figures.FIGURES (None where it does not apply), "headline", "error"}``, plus
    ``"summary"`` (summary.json as a dict) when ``keep_summary``.

    Never raises for a failed run: any exception (an invalid scenario, a trace row that does not
    parse, an internal error) gives the same row with every figure and the headline None and
    ``"error": "<ExceptionType>: message"`` (and ``"summary": None``)."""
    from . import _core  # imported here: workers unpickle this function before anything else

    row: Row = {**task.knobs, "seed": task.seed}
    try:
        loaded = _core.load_scenario(json.dumps(task.scenario), task.base_dir)
        # One thread per run: the sweep already runs as many at once as there are cores.
        result = _core.run_scenario(loaded, task.seed, None, None, None, 1)
        summary = json.loads(result.summary_json())
        row.update(figures(summary))
        row["headline"] = result.headline()
        row["error"] = None
    except Exception as error:
        summary = None
        row.update(dict.fromkeys(_figure_names()))
        row["headline"] = None
        row["error"] = _describe(error)
    if keep_summary:
        row["summary"] = summary
    return row


def _figure_names() -> list[str]:
    from ._figures import FIGURES

    return list(FIGURES)


def _describe(error: BaseException) -> str:
    name = type(error).__name__
    return f"{name}: {error}" if str(error) else name


def _failed_row(task: Task, error: BaseException, keep_summary: bool) -> Row:
    row: Row = {**task.knobs, "seed": task.seed}
    row.update(dict.fromkeys(_figure_names()))
    row["headline"] = None
    row["error"] = _describe(error)
    if keep_summary:
        row["summary"] = None
    return row


def check_scheduler(scheduler: str | None, workers: int | None) -> None:
    """Raises ValueError (naming the argument) for a scheduler or worker count that cannot be
    used: ``workers`` must be a whole number >= 1 and applies only to the local cluster; an
    address must not be empty."""
    if workers is not None:
        if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
            raise ValueError(f"workers: expected a whole number >= 1, got {workers!r}")
        if scheduler is not None:
            raise ValueError(
                f"workers: applies only to the local cluster (scheduler None), not to "
                f"scheduler {scheduler!r}"
            )
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        raise ValueError(
            f"scheduler: expected None, {SERIAL!r} or a Dask address HOST:PORT, got {scheduler!r}"
        )
    if scheduler is not None and scheduler.strip() != SERIAL:
        problem = address_problem(scheduler)
        if problem:
            raise ValueError(f"scheduler: {scheduler!r}: {problem}")


def address_problem(scheduler: str) -> str | None:
    """Why ``scheduler`` (an address, not "serial") cannot be a Dask scheduler's address, or
    None: checked by Dask's own parser before anything connects."""
    from distributed.comm import parse_address, parse_host_port

    try:
        scheme, location = parse_address(_address(scheduler))
        if scheme in ("tcp", "tls", "ws", "wss"):
            host, port = parse_host_port(location)
            if not host or any(c.isspace() for c in host):
                raise ValueError(f"no host name in {location!r}")
            if not 1 <= port <= 65535:
                raise ValueError(f"port {port} is not 1..65535")
    except ValueError as error:
        return f"expected a Dask address HOST:PORT or tcp://HOST:PORT ({error})"
    return None


def _address(scheduler: str) -> str:
    scheduler = scheduler.strip()
    return scheduler if "://" in scheduler else f"tcp://{scheduler}"


class _Bar:
    """Progress as runs complete: a rich bar on stderr, a caller's callable, or nothing."""

    def __init__(self, progress: Progress, total: int) -> None:
        self.total = total
        self.done = 0
        self.callback: Callable[[int, int], None] | None = None
        self.bar: Any = None
        if callable(progress):
            self.callback = progress
        elif progress:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(
                TextColumn("runs"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeRemainingColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("runs", total=total)

    def step(self) -> None:
        self.done += 1
        if self.callback is not None:
            self.callback(self.done, self.total)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


class Session:
    """Keeps one scheduler open across several ``execute`` calls.

    ``with Session(scheduler=None, workers=2) as s: rows = s.execute(tasks)``. The scheduler is
    as in the module's docstring; ``workers`` (local cluster only) defaults to
    ``os.cpu_count()``. Raises ValueError for a bad scheduler or worker count when constructed,
    and OSError (or TimeoutError) on entering when a scheduler address cannot be reached."""

    def __init__(self, scheduler: str | None = None, workers: int | None = None) -> None:
        check_scheduler(scheduler, workers)
        self.scheduler = scheduler
        self.workers = workers
        self._cluster: Any = None
        self._client: Any = None

    @property
    def serial(self) -> bool:
        return self.scheduler is not None and self.scheduler.strip() == SERIAL

    @property
    def parallelism(self) -> int:
        """How many runs go at once: 1 serially, the local cluster's workers, or the threads of
        an existing cluster's workers (at least 1)."""
        if self.serial:
            return 1
        if self.scheduler is None:
            return self.workers or os.cpu_count() or 1
        if self._client is None:
            return 1
        return max(1, sum(self._client.nthreads().values()))

    def __enter__(self) -> Session:
        if self.serial:
            return self
        import distributed

        if self.scheduler is None:
            self._cluster = distributed.LocalCluster(
                n_workers=self.workers or os.cpu_count() or 1,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                # No dashboard; the scheduler's HTTP endpoints on a free port, not 8787.
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0"},
                silence_logs=logging.CRITICAL,  # failed runs are rows; closing is noisy
            )
            self._client = distributed.Client(self._cluster, set_as_default=False)
        else:
            self._client = distributed.Client(
                _address(self.scheduler), timeout=10, set_as_default=False
            )
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Closes the client and the local cluster (if this session started one)."""
        if self._client is not None:
            self._client.close()
            self._client = None
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None

    def execute(
        self, tasks: Sequence[Task], *, progress: Progress = False, keep_summary: bool = False
    ) -> list[Row]:
        """Runs every task; returns their rows (see ``run_task``) in task order. ``progress``:
        True for a bar on stderr (runs done / total), or a callable given (done, total) after
        each run completes."""
        tasks = list(tasks)
        bar = _Bar(progress, len(tasks))
        try:
            if self.serial:
                rows = []
                for task in tasks:
                    rows.append(run_task(task, keep_summary))
                    bar.step()
                return rows
            if self._client is None:
                raise RuntimeError("Session.execute outside its with block")
            return self._execute_dask(tasks, bar, keep_summary)
        finally:
            bar.close()

    def _execute_dask(self, tasks: list[Task], bar: _Bar, keep_summary: bool) -> list[Row]:
        import distributed

        futures = self._client.map(run_task, tasks, keep_summary=keep_summary, pure=False)
        index = {future.key: i for i, future in enumerate(futures)}
        rows: list[Row | None] = [None] * len(tasks)
        try:
            for future in distributed.as_completed(futures, loop=self._client.loop):
                i = index[future.key]
                try:
                    rows[i] = future.result()
                except distributed.KilledWorker as error:
                    # The run took its worker down (a crash, memory): that run failed, not
                    # the sweep.
                    rows[i] = _failed_row(tasks[i], error, keep_summary)
                bar.step()
        finally:
            for future in futures:
                future.release()
        return [row for row in rows if row is not None]


def execute(
    tasks: Sequence[Task],
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Progress = False,
    keep_summary: bool = False,
) -> list[Row]:
    """Runs every task on a scheduler opened for this call and closed after it (a one-shot
    ``Session``); returns their rows in task order. See ``Session`` and ``run_task``."""
    with Session(scheduler=scheduler, workers=workers) as session:
        return session.execute(tasks, progress=progress, keep_summary=keep_summary)
