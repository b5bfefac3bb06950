"""The ``kinesim`` command line.

Exit codes follow DESIGN.md: 0 success, 2 invalid input (the message names the argument),
1 internal failure; 130 when Ctrl-C stops it. Each subcommand is one ``_cmd_*`` function
registered in ``_parser``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TextIO

from . import __version__, _run
from ._errors import ScenarioError
from ._keys import hash_key
from ._shard_map import ShardMap

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_INVALID = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report a process stopped by Ctrl-C
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as shells report a process whose reader went away

#: Keys routed by ``kinesim shards`` when none is given.
DEMO_KEYS = tuple(f"user-{i}" for i in range(1, 9))


class InvalidInput(Exception):
    """Bad user input: one message per problem (arguments first, then the scenario's), each
    naming the argument; every one is printed."""

    def __init__(self, *messages: str) -> None:
        super().__init__("\n".join(messages))
        self.messages = list(messages)


def _threads(value: str, problems: list[str]) -> int:
    """--threads: an integer from 0 to 2**32 - 1; else a problem, listed with the others."""
    try:
        n = _run.parse_whole(value)
    except ValueError:
        n = -1
    if not 0 <= n <= _run.MAX_THREADS:
        problems.append(f"--threads {value!r}: expected an integer from 0 to {_run.MAX_THREADS}")
        return 0
    return n


def _fidelity(value: str | None, problems: list[str]) -> str | None:
    """--fidelity: exact or fast; else a problem, listed with the others."""
    if value is not None and value not in _run.FIDELITIES:
        problems.append(f"--fidelity {value!r}: expected one of {', '.join(_run.FIDELITIES)}")
        return None
    return value


class _OpAction(argparse.Action):
    """Collects --split / --merge / --update-shard-count into one list, in command-line order,
    because resharding results depend on the order of operations."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        ops = list(getattr(namespace, self.dest) or [])
        ops.append((option_string, values))
        setattr(namespace, self.dest, ops)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kinesim",
        description="Deterministic simulator of Amazon Kinesis Data Streams.",
    )
    parser.add_argument("--version", action="version", version=f"kinesim {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.required = True

    shards = commands.add_parser(
        "shards",
        help="show a stream's shard map and where keys route",
        description="Create a stream of N shards (as CreateStream does), apply reshard "
        "operations in the order given, print the shard map and route keys.",
    )
    shards.add_argument("n", metavar="N", help="shard count at creation (1 ... 10000)")
    shards.add_argument(
        "--key",
        action="append",
        default=[],
        metavar="KEY",
        help=f"partition key to route (repeatable; default: {DEMO_KEYS[0]} ... {DEMO_KEYS[-1]})",
    )
    shards.add_argument(
        "--explicit-hash-key",
        action="append",
        default=[],
        metavar="EHK",
        help="explicit hash key (decimal) to route (repeatable)",
    )
    shards.add_argument(
        "--split",
        action=_OpAction,
        dest="ops",
        metavar="SHARD_ID:HASHKEY",
        help="SplitShard at NewStartingHashKey HASHKEY (repeatable)",
    )
    shards.add_argument(
        "--merge",
        action=_OpAction,
        dest="ops",
        metavar="A:B",
        help="MergeShards A with its adjacent shard B (repeatable)",
    )
    shards.add_argument(
        "--update-shard-count",
        action=_OpAction,
        dest="ops",
        metavar="M",
        help="UpdateShardCount to M open shards (repeatable)",
    )
    shards.add_argument("--json", action="store_true", help="print JSON instead of tables")
    shards.set_defaults(handler=_cmd_shards, ops=[])

    run = commands.add_parser(
        "run",
        help="simulate a scenario and write its results",
        description="Simulate SCENARIO (a JSON file, see docs/scenarios.md) and write "
        "summary.json, metrics_stream.csv, metrics_shards.csv, metrics_producers.csv, "
        "metrics_consumers.csv (in runs with consumers) and timeline.csv into --out, replacing "
        "the outputs of an earlier run there; print a short summary naming the main problem.",
    )
    run.add_argument("scenario", metavar="SCENARIO", help="scenario JSON file")
    run.add_argument(
        "--out", metavar="DIR", help="output folder (default: kinesim-out/<scenario name>)"
    )
    run.add_argument("--seed", metavar="N", help="override the scenario's seed")
    run.add_argument(
        "--resolution",
        metavar="DURATION",
        help='metric resolution, e.g. "1s" (default: the '
        "scenario's output.resolution, 1 minute unless set)",
    )
    run.add_argument(
        "--fidelity",
        metavar="{exact,fast}",
        help="override the scenario's fidelity: exact draws every record, fast draws whole "
        'batches in distribution (README, "Fidelity")',
    )
    run.add_argument(
        "--threads",
        default="0",
        metavar="N",
        help="at most N threads (default 0: fast SDK producers draw their batches ahead on a "
        'second thread where the machine has two or more cores; 1: one thread; README, "Fidelity")',
    )
    run.add_argument("--quiet", action="store_true", help="no progress bar, no summary")
    run.add_argument(
        "--report",
        action="store_true",
        help="also write report.html (findings, key figures, charts; self-contained) into --out",
    )
    run.set_defaults(handler=_cmd_run)

    report = commands.add_parser(
        "report",
        help="build report.html from the outputs of `kinesim run`",
        description="Build one self-contained report.html (findings, key figures, charts as "
        "inline SVG, sizing; no script, no external link) from OUTDIR, a folder written by "
        "`kinesim run`. If OUTDIR holds plan.json (from `kinesim plan`), a plan section is "
        "added; a folder with plan.json and no summary.json gives a plan-only report.",
    )
    report.add_argument("outdir", metavar="OUTDIR", help="folder written by `kinesim run`")
    report.add_argument(
        "--out", metavar="FILE", help="where to write the report (default: OUTDIR/report.html)"
    )
    report.set_defaults(handler=_cmd_report)

    validate = commands.add_parser(
        "validate",
        help="check a scenario without running it",
        description="Check SCENARIO: every problem is listed with its JSON path, the value "
        "found and what was expected. Exit code 0 if valid, 2 if not.",
    )
    validate.add_argument("scenario", metavar="SCENARIO", help="scenario JSON file")
    validate.set_defaults(handler=_cmd_validate)

    plan = commands.add_parser(
        "plan",
        help="find the cheapest configuration meeting objectives, per capacity mode",
        description="Search configurations of SCENARIO (the shard count, and optionally other "
        "knobs) for the cheapest one meeting every objective on every seed, per capacity mode, "
        "verifying each by simulation; write plan.json into --out and print the plan.",
    )
    plan.add_argument("scenario", metavar="SCENARIO", help="scenario JSON file")
    plan.add_argument(
        "--slo",
        action="append",
        default=[],
        metavar="OBJECTIVE",
        help='objective FIGURE OP VALUE, e.g. "throttled<=0.1%%", "put_latency_p99<=1s", '
        '"lost==0" (repeatable; default: throttled<=0.1%% and lost==0; README lists the figures)',
    )
    plan.add_argument(
        "--modes",
        action="append",  # to refuse a second --modes, not to join them
        metavar="MODES",
        help="capacity modes to plan, comma-separated, given once (default: "
        "provisioned,on-demand,advantage)",
    )
    plan.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KNOB[=VALUES]",
        help="also vary aggregation (KPL, true,false), retrieval (polling,fanout) or retention "
        "(hours, default 24,168); repeatable; the shard count always varies",
    )
    plan.add_argument("--seeds", default="3", metavar="N", help="seeds per candidate (default 3)")
    plan.add_argument(
        "--budget", default="10m", metavar="DURATION", help="wall-time budget (default 10m)"
    )
    plan.add_argument(
        "--max-shards", metavar="N", help="largest shard count tried (default max(64, 8 x given))"
    )
    plan.add_argument(
        "--fidelity",
        metavar="{exact,fast}",
        help='run every candidate in this fidelity (default: the scenario\'s; README, "Fidelity")',
    )
    _add_scheduler_arguments(plan)
    plan.add_argument(
        "--out", metavar="DIR", help="output folder (default: kinesim-out/<scenario name>)"
    )
    plan.add_argument(
        "--report",
        action="store_true",
        help="also run the cheapest feasible configuration once (first seed) into --out and "
        "write report.html with the plan",
    )
    plan.add_argument("--quiet", action="store_true", help="no progress, no printed plan")
    plan.set_defaults(handler=_cmd_plan)
    _add_sweep_parser(commands)
    return parser


