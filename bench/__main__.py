"""``python -m bench``: the browser suite's speed against the bundled app, against its targets.

Runs the whole suite with ``-n 1`` and ``-n 2``, alternately, ``--repeat`` times
each, and takes each configuration's fastest run (the machine is shared: the
fastest run is the one least disturbed). Reports the wall-time ratio, the
per-test overhead (setup plus teardown, minus what the fixtures spent waiting
for the app's pages and WebSocket) and each ``timeout`` test's duration against
the target's ``watchdog_seconds``. A missed target is printed as MISSED; the
exit status is 0 unless a run was not green (then the figures mean nothing).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.machine import busy_cores, cpu_ticks, describe_machine, machine_line
from fixtures.app_pages import APP_WAIT_PROPERTY

ROOT = Path(__file__).resolve().parent.parent
TARGET_RATIO = 1.6
TARGET_MEDIAN_OVERHEAD_SECONDS = 0.3
TARGET_TIMEOUT_TEST_SECONDS = 5.0
# The bundled app starts with a generated user; a target or credentials from the caller must not leak in.
_INHERITED_NOT = ("E2E_BASE_URL", "PYTEST_BASE_URL", "E2E_USER_EMAIL", "E2E_USER_PASSWORD", "E2E_APP_LOG",
                  "E2E_RUN_ID", "PYTEST_ADDOPTS")


@dataclass
class SuiteRun:
    workers: int
    wall_seconds: float
    exit_code: int
    watchdog_seconds: float | None
    tests: list[dict[str, Any]]
    busy_cores: float | None  # of the whole machine, every process, while the run lasted

    def overheads(self) -> list[tuple[str, float, bool]]:
        """(node id, overhead seconds, first test of its worker) for every test."""
        first_of_worker: dict[str, tuple[float, str]] = {}
        for test in self.tests:
            start = test.get("start", 0.0)
            if test["worker"] not in first_of_worker or start < first_of_worker[test["worker"]][0]:
                first_of_worker[test["worker"]] = (start, test["nodeid"])
        firsts = {nodeid for _, nodeid in first_of_worker.values()}
        rows = []
        for test in self.tests:
            properties = test.get("user_properties", [])
            waited = sum(value for name, value in properties if name == APP_WAIT_PROPERTY)
            overhead = test.get("setup", 0.0) + test.get("teardown", 0.0) - waited
            rows.append((test["nodeid"], round(overhead, 3), test["nodeid"] in firsts))
        return rows

    def timeout_tests(self) -> list[tuple[str, float, float]]:
        """(node id, call seconds, setup + call + teardown seconds) of the tests marked ``timeout``."""
        return [(test["nodeid"], test.get("call", 0.0),
                 round(test.get("setup", 0.0) + test.get("call", 0.0) + test.get("teardown", 0.0), 3))
                for test in self.tests if "timeout" in test["markers"]]


def run_suite(workers: int, pytest_args: list[str]) -> SuiteRun:
    env = {name: value for name, value in os.environ.items() if name not in _INHERITED_NOT}
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        phases = Path(folder) / "phases.json"
        command = [sys.executable, "-m", "pytest", "e2e", "-q", "-p", "no:cacheprovider", "-n", str(workers),
                   "-p", "bench.plugin", "--bench-out", str(phases), *pytest_args]
        started, ticks = time.monotonic(), cpu_ticks()
        completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        wall = round(time.monotonic() - started, 2)
        busy = busy_cores(ticks, cpu_ticks(), os.cpu_count() or 1)
        if not phases.is_file():
            tail = (completed.stdout + completed.stderr)[-3000:]
            raise SystemExit(f"bench: the -n {workers} run wrote no phase file "
                             f"(exit {completed.returncode}):\n{tail}")
        recorded = json.loads(phases.read_text(encoding="utf-8"))
    if completed.returncode != 0:
        print(completed.stdout[-3000:], file=sys.stderr)
    return SuiteRun(workers, wall, completed.returncode, recorded["watchdog_seconds"], recorded["tests"],
                    busy)


def _short(nodeid: str) -> str:
    path, _, name = nodeid.partition("::")
    return f"{Path(path).stem}::{name.removesuffix('[chromium]')}"


def _mark(met: bool) -> str:
    return "met" if met else "MISSED"


def summarise(runs: list[SuiteRun], machine: dict[str, Any], started_at: str,
              pytest_args: list[str]) -> dict[str, Any]:
    best = {workers: min((run for run in runs if run.workers == workers), key=lambda run: run.wall_seconds)
            for workers in (1, 2)}
    ratio = round(best[1].wall_seconds / best[2].wall_seconds, 2)
    overhead: dict[str, Any] = {}
    for workers, run in best.items():
        rows = run.overheads()
        worst = max(rows, key=lambda row: row[1])
        later = [row for row in rows if not row[2]]
        worst_later = max(later, key=lambda row: row[1]) if later else None
        overhead[f"n{workers}"] = {
            "median_seconds": round(statistics.median(row[1] for row in rows), 3),
            "worst_seconds": worst[1], "worst_test": worst[0],
            # The first test of each worker also launches Chromium and signs in, once.
            "worst_after_first_seconds": worst_later[1] if worst_later else None,
            "worst_after_first_test": worst_later[0] if worst_later else None,
            "per_test": {nodeid: seconds for nodeid, seconds, _ in rows},
        }
    watchdog = next((run.watchdog_seconds for run in runs if run.watchdog_seconds), None)
    timeout_tests: dict[str, dict[str, float]] = {}
    for run in best.values():
        for nodeid, call, total in run.timeout_tests():
            slowest = timeout_tests.setdefault(nodeid, {"call_seconds": 0.0, "total_seconds": 0.0})
            slowest["call_seconds"] = max(slowest["call_seconds"], call)
            slowest["total_seconds"] = max(slowest["total_seconds"], total)
    worst_median = max(figures["median_seconds"] for figures in overhead.values())
    targets = {
        "ratio": {"target": f">= {TARGET_RATIO}", "value": ratio, "met": ratio >= TARGET_RATIO},
        "median_overhead": {"target": f"<= {TARGET_MEDIAN_OVERHEAD_SECONDS} s at -n 1 and -n 2",
                            "value": worst_median, "met": worst_median <= TARGET_MEDIAN_OVERHEAD_SECONDS},
        "timeout_tests": {
            "target": f"each <= {TARGET_TIMEOUT_TEST_SECONDS} s (setup + call + teardown) with "
                      f"watchdog_seconds {watchdog}",
            "value": max((test["total_seconds"] for test in timeout_tests.values()), default=None),
            "met": bool(timeout_tests) and all(test["total_seconds"] <= TARGET_TIMEOUT_TEST_SECONDS
                                               for test in timeout_tests.values()),
        },
    }
    return {
        "started_at": started_at,
        "machine": machine,
        "method": "the whole e2e suite against the bundled app, -n 1 and -n 2 alternately; each "
                  "configuration's fastest run counts",
        "pytest_args": pytest_args,
        "runs": [{"workers": run.workers, "wall_seconds": run.wall_seconds, "exit_code": run.exit_code,
                  "tests": len(run.tests), "busy_cores": run.busy_cores} for run in runs],
        "wall_seconds": {"n1": best[1].wall_seconds, "n2": best[2].wall_seconds},
        "ratio_n1_over_n2": ratio,
        "overhead": overhead,
        "watchdog_seconds": watchdog,
        "timeout_tests": timeout_tests,
        "targets": targets,
    }


def print_summary(summary: dict[str, Any]) -> None:
    targets, overhead = summary["targets"], summary["overhead"]
    print(f"bench: machine: {machine_line(summary['machine'])}")
    for index, run in enumerate(summary["runs"], start=1):
        busy = f"{run['busy_cores']:.2f}" if run["busy_cores"] is not None else "?"
        print(f"  run {index}: -n {run['workers']}  {run['wall_seconds']:6.2f} s  exit {run['exit_code']}  "
              f"{run['tests']} tests  {busy} of {summary['machine']['cpus']} CPUs busy (every process)")
    walls = summary["wall_seconds"]
    print(f"whole suite (fastest run): -n 1 {walls['n1']:.2f} s, -n 2 {walls['n2']:.2f} s, ratio "
          f"{summary['ratio_n1_over_n2']:.2f} (target >= {TARGET_RATIO}): {_mark(targets['ratio']['met'])}")
    for key, label in (("n1", "-n 1"), ("n2", "-n 2")):
        figures = overhead[key]
        print(f"per-test overhead {label} (setup + teardown - waiting for the app): median "
              f"{figures['median_seconds']:.3f} s, worst {figures['worst_seconds']:.3f} s "
              f"({_short(figures['worst_test'])})")
        if figures["worst_after_first_test"] not in (None, figures["worst_test"]):
            # The worst is a worker's first test, which also launches Chromium and signs in.
            later_test = _short(figures["worst_after_first_test"])
            print(f"  worst apart from each worker's first test (Chromium launch, sign-in): "
                  f"{figures['worst_after_first_seconds']:.3f} s ({later_test})")
    print(f"median overhead target <= {TARGET_MEDIAN_OVERHEAD_SECONDS} s: "
          f"{_mark(targets['median_overhead']['met'])}")
    if not summary["timeout_tests"]:
        print("timeout tests: none collected (no test is marked `timeout`): MISSED")
    for nodeid, figures in summary["timeout_tests"].items():
        met = figures["total_seconds"] <= TARGET_TIMEOUT_TEST_SECONDS
        print(f"timeout test {_short(nodeid)}: {figures['total_seconds']:.2f} s with setup and teardown "
              f"({figures['call_seconds']:.2f} s its body) against watchdog_seconds "
              f"{summary['watchdog_seconds']:g}; target <= {TARGET_TIMEOUT_TEST_SECONDS:g} s: {_mark(met)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs of each configuration (default: 2)")
    parser.add_argument("--out", type=Path, default=ROOT / "reports" / "bench.json",
                        help="where the figures are written (default: %(default)s)")
    parser.add_argument("pytest_args", nargs="*", metavar="-- PYTEST_ARG",
                        help="more pytest arguments for every run, e.g. -- --tracing retain-on-failure")
    arguments = parser.parse_args(argv)
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    machine = describe_machine()  # before the first run: its load average is the machine's, not ours
    runs = []
    for _ in range(arguments.repeat):
        for workers in (1, 2):
            print(f"bench: the whole suite with -n {workers} ...", flush=True)
            runs.append(run_suite(workers, arguments.pytest_args))
            run = runs[-1]
            print(f"  {run.wall_seconds:.2f} s, exit {run.exit_code}, {run.busy_cores} CPUs busy", flush=True)
    summary = summarise(runs, machine, started_at, arguments.pytest_args)
    print_summary(summary)
    arguments.out.parent.mkdir(parents=True, exist_ok=True)
    arguments.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"bench: figures written to {arguments.out}")
    red = [run for run in runs if run.exit_code != 0]
    if red:
        print(f"bench: {len(red)} run(s) were not green: the figures are not valid", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
