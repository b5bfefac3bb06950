"""Charts of a run: matplotlib Figures for notebooks, ``Result.plot`` and report.html.

Every chart is one function taking a ``RunData`` and returning a ``matplotlib.figure.Figure``
built without pyplot (no global state: safe in threads and Dask workers). ``RunData`` reads the
same tables from a ``Result`` in memory (``RunData.from_result``) or from a folder written by
``kinesim run`` (``RunData.from_dir``): the CSV text is the same in both, so the charts are too.

Rates are per second of the time each bucket covered: the bucket's sum divided by the seconds
of it inside the run and, for a shard, inside the shard's life (created_s to closed_s), so a
shard opened halfway through a bucket is not diluted. A chart whose data the run does not have
raises ``NoData`` (a ``ValueError``) naming what is missing.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from ._run import Result

#: Per-shard write limits (records/s and bytes/s) the throughput charts draw as lines.
SHARD_RECORDS_PER_SEC = 1000.0
SHARD_BYTES_PER_SEC = 1024.0 * 1024.0
MIB = 1024.0 * 1024.0
#: Shards drawn one by one in the throughput chart; the others become a median and a band.
HOTTEST_SHARDS_DRAWN = 4
#: Keys drawn in the hot-keys chart.
HOT_KEYS_DRAWN = 10

#: The CSV files a run folder holds, by table name.
TABLE_FILES = {
    "stream": "metrics_stream.csv",
    "shards": "metrics_shards.csv",
    "producers": "metrics_producers.csv",
    "consumers": "metrics_consumers.csv",
    "timeline": "timeline.csv",
}


class NoData(ValueError):
    """The run has no data for this chart (e.g. no consumers for ``consumers``)."""


class Table:
    """A CSV table: ``column(name)`` as a float array (empty cells NaN), ``text(name)`` as str."""

    def __init__(self, text: str) -> None:
        rows = list(csv.reader(io.StringIO(text)))
        self.header: list[str] = rows[0] if rows else []
        self.rows: list[list[str]] = [r for r in rows[1:] if r]
        self._groups: dict[str, dict[str, Table]] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def has(self, name: str) -> bool:
        return name in self.header

    def text(self, name: str) -> list[str]:
        i = self.header.index(name)
        return [r[i] for r in self.rows]

    def column(self, name: str) -> np.ndarray:
        return np.array([float(v) if v != "" else math.nan for v in self.text(name)])

    def where(self, name: str, value: str) -> Table:
        """The rows whose column ``name`` equals ``value``."""
        return self.groups(name).get(value) or self._sub([])

    def groups(self, name: str) -> dict[str, Table]:
        """The rows split by the value of column ``name``, in order of first appearance (one
        pass, kept: the shard and consumer tables are read per shard and per consumer)."""
        cached = self._groups.get(name)
        if cached is None:
            i = self.header.index(name)
            rows: dict[str, list[list[str]]] = {}
            for r in self.rows:
                rows.setdefault(r[i], []).append(r)
            cached = {value: self._sub(part) for value, part in rows.items()}
            self._groups[name] = cached
        return cached

    def _sub(self, rows: list[list[str]]) -> Table:
        sub = Table("")
        sub.header = self.header
        sub.rows = rows
        return sub


@dataclass
class RunData:
    """What the charts read: summary.json as a dict and the CSV tables of one run (a table is
    None when the run has none: ``consumers`` without consumers). ``RunData.from_dir(folder)``
    reads a folder written by ``kinesim run``; ``.plot`` gives its charts as ``Result.plot``
    does (``kinesim.RunData.from_dir("out/hot-key").plot.throughput()``)."""

    summary: dict[str, Any]
    tables: dict[str, Table | None] = field(default_factory=dict)

    @classmethod
    def from_result(cls, result: Result) -> RunData:
        core = result._r
        texts = {
            "stream": core.metrics_stream_csv(),
            "shards": core.metrics_shards_csv(),
            "producers": core.metrics_producers_csv(),
            "consumers": core.metrics_consumers_csv() if result.summary.get("consumers") else "",
            "timeline": core.timeline_csv(),
        }
        return cls(result.summary, {k: Table(v) if v else None for k, v in texts.items()})

    @classmethod
    def from_dir(cls, path: str | os.PathLike[str]) -> RunData:
        """Reads summary.json and the CSVs present in a folder written by ``kinesim run``;
        raises OSError / ValueError if summary.json is missing or not JSON."""
        folder = Path(path)
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        scenario = summary.get("scenario") if isinstance(summary, dict) else None
        if not isinstance(scenario, dict) or not all(
            isinstance(scenario.get(k), (int, float)) for k in ("duration_s", "resolution_s")
        ):
            raise ValueError(
                "summary.json is not a kinesim summary (no scenario.duration_s and resolution_s)"
            )
        tables: dict[str, Table | None] = {}
        for name, file in TABLE_FILES.items():
            f = folder / file
            tables[name] = Table(f.read_text(encoding="utf-8")) if f.is_file() else None
        return cls(summary, tables)

    @property
    def plot(self) -> PlotAccessor:
        """The run charts of this data, as ``Result.plot`` offers them."""
        return PlotAccessor(self)

    # --- the run's clock -------------------------------------------------------------------
    @property
    def name(self) -> str:
        return str(self.summary["scenario"]["name"])

    @property
    def duration_s(self) -> float:
        return float(self.summary["scenario"]["duration_s"])

    @property
    def resolution_s(self) -> float:
        return float(self.summary["scenario"]["resolution_s"])

    def table(self, name: str) -> Table:
        t = self.tables.get(name)
        if t is None or len(t) == 0:
            raise NoData(f"the run has no {TABLE_FILES[name]} rows")
        return t

    def coverage(self, starts: np.ndarray, begin: float = 0.0, end: float | None = None) -> Any:
        """Seconds of each bucket (starting at ``starts``) inside [begin, end) and the run."""
        stop = self.duration_s if end is None else min(end, self.duration_s)
        lo = np.maximum(starts, begin)
        hi = np.minimum(starts + self.resolution_s, stop)
        return np.clip(hi - lo, 0.0, None)

    def buckets(self) -> np.ndarray:
        """Start of every bucket of the run, in seconds."""
        n = math.ceil(self.duration_s / self.resolution_s - 1e-9)
        return np.arange(n) * self.resolution_s

    def shard_rates(self, metric: str) -> dict[str, np.ndarray]:
        """Per shard, ``metric`` per second of each bucket of the run (NaN where the shard did
        not exist), in shard-id order."""
        table = self.table("shards")
        if not table.has(metric):
            raise NoData(f"metrics_shards.csv has no {metric} column")
        starts = self.buckets()
        lives = {s["shard_id"]: s for s in self.summary.get("shards", [])}
        out: dict[str, np.ndarray] = {}
        groups = table.groups("shard_id")
        for shard in sorted(groups):
            rows = groups[shard]
            index = np.rint(rows.column("time_s") / self.resolution_s).astype(int)
            life = lives.get(shard, {})
            covered = self.coverage(
                starts, float(life.get("created_s") or 0.0), life.get("closed_s")
            )
            rate = np.full(len(starts), math.nan)
            values = rows.column(metric)
            seconds = covered[index]
            rate[index] = np.where(seconds > 0, values / np.where(seconds > 0, seconds, 1), 0.0)
            out[shard] = rate
        return out

    def time_axis(self) -> tuple[float, str]:
        """(seconds per unit, unit name) for time axes: hours for runs of 6 h or more, minutes
        for runs of 10 min or more, else seconds."""
        if self.duration_s >= 6 * 3600:
            return 3600.0, "h"
        if self.duration_s >= 600:
            return 60.0, "min"
        return 1.0, "s"


def _blank(width: float, height: float) -> Figure:
    """A Figure of its own, without pyplot: nothing global, safe in any thread."""
    from matplotlib import figure

    return figure.Figure(figsize=(width, height), layout="constrained")


def _figure(rows: int = 1, height: float = 3.2, width: float = 9.0) -> tuple[Figure, list[Any]]:
    fig = _blank(width, height * rows)
    axes = fig.subplots(rows, 1, squeeze=False)[:, 0]
    return fig, list(axes)


def _steps(ax: Any, data: RunData, values: np.ndarray, **style: Any) -> Any:
    """Draws per-bucket values as steps from each bucket's start to its end; the line's y data
    are the values, then the last one repeated at the run's end."""
    per, _ = data.time_axis()
    starts = data.buckets()[: len(values)]
    x = np.append(starts, min(starts[-1] + data.resolution_s, data.duration_s)) / per
    (line,) = ax.plot(x, np.append(values, values[-1]), drawstyle="steps-post", **style)
    return line