def _add_scheduler_arguments(parser: argparse.ArgumentParser) -> None:
    """Where the runs of a sweep or a plan go (python/kinesim/_runner.py)."""
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help='a Dask scheduler address (HOST:PORT or tcp://HOST:PORT), or "serial" for this '
        "process only (default: a local Dask cluster)",
    )
    parser.add_argument(
        "--workers",
        metavar="N",
        help="worker processes of the local cluster, 1..1024 (default: one per core)",
    )


def _kinesis_call(argument: str, call: Any, *args: Any) -> Any:
    try:
        return call(*args)
    except ValueError as error:  # KinesisError, and e.g. keys that are not valid Unicode
        raise InvalidInput(f"{argument}: {error}") from error


def _two_parts(option: str, value: str, what: str) -> tuple[str, str]:
    first, sep, second = value.partition(":")
    if not sep or not first or not second:
        raise InvalidInput(f"{option} {value!r}: expected {what}")
    return first, second


def _cmd_shards(args: argparse.Namespace, out: TextIO) -> int:
    try:
        n = _run.parse_whole(args.n)
    except ValueError:
        raise InvalidInput(f"N {args.n!r}: expected a whole number of shards") from None
    stream = _kinesis_call(f"N {args.n!r}", ShardMap.uniform, n)

    operations: list[dict[str, Any]] = []
    for option, value in args.ops:
        where = f"{option} {value!r}"
        if option == "--split":
            shard_id, key = _two_parts(option, value, "SHARD_ID:HASHKEY")
            children = _kinesis_call(where, stream.split, shard_id, key)
            operations.append(
                {
                    "kind": "split",
                    "shard": shard_id,
                    "new_starting_hash_key": key,
                    "children": list(children),
                }
            )
        elif option == "--merge":
            first, second = _two_parts(option, value, "SHARD_ID:ADJACENT_SHARD_ID")
            child = _kinesis_call(where, stream.merge, first, second)
            operations.append(
                {"kind": "merge", "shard": first, "adjacent_shard": second, "children": [child]}
            )
        else:
            try:
                target = _run.parse_whole(value)
            except ValueError:
                raise InvalidInput(f"{where}: expected a whole number of shards") from None
            for op in _kinesis_call(where, stream.update_shard_count, target):
                step = op.to_dict()
                step["children"] = list(op.children)
                if op.new_starting_hash_key is not None:
                    step["new_starting_hash_key"] = str(op.new_starting_hash_key)
                step = {k: v for k, v in step.items() if v is not None}
                operations.append({**step, "via": f"update_shard_count {target}"})

    # Keys are independent of one another: every bad one is listed.
    routes: list[dict[str, Any]] = []
    bad_keys: list[str] = []
    keys = args.key or ([] if args.explicit_hash_key else list(DEMO_KEYS))
    for key in keys:
        where = f"--key {key!r}"
        try:
            routes.append(
                {
                    "partition_key": key,
                    "hash_key": str(_kinesis_call(where, hash_key, key)),
                    "shard_id": _kinesis_call(where, stream.route, key),
                }
            )
        except InvalidInput as error:
            bad_keys += error.messages
    for ehk in args.explicit_hash_key:
        where = f"--explicit-hash-key {ehk!r}"
        try:
            shard_id = _kinesis_call(where, stream.route, None, ehk)
        except InvalidInput as error:
            bad_keys += error.messages
            continue
        routes.append({"explicit_hash_key": ehk, "hash_key": ehk, "shard_id": shard_id})
    if bad_keys:
        raise InvalidInput(*bad_keys)

    shards = [
        {
            "shard_id": s.shard_id,
            "start": str(s.start),
            "end": str(s.end),
            "parent": s.parent,
            "adjacent_parent": s.adjacent_parent,
            "open": s.open,
        }
        for s in stream.shards
    ]
    if args.json:
        json.dump(
            {
                "open_shard_count": len(stream),
                "shards": shards,
                "operations": operations,
                "routes": routes,
            },
            out,
            indent=2,
        )
        out.write("\n")
        return EXIT_OK

    _table(
        out,
        ["shard_id", "start", "end", "parent", "adjacent_parent", "open"],
        [
            [
                s["shard_id"],
                s["start"],
                s["end"],
                s["parent"] or "-",
                s["adjacent_parent"] or "-",
                "yes" if s["open"] else "no",
            ]
            for s in shards
        ],
        right={"start", "end"},
    )
    if routes:
        out.write("\n")
        _table(
            out,
            ["key", "hash_key", "shard_id"],
            [
                [
                    r.get("partition_key", f"EHK {r.get('explicit_hash_key')}"),
                    r["hash_key"],
                    r["shard_id"],
                ]
                for r in routes
            ],
            right={"hash_key"},
        )
    return EXIT_OK


