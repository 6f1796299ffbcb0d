"""``python -m latency record|chart|baseline``: the latency history, its chart and the release baseline.

    record --kind nightly|release   append this run's figures (reports/latency.json) to the history
    chart                           draw the last 30 runs to reports/latency.svg and attach it to the report
    baseline                        the release gate's rule against the last nightly runs (exit 1 when red)

Exit status: 0, 1 (baseline red), 2 (an input that cannot be used, with the reason).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from latency.baseline import judge_baseline
from latency.chart import RUNS_SHOWN, render_svg
from latency.history import KINDS, UnusableRun, append_run, entry_for, of_target, read_history, read_run

RUN_FILE = "reports/latency.json"
HISTORY_FILE = "reports/history/latency.jsonl"
CHART_FILE = "reports/latency.svg"
RESULTS_DIR = "reports/allure-results"
# Fixed names, so that drawing the chart again replaces it in the report instead of adding another.
CHART_ATTACHMENT = "latency-trend-attachment.svg"
CHART_GLOBALS = "latency-trend-globals.json"
CHART_NAME = "latency trend (last runs)"


def _say(line: str) -> None:
    print(line, flush=True)


def _current_run_id(results: Path) -> str | None:
    try:
        return str(json.loads((results / "gp-run.json").read_text(encoding="utf-8"))["run_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def record(args: argparse.Namespace) -> int:
    try:
        run = read_run(Path(args.run))
        run_id = _current_run_id(Path(args.results))
        if run_id is not None and run.get("run_id") != run_id:
            raise UnusableRun(f"{args.run} is from run {run.get('run_id')}, not from this run {run_id} "
                              f"({args.results}/gp-run.json): left over from an earlier run")
        entry = entry_for(run, args.kind)
    except UnusableRun as problem:
        _say(f"latency: nothing recorded: {problem}")
        return 2
    history, appended = append_run(Path(args.history), entry)
    if history.set_aside:
        _say(history.set_aside)
    if appended:
        _say(f"latency: recorded {args.kind} run {entry['run_id']} in {args.history} "
             f"({len(of_target(history.entries, entry['target']))} run(s) of {entry['target']})")
    else:
        _say(f"latency: run {entry['run_id']} ({args.kind}) is already in {args.history}: not counted twice")
    return 0


def chart(args: argparse.Namespace) -> int:
    history = read_history(Path(args.history))
    if history.set_aside:
        _say(history.set_aside)
    entries = of_target(history.entries, args.target)
    target = args.target or (entries[-1]["target"] if entries else "no target yet")
    svg = render_svg(entries, target=target, runs=args.runs)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(svg, encoding="utf-8")
    results = Path(args.results)
    if results.is_dir():
        # An Allure 3 global attachment: shown with the report as a whole, not under one test.
        (results / CHART_ATTACHMENT).write_text(svg, encoding="utf-8")
        globals_file = {"attachments": [{"name": CHART_NAME, "source": CHART_ATTACHMENT,
                                         "type": "image/svg+xml", "timestamp": int(time.time() * 1000)}],
                        "errors": []}
        (results / CHART_GLOBALS).write_text(json.dumps(globals_file), encoding="utf-8")
    _say(f"latency chart: {out} ({min(len(entries), args.runs)} run(s) of {target}"
         f"{', attached to the report in ' + str(results) if results.is_dir() else ''})")
    return 0


def baseline(args: argparse.Namespace) -> int:
    from engine.settings import LatencySettings, MissingSetting  # the suite's one settings object

    try:
        settings = LatencySettings.from_environment()
        run = read_run(Path(args.run))
        verdict = judge_baseline(run, read_history(Path(args.history)).entries,
                                 max_rise_percent=settings.baseline_max_rise_percent,
                                 nightly_runs=settings.baseline_nightly_runs)
    except (MissingSetting, UnusableRun) as problem:
        _say(f"latency baseline: {problem}")
        return 2
    _say(verdict.message)
    return 1 if verdict.red else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m latency", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in (("record", record), ("chart", chart), ("baseline", baseline)):
        command = commands.add_parser(name)
        command.set_defaults(handler=handler)
        command.add_argument("--history", default=HISTORY_FILE)
        if name in ("record", "baseline"):
            command.add_argument("--run", default=RUN_FILE, help="this run's figures (the suite writes them)")
        if name in ("record", "chart"):
            command.add_argument("--results", default=RESULTS_DIR, help="the run's Allure results folder")
        if name == "record":
            command.add_argument("--kind", required=True, choices=KINDS)
        if name == "chart":
            command.add_argument("--out", default=CHART_FILE)
            command.add_argument("--target", default=None, help="whose runs (default: the newest run's)")
            command.add_argument("--runs", type=int, default=RUNS_SHOWN)
    args = parser.parse_args(argv)
    return int(args.handler(args))


if __name__ == "__main__":
    sys.exit(main())