def _time_label(ax: Any, data: RunData) -> None:
    ax.set_xlabel(f"time into the run ({data.time_axis()[1]})")
    ax.set_xlim(0, data.duration_s / data.time_axis()[0])


def throughput(data: RunData) -> Figure:
    """Accepted writes per shard over time: records/s and MiB/s (two panels) against the
    per-shard limits (1,000 records/s, 1 MiB/s). The hottest shards (by peak records/s) are
    drawn one by one; the others as their median and min-max band."""
    records = data.shard_rates("IncomingRecords")
    mib = {k: v / MIB for k, v in data.shard_rates("IncomingBytes").items()}
    hottest = sorted(records, key=lambda s: (-np.nanmax(records[s]), s))[:HOTTEST_SHARDS_DRAWN]
    rest = [s for s in records if s not in hottest]
    fig, (top, bottom) = _figure(2)
    panels = [
        (top, records, SHARD_RECORDS_PER_SEC, "records/s", "1,000 records/s"),
        (bottom, mib, SHARD_BYTES_PER_SEC / MIB, "MiB/s", "1 MiB/s"),
    ]
    for ax, series, limit, unit, limit_label in panels:
        if rest:
            stack = np.vstack([series[s] for s in rest])
            with warnings.catch_warnings():  # buckets where none of them existed stay NaN
                warnings.simplefilter("ignore", RuntimeWarning)
                lo, hi = np.nanmin(stack, axis=0), np.nanmax(stack, axis=0)
                median = np.nanmedian(stack, axis=0)
            per, _ = data.time_axis()
            starts = data.buckets()
            x = np.append(starts, min(starts[-1] + data.resolution_s, data.duration_s)) / per
            ax.fill_between(
                x,
                np.append(lo, lo[-1]),
                np.append(hi, hi[-1]),
                step="post",
                color="0.8",
                label=f"other {len(rest)} shards: min to max",
            )
            _steps(ax, data, median, color="0.45", label=f"other {len(rest)} shards: median")
        for shard in hottest:
            _steps(ax, data, series[shard], label=shard, linewidth=1.3)
        ax.axhline(limit, color="crimson", linestyle="--", label=f"shard limit {limit_label}")
        ax.set_ylabel(f"accepted writes ({unit})")
        ax.set_ylim(bottom=0)
        _time_label(ax, data)
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    top.set_title(f"Write throughput per shard (records/s), per {_res(data)} bucket")
    bottom.set_title("Write throughput per shard (MiB/s)")
    return fig