def _scenario_issues(error: ScenarioError, scenario: str) -> InvalidInput:
    lines = "\n".join(f"  {path}: {message}" for path, message in error.issues)
    return InvalidInput(f"{scenario} is not a valid scenario:\n{lines}")


def _cmd_validate(args: argparse.Namespace, out: TextIO) -> int:
    try:
        name = _run.validate(Path(args.scenario))
    except ScenarioError as error:
        raise _scenario_issues(error, args.scenario) from None
    out.write(f"{args.scenario}: scenario {name!r} is valid\n")
    return EXIT_OK


class _Progress:
    """A progress bar on stderr for runs that take more than about a second of wall time."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.start = time.monotonic()
        self.bar: Any = None
        self.task: Any = None

    def __call__(self, done: float) -> None:
        if not self.enabled:
            return
        if self.bar is None:
            if time.monotonic() - self.start < 1.0:
                return
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(
                TextColumn("simulating"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeRemainingColumn(),
                # On stderr, the terminal it was enabled for, whatever stdout is.
                console=Console(file=sys.stderr),
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("run", total=1.0)
        self.bar.update(self.task, completed=done)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.stop()


def _out_dir_problem(out: str | Path) -> str | None:
    """What is wrong with ``out`` as an output folder, or None when it is a folder, or can
    be made one, that we can write in: checked before the run, so that a bad --out costs
    nothing. Leaves nothing behind."""
    if str(out) == "":
        return "--out '': expected a folder path (leave --out out for the default)"
    out_dir = Path(out)
    where = f"--out {str(out_dir)!r}"
    if out_dir.exists() and not out_dir.is_dir():
        return f"{where}: exists and is not a folder"
    # The nearest folder that exists: the results go there, or into folders made in it.
    existing = out_dir
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{where}: {str(existing)!r} is not a folder"
    try:
        # What writing the results does: make a folder there and a file in it.
        with tempfile.TemporaryDirectory(dir=existing, prefix=".kinesim-check-") as probe:
            (Path(probe) / "summary.json").write_bytes(b"")
    except OSError as error:
        reason = error.strerror or str(error)
        return f"{where}: cannot write in {str(existing)!r}: {reason}"
    return None


def _default_out(
    name: str, problems: list[str], check: Callable[[Path], str | None], file: str = ""
) -> Path:
    """The default output, kinesim-out/<scenario name>[/file], checked by ``check`` before any
    work; a name that is not a single folder name ("..", or with a slash) is a problem too."""
    folder = Path("kinesim-out") / name
    if name in ("", ".", "..") or any(c in name for c in "/\\\0"):
        problems.append(
            f"the scenario's name {name!r} cannot name a folder of kinesim-out; give --out"
        )
        return folder
    out = folder / file if file else folder
    if problem := check(out):
        problems.append(problem)
    return out


def _with_scenario_issues(problems: list[str], error: ScenarioError, scenario: str) -> InvalidInput:
    """The argument problems, then the scenario's, as one InvalidInput to raise."""
    return InvalidInput(*problems, *_scenario_issues(error, scenario).messages)


