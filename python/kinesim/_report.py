"""report.html: one self-contained page per run (and plan) to look at.

The page holds everything inline: CSS in a <style> element and every chart as inline SVG drawn
by ``kinesim._plot``; no script, no external URL. The same run gives the same bytes: SVG ids are
salted with a constant, dates left out, and every id is prefixed with its chart's name so the
charts' ids cannot collide in one page. Written to a temporary file beside the target and
renamed into place.
"""

from __future__ import annotations

import html
import io
import json
import os
import re
import secrets
from pathlib import Path
from typing import Any

from . import _plot
from ._plot import NoData, RunData

#: Colours of findings by severity.
SEVERITY_COLOURS = {"error": "#b00020", "warning": "#b36b00", "info": "#1f5fa8"}

_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2rem auto;
max-width:1100px;padding:0 1rem;color:#222;line-height:1.4}
h1{margin-bottom:.2rem}h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.meta{color:#555}.headline{font-size:1.15rem;font-weight:600}
ul.findings{list-style:none;padding:0}
ul.findings li{border-left:6px solid;padding:.3rem .6rem;margin:.3rem 0;background:#fafafa}
.severity{font-weight:700;text-transform:uppercase;font-size:.8rem;margin-right:.4rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #ddd;padding:.25rem .6rem;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}
figure.chart{margin:1rem 0}figure.chart svg{max-width:100%;height:auto}
.skipped{color:#666;font-style:italic}
.feasible{color:#1b7a1b}.infeasible{color:#b00020}
"""


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def svg(fig: Any, prefix: str) -> str:
    """A Figure as an inline <svg> element: deterministic bytes, ids prefixed by ``prefix``."""
    from matplotlib import rc_context

    buf = io.StringIO()
    with rc_context({"svg.hashsalt": "kinesim", "svg.fonttype": "none"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]
    # The RDF block names its vocabularies by URL; nothing in the page should point outside.
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, flags=re.DOTALL)
    text = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    text = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{prefix}-\1"', text)
    return text


def _chart(name: str, title: str, fig: Any) -> str:
    return (
        f'<figure class="chart" id="chart-{name}" data-chart="{name}">'
        f"<figcaption><h3>{_e(title)}</h3></figcaption>{svg(fig, name)}</figure>\n"
    )


def _num(value: Any, digits: int = 0) -> str:
    """A number with thousands separators; ``-`` for a missing one."""
    if value is None:
        return "-"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return f"{value:,.{digits}f}"
    return _e(value)


def _duration(seconds: float) -> str:
    """``1h30m``, ``10m``, ``45s``: as scenarios write durations."""
    whole = round(seconds)
    h, rest = divmod(whole, 3600)
    m, sec = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{sec}s" if sec else "")
    return text or "0s"


def _key_figures(summary: dict[str, Any]) -> str:
    r = summary.get("records", {})
    s = summary.get("stream", {})
    rows = [
        ("records produced", r.get("produced"), "user records"),
        ("records accepted", r.get("accepted"), "user records"),
        ("failed after exhausting attempts", r.get("failed_attempts_exhausted"), "user records"),
        ("failed: buffer full", r.get("failed_buffer_full"), "user records"),
        ("failed: expired (RecordTtl)", r.get("failed_expired"), "user records"),
        ("rejected: too large", r.get("rejected_too_large"), "user records"),
        ("lost: rotated away unread", r.get("lost"), "user records"),
        ("pending at the end", r.get("pending"), "user records"),
        ("write entries offered", s.get("offered_entries"), "entries (Kinesis records)"),
        ("write entries throttled", s.get("throttled_entries"), "entries (Kinesis records)"),
    ]
    out = ['<table class="key-figures"><tr><th>figure</th><th>value</th><th>unit</th></tr>']
    for label, value, unit in rows:
        if value is not None:
            out.append(
                f'<tr><td>{_e(label)}</td><td class="num">{_num(value)}</td>'
                f"<td>{_e(unit)}</td></tr>"
            )
    if "throttled_fraction" in s:
        out.append(
            '<tr><td>write entries throttled</td><td class="num">'
            f"{float(s['throttled_fraction']) * 100:.2f}</td><td>% of entries offered</td></tr>"
        )
    out.append("</table>")
    modes = summary.get("cost", {}).get("modes") or []
    if modes:
        out.append('<table class="cost"><tr><th>capacity mode</th><th>cost</th><th>unit</th></tr>')
        for m in modes:
            mark = " (simulated)" if m.get("simulated") else ""
            out.append(
                f"<tr><td>{_e(m['mode'])}{mark}</td>"
                f'<td class="num">{_num(m["per_month"], 2)}</td><td>USD per month</td></tr>'
            )
        out.append("</table>")
    return "\n".join(out)


def _findings(summary: dict[str, Any]) -> str:
    items = summary.get("findings") or []
    if not items:
        return '<p class="findings">No findings.</p>'
    out = ['<ul class="findings">']
    for f in items:
        colour = SEVERITY_COLOURS.get(f.get("severity", ""), "#555")
        out.append(
            f'<li class="finding {_e(f.get("severity", ""))}" style="border-color:{colour}">'
            f'<span class="severity" style="color:{colour}">{_e(f.get("severity", ""))}</span>'
            f"{_e(f.get('message', ''))}</li>"
        )
    out.append("</ul>")
    return "\n".join(out)


def _sizing(summary: dict[str, Any]) -> str:
    sizing = summary.get("sizing")
    if not sizing:
        return ""
    out = ['<section id="sizing"><h2>Sizing</h2>']
    if sizing.get("comparison"):
        out.append(f'<p class="comparison">{_e(sizing["comparison"])}</p>')
    if sizing.get("formula"):
        out.append(f"<p>Formula: <code>{_e(sizing['formula'])}</code></p>")
    rows = [
        ("records/s", "records_per_sec", "records/s"),
        ("write", "write_kib_per_sec", "KiB/s"),
        ("read", "read_kib_per_sec", "KiB/s"),
        ("shards for the formula", "shards", "shards"),
    ]
    out.append("<table><tr><th>load</th><th>mean</th><th>peak</th><th>unit</th></tr>")
    for label, key, unit in rows:
        mean = sizing.get("mean", {}).get(key)
        peak = sizing.get("peak", {}).get(key)
        out.append(
            f'<tr><td>{_e(label)}</td><td class="num">{_num(mean)}</td>'
            f'<td class="num">{_num(peak)}</td><td>{_e(unit)}</td></tr>'
        )
    out.append("</table></section>")
    return "\n".join(out)


def _plan_section(plan: dict[str, Any]) -> str:
    out = ['<section id="plan"><h2>Plan</h2>']
    if plan.get("headline"):
        out.append(f'<p class="headline">{_e(plan["headline"])}</p>')
    objectives = plan.get("objectives") or []
    if objectives:
        out.append("<p>Objectives:</p><ul>")
        for o in objectives:
            text = o.get("text", "") if isinstance(o, dict) else o
            out.append(f"<li><code>{_e(text)}</code></li>")
        out.append("</ul>")
    best = plan.get("best") or {}
    if best:
        out.append(
            '<table class="best"><tr><th>capacity mode</th><th>feasible</th><th>shards</th>'
            "<th>cost (USD per month)</th><th>settings or reason</th></tr>"
        )
        for mode, b in best.items():
            ok = bool(b.get("feasible"))
            detail = (
                ", ".join(f"{k}={v}" for k, v in (b.get("knobs") or {}).items())
                if ok
                else b.get("reason", "")
            )
            out.append(
                f"<tr><td>{_e(mode)}</td>"
                f'<td class="{"feasible" if ok else "infeasible"}">{"yes" if ok else "no"}</td>'
                f'<td class="num">{_num(_plot.plan_shards(b))}</td>'
                f'<td class="num">{_num(b.get("cost_per_month"), 2)}</td>'
                f"<td>{_e(detail)}</td></tr>"
            )
        out.append("</table>")
    formula = plan.get("formula") or {}
    if formula:
        out.append(
            f"<p>Formula: {_e(formula.get('shards', ''))} shards. "
            f"{_e(formula.get('explanation', ''))}</p>"
        )
    try:
        out.append(_chart("plan", "Cost against shard count", _plot.plan(plan)))
    except NoData as why:
        out.append(f'<p class="skipped">No plan chart: {_e(why)}.</p>')
    candidates = plan.get("candidates") or []
    if candidates:
        out.append(
            '<table class="candidates"><tr><th>capacity mode</th><th>shards</th>'
            "<th>feasible</th><th>cost (USD per month)</th><th>objectives missed</th></tr>"
        )
        for c in candidates:
            ok = bool(c.get("feasible"))
            if c.get("feasible") is None and "feasible" in c:  # met the seeds run, not needed
                verdict = '<td class="feasible">met on the seeds run</td>'
            else:
                css = "feasible" if ok else "infeasible"
                verdict = f'<td class="{css}">{"yes" if ok else "no"}</td>'
            out.append(
                f"<tr><td>{_e(c.get('mode', ''))}</td>"
                f'<td class="num">{_num(_plot.plan_shards(c))}</td>'
                f"{verdict}"
                f'<td class="num">{_num(c.get("cost_per_month"), 2)}</td>'
                f"<td>{_e('; '.join(c.get('failed') or []))}</td></tr>"
            )
        out.append("</table>")
    out.append("</section>")
    return "\n".join(out)


def render(data: RunData | None, plan: dict[str, Any] | None = None) -> str:
    """The report page as text: the run's section (if ``data``) then the plan's (if ``plan``).
    Charts a run has no data for are left out and listed as not shown, with the reason."""
    if data is None and plan is None:
        raise ValueError("a report needs run data, a plan, or both")
    if data is not None:
        title = data.name
    else:
        title = str((plan or {}).get("scenario", {}).get("name", "plan"))
    body: list[str] = [f"<h1>kinesim: {_e(title)}</h1>"]
    if data is not None:
        s = data.summary
        stream = s.get("stream", {})
        body.append(
            f'<p class="meta">{_duration(data.duration_s)} simulated, seed '
            f"{_e(s['scenario'].get('seed', ''))}, metrics per {_duration(data.resolution_s)}; "
            f"stream {_e(stream.get('name', ''))} ({_e(stream.get('mode', ''))}, "
            f"{_e(stream.get('shards', {}).get('initial', ''))} shards at the start)</p>"
        )
        fidelity = s.get("fidelity", {})
        if fidelity.get("requested") == "fast":
            modes = "; ".join(
                f"{name} {m['mode']}" + (f" ({m['note']})" if m.get("note") else "")
                for name, m in fidelity.get("producers", {}).items()
            )
            body.append(f'<p class="meta">fidelity: fast asked; {_e(modes)}</p>')
        body.append(f'<p class="headline">{_e(s.get("headline", ""))}</p>')
        body.append('<section id="findings"><h2>Findings</h2>')
        body.append(_findings(s))
        body.append("</section>")
        body.append('<section id="key-figures"><h2>Key figures</h2>')
        body.append(_key_figures(s))
        body.append("</section>")
        body.append('<section id="charts"><h2>Charts</h2>')
        skipped = []
        for name, chart_title in _plot.RUN_CHARTS:
            try:
                fig = getattr(_plot, name)(data)
            except NoData as why:
                skipped.append(f"{chart_title}: {why}")
                continue
            body.append(_chart(name, chart_title, fig))
        if skipped:
            body.append('<p class="skipped">Not shown: ' + _e("; ".join(skipped)) + ".</p>")
        body.append("</section>")
        body.append(_sizing(s))
    if plan is not None:
        body.append(_plan_section(plan))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>kinesim report: {_e(title)}</title><style>{_CSS}</style></head>\n<body>\n"
        + "\n".join(body)
        + "\n</body></html>\n"
    )


def _atomic_write(path: Path, text: str) -> None:
    """Writes ``text`` to a temporary file beside ``path``, then renames it into place."""
    tmp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # os.open with 0o666 keeps the usual permissions (umask applied), unlike mkstemp's 0o600.
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_report(
    data: RunData | None, path: str | os.PathLike[str], plan: dict[str, Any] | None = None
) -> Path:
    """Writes report.html for ``data`` (and ``plan``) to ``path``; returns the path."""
    target = Path(path)
    _atomic_write(target, render(data, plan))
    return target


#: Keys that make a JSON object a plan document (plan.json, ``Plan.to_dict()``).
PLAN_KEYS = ("headline", "scenario", "objectives", "modes", "best", "candidates")


def read_plan(path: str | os.PathLike[str]) -> dict[str, Any]:
    """A plan document (plan.json) as a dict; raises OSError, or ValueError naming the key
    whose shape is not a plan's or the keys of a plan it lacks."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError("a plan document is a JSON object")
    shapes = [("candidates", list, dict), ("objectives", list, None), ("best", dict, dict)]
    for key, outer, inner in shapes:
        value = doc.get(key)
        if value is None:
            continue
        if not isinstance(value, outer):
            raise ValueError(f"plan.json: {key!r} is not a JSON {outer.__name__}")
        items = value.values() if isinstance(value, dict) else value
        if inner is not None and not all(isinstance(item, inner) for item in items):
            raise ValueError(f"plan.json: every entry of {key!r} is a JSON object")
    for c in doc.get("candidates") or []:
        if not isinstance(c.get("cost_per_month", 0) or 0, (int, float)):
            raise ValueError("plan.json: a candidate's 'cost_per_month' is not a number")
    # Keys every plan.json of `kinesim plan` has and the plan section reads.
    missing = [key for key in PLAN_KEYS if key not in doc]
    if missing:
        raise ValueError(f"plan.json is not a kinesim plan (no {', '.join(missing)})")
    return doc


def report(
    source: Any = None,
    path: str | os.PathLike[str] | None = None,
    plan: dict[str, Any] | str | os.PathLike[str] | None = None,
) -> Path:
    """Writes report.html and returns its path.

    ``source`` is a ``Result`` or a folder written by ``kinesim run`` (or ``None`` for a
    plan-only report). ``path`` defaults to ``<folder>/report.html`` for a folder, and is
    required otherwise (ValueError). ``plan`` is a plan document (dict) or the path of a
    plan.json; for a folder without ``plan``, the folder's plan.json is used if there is one,
    and a folder with plan.json but no summary.json gives a plan-only report. A source that is
    not a folder raises FileNotFoundError; unreadable outputs raise OSError or ValueError.
    """
    from ._run import Result

    data: RunData | None
    if isinstance(source, Result):
        data = RunData.from_result(source)
    elif source is None:
        data = None
    else:
        folder = Path(source)
        if not folder.is_dir():
            raise FileNotFoundError(f"{str(folder)!r} is not a folder")
        # A folder with plan.json alone (a plan's outputs) gives a plan-only report.
        alone = not (folder / "summary.json").exists() and (folder / "plan.json").is_file()
        data = None if alone else RunData.from_dir(folder)
        if path is None:
            path = folder / "report.html"
        if plan is None and (folder / "plan.json").is_file():
            plan = folder / "plan.json"
    if path is None:
        raise ValueError("path is required unless source is an output folder")
    if plan is not None and not isinstance(plan, dict):
        plan = read_plan(plan)
    return write_report(data, path, plan)