def _res(data: RunData) -> str:
    r = data.resolution_s
    return f"{r / 60:g} min" if r >= 60 else f"{r:g} s"


def throttling_heatmap(data: RunData) -> Figure:
    """Throttled write entries per second, shard by bucket (blank where a shard did not exist).
    Raises NoData when no write was throttled."""
    rates = data.shard_rates("WriteProvisionedThroughputExceeded")
    if not any(np.nansum(v) > 0 for v in rates.values()):
        raise NoData("no write was throttled")
    shards = list(rates)
    grid = np.ma.masked_invalid(np.vstack([rates[s] for s in shards]))
    per, unit = data.time_axis()
    fig, (ax,) = _figure(1, height=min(9.0, max(2.5, 0.28 * len(shards) + 1.5)))
    ax.set_facecolor("0.85")  # shards that did not exist in a bucket: grey, not zero
    image = ax.imshow(
        grid,
        aspect="auto",
        interpolation="nearest",
        cmap="Reds",
        extent=(0, len(data.buckets()) * data.resolution_s / per, len(shards) - 0.5, -0.5),
        vmin=0,
    )
    step = max(1, math.ceil(len(shards) / 30))
    ax.set_yticks(range(0, len(shards), step))
    ax.set_yticklabels(shards[::step], fontsize="small")
    ax.set_ylabel("shard")
    ax.set_xlabel(f"time into the run ({unit})")
    ax.set_title(
        f"Throttled write entries per shard (entries/s), per {_res(data)} bucket; "
        "grey: shard not open"
    )
    fig.colorbar(image, ax=ax, label="throttled entries/s")
    return fig