def _cmd_run(args: argparse.Namespace, out: TextIO) -> int:
    # Every problem of the arguments and of the scenario at once, before the run.
    problems: list[str] = []
    seed = None
    if args.seed is not None:
        try:
            seed = _run.check_seed(_run.parse_whole(args.seed))
        except ValueError:
            problems.append(f"--seed {args.seed!r}: expected an integer 0 ... 2**64-1")
    fidelity = _fidelity(args.fidelity, problems)
    threads = _threads(args.threads, problems)
    if args.resolution is not None and not _run.resolution_ok(args.resolution):
        problems.append(f"--resolution {args.resolution!r}: expected {_run.RESOLUTION_EXPECTED}")
    if args.out is not None:
        problem = _out_dir_problem(args.out)
        if problem:
            problems.append(problem)
    if args.report:
        try:
            import matplotlib  # noqa: F401  (checked before the run, not after)
        except ImportError:
            problems.append("--report: needs matplotlib (pip install matplotlib)")
    # Read and checked once: SCENARIO may be a pipe (/dev/stdin, <(...)).
    try:
        scenario = _run.load(Path(args.scenario))
    except ScenarioError as error:
        raise _with_scenario_issues(problems, error, args.scenario) from None
    if args.out:
        out_dir = Path(args.out)
    else:
        out_dir = _default_out(scenario.name, problems, _out_dir_problem)
    if problems:
        raise InvalidInput(*problems)
    progress = _Progress(enabled=not args.quiet and sys.stderr.isatty())
    try:
        result = _run.run_loaded(
            scenario,
            seed=seed,
            resolution=args.resolution,
            progress=progress,
            fidelity=fidelity,
            threads=threads,
        )
    except ScenarioError as error:
        raise _scenario_issues(error, args.scenario) from None
    finally:
        progress.close()

    def fill(folder: Path) -> None:
        result.write_files(folder)
        if args.report:
            from ._report import report

            report(result, folder / "report.html")

    try:
        # Into a temporary folder beside it that replaces an earlier run's outputs (a plan.json
        # there stays).
        _run.write_folder(out_dir, fill, replaces=_run.RUN_OUTPUT_FILES)
    except OSError as error:
        raise InvalidInput(f"--out {str(out_dir)!r}: cannot write the results: {error}") from None
    if not args.quiet:
        out.write(str(result))
        written = "summary.json, metrics_*.csv, timeline.csv" + (
            ", report.html" if args.report else ""
        )
        out.write(f"\nresults in {out_dir}/ ({written})\n")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace, out: TextIO) -> int:
    from ._plot import RunData
    from ._report import read_plan, write_report

    folder = Path(args.outdir)
    where = f"OUTDIR {args.outdir!r}"
    if not folder.is_dir():
        raise InvalidInput(f"{where}: expected a folder written by `kinesim run`; not a folder")
    has_summary = (folder / "summary.json").is_file()
    has_plan = (folder / "plan.json").is_file()
    if not has_summary and not has_plan:
        raise InvalidInput(
            f"{where}: expected a folder written by `kinesim run`; no summary.json (nor plan.json)"
        )
    data = None
    if has_summary:
        try:
            data = RunData.from_dir(folder)
        except (OSError, ValueError, KeyError, IndexError) as error:
            raise InvalidInput(f"{where}: cannot read its outputs: {error}") from None
    plan = None
    if has_plan:
        try:
            plan = read_plan(folder / "plan.json")
        except (OSError, ValueError) as error:
            raise InvalidInput(f"{where}: cannot read plan.json: {error}") from None
    if args.out == "":
        raise InvalidInput("--out '': expected a file path (leave --out out for the default)")
    target = Path(args.out) if args.out else folder / "report.html"
    if target.is_dir():
        raise InvalidInput(
            f"--out {str(target)!r} is a folder: expected the page's file path, such as "
            f"{str(target / 'report.html')!r}"
        )
    if not target.parent.is_dir():
        raise InvalidInput(f"--out {str(target)!r}: expected a file path in an existing folder")
    try:
        write_report(data, target, plan)
    except OSError as error:
        raise InvalidInput(f"--out {str(target)!r}: cannot write the report: {error}") from None
    out.write(f"report in {target}\n")
    return EXIT_OK