_PERCENTILES = [("p50", "p50"), ("p90", "p90"), ("p99", "p99"), ("p99_9", "p99.9"), ("max", "max")]


def _percentile_bars(ax: Any, groups: Sequence[tuple[str, dict[str, Any]]], unit: str) -> None:
    width = 0.8 / max(1, len(groups))
    for g, (name, stats) in enumerate(groups):
        xs = np.arange(len(_PERCENTILES)) + (g - (len(groups) - 1) / 2) * width
        values = [float(stats.get(key) or 0.0) for key, _ in _PERCENTILES]
        ax.bar(xs, values, width, label=name)
    ax.set_xticks(range(len(_PERCENTILES)))
    ax.set_xticklabels([label for _, label in _PERCENTILES])
    # A log scale only where the values span more than a factor of 20 (a tail of retries).
    values = [float(s.get(k) or 0.0) for _, s in groups for k, _ in _PERCENTILES]
    positive = [v for v in values if v > 0]
    if positive and max(positive) > 20 * min(positive):
        ax.set_yscale("log")
    ax.set_ylabel(f"latency ({unit})")
    ax.legend(fontsize="small")


def put_latency(data: RunData) -> Figure:
    """Put latency (record creation to acceptance) percentiles per producer, in ms, from the
    summary; below it the PutRecords / PutRecord request latency over time (bucket average, ms)
    from metrics_stream.csv."""
    groups = [
        (p["name"], p["put_latency_ms"])
        for p in data.summary.get("producers", [])
        if p.get("put_latency_ms", {}).get("count", 0) > 0
    ]
    if not groups:
        raise NoData("no producer had a record accepted")
    stream = data.tables.get("stream")
    series = [c for c in ("PutRecords.Latency", "PutRecord.Latency") if stream and stream.has(c)]
    series = [c for c in series if np.any(np.isfinite(stream.column(c)))]  # type: ignore[union-attr]
    fig, axes = _figure(2 if series else 1)
    _percentile_bars(axes[0], groups, "ms")
    axes[0].set_title("Put latency per producer, creation to acceptance (ms)")
    if series:
        ax = axes[1]
        for c in series:
            _steps(ax, data, stream.column(c), label=f"{c} (request average)")  # type: ignore[union-attr]
        ax.set_ylabel("request latency (ms)")
        ax.set_ylim(bottom=0)
        _time_label(ax, data)
        ax.legend(fontsize="small")
        ax.set_title(f"Put request latency over time (ms), average per {_res(data)} bucket")
    return fig


#: Timeline actions about capacity (and the autoscaler's decisions): solid lines; others dotted.
_CAPACITY_ACTIONS = {"update_shard_count", "split", "merge", "switch_mode", "capacity", "autoscale"}


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "\u2026"


def capacity(data: RunData) -> Figure:
    """Open shards over time (summary ``capacity``, exact times) with every timeline entry
    marked at its time and labelled ``action outcome``: reshards, mode switches, the
    autoscaler's decisions, consumer events."""
    per, _ = data.time_axis()
    spans = data.summary.get("capacity") or []
    fig, (ax,) = _figure(1, height=3.8)
    if spans:
        xs = [s["from_s"] / per for s in spans] + [spans[-1]["to_s"] / per]
        ys = [s["open_shards"] for s in spans] + [spans[-1]["open_shards"]]
        ax.plot(xs, ys, drawstyle="steps-post", color="navy", label="open shards")
        modes = []
        for s in spans:
            if not modes or modes[-1][0] != s["mode"]:
                modes.append((s["mode"], s["from_s"]))
        for mode, start in modes:
            ax.annotate(
                mode, (start / per, 0), xytext=(2, 2), textcoords="offset points", fontsize="small"
            )
    else:
        stream = data.table("stream")
        if not stream.has("OpenShardCount"):
            raise NoData("no capacity spans and no OpenShardCount series")
        _steps(ax, data, stream.column("OpenShardCount"), color="navy", label="open shards")
    top = max([s["open_shards"] for s in spans] or [1])
    events = data.summary.get("timeline") or []
    for i, e in enumerate(events):
        x = float(e["time_s"]) / per
        solid = e["action"] in _CAPACITY_ACTIONS
        ax.axvline(x, color="darkorange" if solid else "0.5", linestyle="-" if solid else ":")
        ax.annotate(
            _shorten(f"{e['action']}: {e['outcome']}", 48),
            (x, top * (1.25 - 0.08 * (i % 4))),
            xytext=(2, 0),
            textcoords="offset points",
            rotation=0,
            fontsize="x-small",
            color="0.2",
        )
    ax.set_ylim(0, top * 1.35 + 0.5)
    ax.set_ylabel("open shards (shards)")
    _time_label(ax, data)
    ax.set_title(f"Capacity: open shards over time, with {len(events)} timeline entries marked")
    ax.legend(fontsize="small", loc="lower right")
    return fig


def hot_keys(data: RunData) -> Figure:
    """The hottest keys of all producers (summary ``hottest_keys``): offered records/s and
    MiB/s (mean over the run), each labelled with the shard it routes to, against the shard
    limits."""
    keys = [
        (k, p["name"]) for p in data.summary.get("producers", []) for k in p.get("hottest_keys", [])
    ]
    if not keys:
        raise NoData("no producer reports its hottest keys (random keys)")
    keys.sort(key=lambda kp: (-float(kp[0]["offered_records_per_sec"]), kp[0]["key"]))
    keys = keys[:HOT_KEYS_DRAWN]
    labels = [f"{k['key']} -> {k['shard_id']}" for k, _ in keys][::-1]
    fig = _blank(10, max(2.8, 0.35 * len(keys) + 1.4))
    left, right = fig.subplots(1, 2, sharey=True)
    for ax, field_, scale, limit, unit, limit_label in [
        (left, "offered_records_per_sec", 1.0, SHARD_RECORDS_PER_SEC, "records/s", "1,000/s"),
        (right, "offered_bytes_per_sec", MIB, SHARD_BYTES_PER_SEC / MIB, "MiB/s", "1 MiB/s"),
    ]:
        values = [float(k[field_]) / scale for k, _ in keys][::-1]
        colours = ["crimson" if v > limit else "steelblue" for v in values]
        ax.barh(range(len(values)), values, color=colours)
        ax.axvline(limit, color="crimson", linestyle="--", label=f"shard limit {limit_label}")
        ax.set_xlabel(f"offered, mean over the run ({unit})")
        ax.legend(fontsize="small", loc="lower right")
    left.set_yticks(range(len(labels)))
    left.set_yticklabels(labels, fontsize="small")
    left.set_ylabel("key -> shard")
    left.set_title("Hottest keys: offered records/s")
    right.set_title("Hottest keys: offered MiB/s")
    return fig