def _positive_int(option: str, value: str | None, upper: int, issues: list[str]) -> int | None:
    """A whole number 1..upper from an option, or None (absent, or wrong: added to issues)."""
    if value is None:
        return None
    try:
        number = _run.parse_whole(value)
    except ValueError:
        number = 0
    if not 1 <= number <= upper:
        issues.append(f"{option} {value!r}: expected a whole number 1 ... {upper:,}")
        return None
    return number


def _scheduler_problems(args: argparse.Namespace, workers: int | None, problems: list[str]) -> None:
    """--scheduler and --workers (sweep and plan): an address Dask cannot parse, or a local
    cluster's worker count with another scheduler."""
    from . import _runner, _sweep

    scheduler = args.scheduler
    if scheduler is not None and not scheduler.strip():
        problems.append(f'--scheduler {scheduler!r}: expected a Dask address HOST:PORT or "serial"')
    elif (
        scheduler is not None
        and scheduler.strip() != _runner.SERIAL
        and (problem := _sweep.address_problem(scheduler))
    ):
        problems.append(f"--scheduler {scheduler!r}: {problem}")
    if workers is not None and scheduler is not None and scheduler.strip():
        problems.append(
            f"--workers {args.workers!r}: applies only to the local cluster, not with "
            f"--scheduler {scheduler!r}"
        )


def _open_session(scheduler: str | None, workers: int | None) -> Any:
    """The runner's session for a sweep or a plan, entered: a scheduler address that does not
    answer is the user's input, named."""
    from . import _runner

    session = _runner.Session(scheduler=scheduler, workers=workers)
    if scheduler is None or session.serial:
        session.__enter__()
        return session
    try:
        session.__enter__()
    except (OSError, TimeoutError, ValueError) as error:
        session.close()
        raise InvalidInput(f"--scheduler {scheduler!r}: cannot connect: {error}") from None
    return session


def _cmd_plan(args: argparse.Namespace, out: TextIO) -> int:
    from ._plan import DEFAULT_OBJECTIVES, PlanError, check_request, plan
    from ._sweep import MAX_WORKERS

    issues: list[str] = []
    seeds = _positive_int("--seeds", args.seeds, 1000, issues)
    max_shards = _positive_int("--max-shards", args.max_shards, 10_000, issues)
    workers = _positive_int("--workers", args.workers, MAX_WORKERS, issues)
    _scheduler_problems(args, workers, issues)
    if args.out is not None:
        problem = _out_dir_problem(args.out)
        if problem:
            issues.append(problem)
    modes = args.modes or ["provisioned,on-demand,advantage"]
    if len(modes) > 1:
        issues.append(
            f"--modes given {len(modes)} times ({', '.join(map(repr, modes))}): give every mode "
            f"in one comma-separated list, e.g. --modes {','.join(modes)}"
        )
    request = {
        "modes": [m.strip() for m in ",".join(modes).split(",") if m.strip()],
        "vary": args.vary,
        "seeds": seeds or 3,
        "budget": args.budget,
        "max_shards": max_shards,
        "fidelity": args.fidelity,
    }
    objectives = args.slo or DEFAULT_OBJECTIVES
    scenario_error = None
    try:
        scenario_name = _run.validate(Path(args.scenario))
    except ScenarioError as error:
        scenario_error = error
    # Every problem of the request at once, before any run: with a bad scenario, those that
    # do not depend on it.
    try:
        if scenario_error is None:
            plan(Path(args.scenario), objectives, **request, _check_only=True)
        else:
            check_request(objectives, **request)
    except PlanError as error:
        issues += [f"{where}: {message}" for where, message in error.issues]
    if scenario_error is None and args.out is None:
        _default_out(scenario_name, issues, _out_dir_problem)
    lines = "\n".join(f"  {issue}" for issue in issues)
    problems = [f"{args.scenario}: cannot plan:\n{lines}"] if issues else []
    if scenario_error is not None:
        raise _with_scenario_issues(problems, scenario_error, args.scenario)
    if problems:
        raise InvalidInput(*problems)
    out_dir = Path(args.out) if args.out else Path("kinesim-out") / scenario_name
    show = not args.quiet and sys.stderr.isatty()

    def progress(what: str) -> None:
        if show:
            print(f"  running {what}", file=sys.stderr)

    session = _open_session(args.scheduler, workers)
    try:
        result = plan(
            Path(args.scenario),
            objectives,
            **request,
            scheduler=args.scheduler,
            workers=workers,
            progress=progress,
            _session=session,
        )
    finally:
        session.close()
    written = "plan.json"
    best = result.best_scenario() if args.report else None
    answer = None
    if best is not None:  # the answer's own charts beside the plan
        answer = _run.run(best, seed=result.to_dict()["seeds"][0])
        written += ", the cheapest configuration's outputs"
    if args.report:
        written += ", report.html"

    def fill(folder: Path) -> None:
        result.write(folder)
        if answer is not None:
            answer.write_files(folder)
        if args.report:
            from ._report import report

            report(folder, folder / "report.html", plan=result.to_dict())

    try:
        # Into a temporary folder beside it. Without --report only plan.json is replaced, so a
        # run's outputs there stay beside it (`kinesim report` then adds the plan's section);
        # with --report the answer's outputs and the page replace a run's too. With nothing
        # feasible there is no answer to replace them with: they stay, and the page (of the plan
        # alone) replaces an earlier one.
        replaces = ("plan.json",)
        if args.report:
            replaces = _run.OUTPUT_FILES if answer is not None else ("plan.json", "report.html")
        _run.write_folder(out_dir, fill, replaces=replaces)
    except OSError as error:
        raise InvalidInput(f"--out {str(out_dir)!r}: cannot write the plan: {error}") from None
    if not args.quiet:
        out.write(str(result))
        out.write(f"\nplan in {out_dir}/ ({written})\n")
    return EXIT_OK