def cost(data: RunData) -> Figure:
    """Monthly cost (USD per month, 730 h) per capacity mode, stacked by component, from
    summary ``cost.modes``; the run's own mode is marked 'simulated'."""
    modes = data.summary.get("cost", {}).get("modes") or []
    if not modes:
        raise NoData("the summary has no cost.modes")
    names: list[str] = []
    for m in modes:
        for c in m.get("components", []):
            if c["per_month"] > 0 and c["name"] not in names:
                names.append(c["name"])
    fig, (ax,) = _figure(1, height=3.8)
    bottoms = np.zeros(len(modes))
    for name in names:
        values = np.array(
            [
                sum(c["per_month"] for c in m.get("components", []) if c["name"] == name)
                for m in modes
            ]
        )
        ax.bar(range(len(modes)), values, bottom=bottoms, label=name)
        bottoms += values
    for i, m in enumerate(modes):
        ax.annotate(
            f"${m['per_month']:,.2f}", (i, bottoms[i]), ha="center", va="bottom", fontsize="small"
        )
    ax.set_xticks(range(len(modes)))
    ax.set_xticklabels([m["mode"] + (" (simulated)" if m.get("simulated") else "") for m in modes])
    ax.set_ylabel("cost (USD per month)")
    ax.set_ylim(0, max(bottoms.max(), 1e-9) * 1.15)
    ax.set_title("Monthly cost by capacity mode and component (USD per month)")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return fig


def consumers(data: RunData) -> Figure:
    """Consumers: lag over time (MillisBehindLatest max per consumer and the stream's
    GetRecords iterator age max, in s), records processed per second per consumer, and
    end-to-end latency percentiles per consumer (creation to processed, ms)."""
    summary = data.summary.get("consumers") or []
    if not summary:
        raise NoData("the scenario has no consumers")
    table = data.table("consumers")
    fig, (lag, rate, latency) = _figure(3)
    starts = data.buckets()
    seconds = data.coverage(starts)
    for name, rows in table.groups("consumer").items():
        index = np.rint(rows.column("time_s") / data.resolution_s).astype(int)
        behind = np.full(len(starts), math.nan)
        behind[index] = rows.column("MillisBehindLatestMax") / 1000.0
        _steps(lag, data, behind, label=f"{name}: MillisBehindLatest max")
        processed = np.full(len(starts), math.nan)
        processed[index] = rows.column("RecordsProcessed") / seconds[index]
        _steps(rate, data, processed, label=name)
    stream = data.tables.get("stream")
    if stream is not None and stream.has("GetRecords.IteratorAgeMilliseconds"):
        _steps(
            lag,
            data,
            stream.column("GetRecords.IteratorAgeMilliseconds") / 1000.0,
            label="stream: GetRecords.IteratorAgeMilliseconds max",
            linestyle="--",
            color="0.4",
        )
    lag.set_ylabel("lag (s)")
    lag.set_title(f"Consumer lag (s), maximum per {_res(data)} bucket")
    rate.set_ylabel("processed (records/s)")
    rate.set_title("Records processed per consumer (records/s, in each consumer's unit)")
    for ax in (lag, rate):
        ax.set_ylim(bottom=0)
        _time_label(ax, data)
        ax.legend(fontsize="small")
    groups = [
        (c["name"], c["end_to_end_latency_ms"])
        for c in summary
        if c.get("end_to_end_latency_ms", {}).get("count", 0) > 0
    ]
    _percentile_bars(latency, groups, "ms")
    latency.set_title("End-to-end latency per consumer, creation to processed (ms)")
    return fig


def plan_shards(candidate: dict[str, Any]) -> int | None:
    """A plan candidate's shard count: its ``shards``, else its ``stream.shards`` knob, else
    None (on-demand)."""
    shards = candidate.get("shards")
    if shards is None:
        shards = (candidate.get("knobs") or {}).get("stream.shards")
    return None if shards is None else int(shards)