def _add_sweep_parser(commands: Any) -> None:
    sweep = commands.add_parser(
        "sweep",
        help="run a scenario over a grid of settings and seeds, one row per run",
        description="Run SCENARIO once per combination of --set values and seed (seeds "
        "innermost) on a Dask cluster (local by default) and write one row per run: the knob "
        "values, the seed, every figure, the headline and the error of a failed run. "
        'Everything is checked before the first run. See README, "Sweeps".',
    )
    sweep.add_argument("scenario", metavar="SCENARIO", help="scenario JSON file")
    sweep.add_argument(
        "--set",
        action="append",
        default=[],
        dest="knobs",
        metavar="PATH=VALUES",
        help="a knob: a JSON path (stream.shards, producers[0].rate.records_per_sec, "
        "producers[web].instances) and its values: 2..16, 2..16..2 or 1000,2000,4000 "
        "(repeatable; the grid is their product)",
    )
    seeds = sweep.add_mutually_exclusive_group()
    seeds.add_argument(
        "--seeds",
        metavar="N",
        help="run N seeds: the scenario's seed and the N-1 after it (default 1)",
    )
    seeds.add_argument("--seed-list", metavar="S1,S2,...", help="run exactly these seeds")
    _add_scheduler_arguments(sweep)
    sweep.add_argument(
        "--out",
        metavar="FILE",
        help="the table, .csv or .parquet (default: kinesim-out/<scenario name>/sweep.csv)",
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bar, no table")
    sweep.set_defaults(handler=_cmd_sweep)


#: Columns `kinesim sweep` prints after the knobs and the seed.
SWEEP_PRINTED_FIGURES = ("throttled", "put_latency_p99", "lost", "cost_provisioned")
SWEEP_SUFFIXES = (".csv", ".parquet")


def _sweep_seeds(args: argparse.Namespace, problems: list[str]) -> int | list[int] | None:
    """--seeds or --seed-list; None when wrong (added to ``problems``)."""
    from . import _sweep

    if args.seed_list is not None:
        seeds = []
        for item in args.seed_list.split(","):
            try:
                seeds.append(_run.check_seed(_run.parse_whole(item)))
            except ValueError:
                problems.append(
                    f"--seed-list {args.seed_list!r}: {item.strip()!r} is not an integer "
                    "0 ... 2**64-1"
                )
        return None if len(seeds) < len(args.seed_list.split(",")) else seeds
    if args.seeds is None:
        return 1
    try:
        count = _run.parse_whole(args.seeds)
        if not 1 <= count <= _sweep.MAX_SEED_COUNT:
            raise ValueError
    except ValueError:
        problems.append(
            f"--seeds {args.seeds!r}: expected a whole number 1..{_sweep.MAX_SEED_COUNT:,}"
        )
        return None
    return count


def _out_file_problem(out: str | Path) -> str | None:
    """What is wrong with ``out`` as the sweep's table, or None when it has a known suffix
    and a file can be written there (its folder existing or creatable). Leaves nothing
    behind."""
    if str(out) == "":
        return "--out '': expected a file ending in .csv or .parquet"
    path = Path(out)
    where = f"--out {str(path)!r}"
    if path.suffix.lower() not in SWEEP_SUFFIXES:
        return f"{where}: expected a file ending in .csv or .parquet"
    if path.is_dir():
        return f"{where}: is a folder; give a file name ending in .csv or .parquet"
    existing = path.parent
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        return f"{where}: {str(existing)!r} is not a folder"
    try:
        with tempfile.NamedTemporaryFile(dir=existing, prefix=".kinesim-check-"):
            pass
    except OSError as error:
        reason = error.strerror or str(error)
        return f"{where}: cannot write in {str(existing)!r}: {reason}"
    return None


def _write_table(frame: Any, path: Path) -> None:
    """Writes the sweep's table as CSV or Parquet (by suffix) into a temporary file beside
    ``path``, renamed into place: a failed write leaves nothing behind."""
    import os
    import secrets

    path.parent.mkdir(parents=True, exist_ok=True)
    temp = path.parent / f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    # Created with 0o666 less the umask, as the run's files are (mkstemp would give 0o600); the
    # writers below truncate it and keep its mode.
    os.close(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    try:
        if path.suffix.lower() == ".parquet":
            _json_cells(frame).to_parquet(temp, index=False)
        else:
            _json_cells(frame).to_csv(temp, index=False)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _json_cells(frame: Any) -> Any:
    """A knob column of values that are not all strings (objects, lists, or mixed types) as
    JSON text, each value as JSON writes it (a string in quotes, so that 1000 and "1000" stay
    apart): Parquet columns hold one type, and CSV then reads back as JSON too."""
    frame = frame.copy()
    for column in frame.columns:
        if column in ("headline", "error") or frame[column].dtype != object:
            continue
        values = frame[column].tolist()
        if not all(isinstance(v, str) for v in values):
            frame[column] = [json.dumps(v) for v in values]
    return frame


def _cmd_sweep(args: argparse.Namespace, out: TextIO) -> int:
    from . import _figures, _sweep

    # Every problem of the arguments, then of the knobs and the scenario, before any run.
    problems: list[str] = []
    seeds = _sweep_seeds(args, problems)
    workers = _positive_int("--workers", args.workers, _sweep.MAX_WORKERS, problems)
    _scheduler_problems(args, workers, problems)
    scheduler = args.scheduler
    specs = []
    for knob in args.knobs:
        path, sep, _values = knob.partition("=")
        if not sep or not path.strip():
            problems.append(f"--set {knob!r}: expected PATH=VALUES, e.g. stream.shards=2..16")
        else:
            specs.append(knob)
    if args.out is not None:
        problem = _out_file_problem(args.out)
        if problem:
            problems.append(problem)
    try:
        plan = _sweep.prepare(Path(args.scenario), specs, 1 if seeds is None else seeds)
    except ScenarioError as error:  # the scenario file cannot be read
        raise _with_scenario_issues(problems, error, args.scenario) from None
    except _sweep.SweepError as error:
        lines = "\n".join(f"  {problem}" for problem in error.problems)
        raise InvalidInput(*problems, f"{args.scenario}: the sweep cannot run:\n{lines}") from None
    if args.out:
        out_path = Path(args.out)
    else:
        out_path = _default_out(plan.name, problems, _out_file_problem, "sweep.csv")
    if problems:
        raise InvalidInput(*problems)

    session = _open_session(scheduler, workers)
    try:
        rows = session.execute(plan.tasks, progress=not args.quiet and sys.stderr.isatty())
    finally:
        session.close()
    knobs = [k.path for k in plan.knobs]
    frame = _sweep.to_frame(rows, knobs)
    try:
        _write_table(frame, out_path)
    except OSError as error:
        raise InvalidInput(f"--out {str(out_path)!r}: cannot write the table: {error}") from None

    failed = [r for r in rows if r["error"] is not None]
    runs = f"{len(rows)} run" + ("" if len(rows) == 1 else "s")
    if not args.quiet:
        header = [*knobs, "seed", *SWEEP_PRINTED_FIGURES, "error"]
        table = [
            [
                *(json.dumps(r[k]) if not isinstance(r[k], str) else r[k] for k in knobs),
                str(r["seed"]),
                *(_figures.format_value(f, r[f]) for f in SWEEP_PRINTED_FIGURES),
                r["error"] or "",
            ]
            for r in rows
        ]
        _table(out, header, table, right={"seed", *SWEEP_PRINTED_FIGURES})
        out.write(f"\n{runs}, {len(failed)} failed; table in {out_path}\n")
    elif failed:
        print(f"kinesim sweep: {len(failed)} of {runs} failed", file=sys.stderr)
    return EXIT_OK


def _table(out: TextIO, header: list[str], rows: list[list[str]], right: set[str]) -> None:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    for row in [header, *rows]:
        cells = [
            str(cell).rjust(width) if name in right else str(cell).ljust(width)
            for name, cell, width in zip(header, row, widths)
        ]
        out.write("  ".join(cells).rstrip() + "\n")


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit code instead of exiting."""
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_request:  # argparse reports usage errors itself (exit 2)
        return int(exit_request.code or 0)
    try:
        return int(args.handler(args, sys.stdout))
    except KeyboardInterrupt:  # Ctrl-C: the run stopped and wrote nothing
        print(f"kinesim {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader of stdout went away (`kinesim shards 200 | head -1`): stop quietly, as a
        # command killed by SIGPIPE does. Python would flush stdout again at exit and report the
        # same error: point stdout at /dev/null first.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE
    except InvalidInput as error:
        for message in error.messages:
            print(f"kinesim {args.command}: error: {message}", file=sys.stderr)
        return EXIT_INVALID
    except Exception as error:  # an internal failure, never the user's input
        print(
            f"kinesim {args.command}: internal error: {type(error).__name__}: {error}",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