def plan(plan_doc: dict[str, Any]) -> Figure:
    """A plan's candidates: monthly cost (USD per month) against shard count, one colour per
    capacity mode, feasible candidates as dots, infeasible ones as crosses, each mode's best as
    a star, the formula's shard count as a vertical line. Candidates without a shard count
    (on-demand) are horizontal lines at their cost."""
    candidates = plan_doc.get("candidates") or []
    if not candidates:
        raise NoData("the plan has no candidates")
    fig, (ax,) = _figure(1, height=4.0)
    colours = {}
    palette = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown"]
    for mode in list(plan_doc.get("modes") or []) + [c.get("mode") for c in candidates]:
        if mode not in colours:
            colours[mode] = palette[len(colours) % len(palette)]
    for mode, colour in colours.items():
        mine = [c for c in candidates if c.get("mode") == mode and c.get("cost_per_month")]
        placed = [c for c in mine if plan_shards(c) is not None]
        # feasible: verified on every seed; None: met every objective on the seeds run,
        # not needed further (hollow); False: failed.
        for feasible, marker, label in [
            (True, "o", "feasible"),
            (None, "o", "met on the first seed, not needed further"),
            (False, "x", "infeasible"),
        ]:
            pts = [c for c in placed if c.get("feasible") is feasible]
            if pts:
                hollow = {"facecolors": "none", "edgecolors": colour}
                ax.scatter(
                    [plan_shards(c) for c in pts],
                    [c["cost_per_month"] for c in pts],
                    marker=marker,
                    label=f"{mode}: {label}",
                    **(hollow if feasible is None else {"color": colour}),
                )
        for c in mine:
            if plan_shards(c) is None:
                ax.axhline(
                    c["cost_per_month"],
                    color=colour,
                    linestyle="-" if c.get("feasible") else ":",
                    label=f"{mode} ({'feasible' if c.get('feasible') else 'infeasible'})",
                )
        best = (plan_doc.get("best") or {}).get(mode) or {}
        if best.get("feasible") and plan_shards(best) is not None:
            ax.scatter(
                [plan_shards(best)],
                [best["cost_per_month"]],
                marker="*",
                s=220,
                color=colour,
                edgecolor="black",
                zorder=5,
                label=f"{mode}: best",
            )
    formula = (plan_doc.get("formula") or {}).get("shards")
    if formula is not None:
        ax.axvline(
            formula,
            color="0.3",
            linestyle="--",
            label=f"formula: {formula} shard{'' if formula == 1 else 's'}",
        )
    from matplotlib.ticker import MaxNLocator

    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("shard count")
    ax.set_ylabel("cost (USD per month)")
    ax.set_ylim(0, max(float(c.get("cost_per_month") or 0.0) for c in candidates) * 1.15 + 1e-9)
    # The figure's title, not the axes': the legend beside the axes narrows them, and a title
    # centred over them ran off the figure's left edge ("n: monthly cost ...").
    fig.suptitle("Plan: monthly cost against shard count (USD per month), feasibility marked")
    # One legend entry per label: several knob combinations of a mode share its entries.
    handles: dict[str, Any] = {}
    for handle, label in zip(*ax.get_legend_handles_labels()):
        handles.setdefault(label, handle)
    ax.legend(
        handles.values(),
        handles.keys(),
        fontsize="small",
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
    )
    return fig


#: The run charts, in report order: (function name, title in the report).
RUN_CHARTS = [
    ("throughput", "Write throughput per shard"),
    ("throttling_heatmap", "Throttling by shard and time"),
    ("put_latency", "Put latency"),
    ("capacity", "Capacity and timeline"),
    ("hot_keys", "Hottest keys"),
    ("cost", "Cost per month"),
    ("consumers", "Consumers"),
]


class PlotAccessor:
    """``result.plot``: each run chart as a method returning a matplotlib Figure."""

    def __init__(self, data: RunData) -> None:
        self._data = data

    def throughput(self) -> Figure:
        return throughput(self._data)

    def throttling_heatmap(self) -> Figure:
        return throttling_heatmap(self._data)

    def put_latency(self) -> Figure:
        return put_latency(self._data)

    def capacity(self) -> Figure:
        return capacity(self._data)

    def hot_keys(self) -> Figure:
        return hot_keys(self._data)

    def cost(self) -> Figure:
        return cost(self._data)

    def consumers(self) -> Figure:
        return consumers(self._data)
