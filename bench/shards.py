"""``python -m bench.shards``: what sharding across N machines would gain, on paper, and a check here.

The model: N machines, each runs one shard. A shard's wall time is its start-up (process, app, browser,
sign-in: measured here as a run's wall time minus the stored durations of the tests it ran, plus
``--job-overhead`` for what a CI job spends before pytest: checkout, installs) plus the sum of its
tests' stored durations; the run's wall time is its slowest shard's. The shards are the ones pytest-split
makes from ``.test_durations`` (its own algorithm, called here on the stored node ids). Printed for
N = 1, 2, 4, 8, 16, for today's suite and for one ten times its size (each test ten times), with the
machine time spent (N start-ups plus the tests) and the saving of each step; one more shard stops paying
when the wall time it saves is less than the start-up it costs.

``--measure`` runs the suite here as 1 shard and then as 2 shards (one after the other, each alone on
the machine, as if on a machine of its own; ``-n 1`` as the durations were stored), prints the model's
prediction next to what was measured, and writes both to ``reports/bench-shards.json``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from pytest_split import algorithms

from bench.environment import ROOT, run_environment
from bench.machine import describe_machine, machine_line

DURATIONS = ROOT / ".test_durations"
SHARD_COUNTS = (1, 2, 4, 8, 16)
SCALES = (1, 10)
DEFAULT_ALGORITHM = "duration_based_chunks"  # pytest-split's default, which --shard uses


@dataclass(frozen=True)
class Prediction:
    shards: int
    shard_seconds: list[float]  # the tests' stored durations, per shard
    startup_seconds: float

    @property
    def wall_seconds(self) -> float:
        return self.startup_seconds + max(self.shard_seconds)

    @property
    def machine_seconds(self) -> float:
        return self.shards * self.startup_seconds + sum(self.shard_seconds)


def load_durations(path: Path = DURATIONS) -> dict[str, float]:
    try:
        durations = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SystemExit(f"bench.shards: cannot read {path}: {error}; refresh it with "
                         "`python -m pytest e2e -n 1 -p no:randomly --store-durations`") from None
    if not isinstance(durations, dict) or not durations:
        raise SystemExit(f"bench.shards: {path} holds no durations")
    return {str(nodeid): float(seconds) for nodeid, seconds in durations.items()}


def scaled(durations: dict[str, float], factor: int) -> dict[str, float]:
    """A suite ``factor`` times the size: every test ``factor`` times, with its own duration."""
    if factor == 1:
        return dict(durations)
    return {f"{nodeid}#copy{copy}": seconds
            for copy in range(factor) for nodeid, seconds in durations.items()}


def split(durations: dict[str, float], shards: int, algorithm: str = DEFAULT_ALGORITHM) -> list[list[str]]:
    """The node ids of each shard, as pytest-split's algorithm splits them."""
    items = [SimpleNamespace(nodeid=nodeid) for nodeid in durations]  # what the algorithms read of an item
    groups = algorithms.Algorithms[algorithm].value(shards, items, durations)
    return [[item.nodeid for item in group.selected] for group in groups]


def predict(durations: dict[str, float], shards: int, startup_seconds: float,
            algorithm: str = DEFAULT_ALGORITHM) -> Prediction:
    parts = split(durations, shards, algorithm)
    return Prediction(shards, [round(sum(durations[nodeid] for nodeid in part), 3) for part in parts],
                      startup_seconds)


def last_paying(predictions: list[Prediction]) -> int:
    """The largest N whose step from the previous N saved more wall time than one start-up costs."""
    paying = predictions[0].shards
    for previous, current in zip(predictions, predictions[1:], strict=False):
        added = current.shards - previous.shards
        if previous.wall_seconds - current.wall_seconds > added * current.startup_seconds:
            paying = current.shards
        else:
            break
    return paying


def break_even(durations: dict[str, float], startup_seconds: float,
               algorithm: str = DEFAULT_ALGORITHM) -> int:
    """The N after which one more shard saves less wall time than the start-up it costs."""
    previous = predict(durations, 1, startup_seconds, algorithm)
    for shards in range(2, len(durations) + 1):
        current = predict(durations, shards, startup_seconds, algorithm)
        if previous.wall_seconds - current.wall_seconds < startup_seconds:
            return shards - 1
        previous = current
    return len(durations)


def table(durations: dict[str, float], startup_seconds: float, algorithm: str = DEFAULT_ALGORITHM) -> str:
    lines = []
    for factor in SCALES:
        suite = scaled(durations, factor)
        predictions = [predict(suite, shards, startup_seconds, algorithm) for shards in SHARD_COUNTS]
        lines.append(f"suite x{factor}: {len(suite)} tests, {sum(suite.values()):.1f} s of tests, "
                     f"start-up {startup_seconds:.1f} s a shard")
        lines.append("  N  wall s  slowest shard s  machine s  saved vs previous s")
        for previous, prediction in zip([None, *predictions], predictions, strict=False):
            saved = "" if previous is None else f"{previous.wall_seconds - prediction.wall_seconds:8.1f}"
            lines.append(f"  {prediction.shards:<2} {prediction.wall_seconds:7.1f} "
                         f"{max(prediction.shard_seconds):16.1f} {prediction.machine_seconds:10.1f} {saved}")
        one_at_a_time = break_even(suite, startup_seconds, algorithm)
        lines.append(f"  of those shown, the last step that pays is to N = {last_paying(predictions)}; "
                     f"one shard at a time, the shard after N = {one_at_a_time} "
                     "saves less wall time than its own start-up")
    return "\n".join(lines)


# --- measuring here ---------------------------------------------------------------------------------


def run_shard(shard: str, pytest_args: list[str]) -> dict[str, Any]:
    """One shard of the suite in its own process, timed; its tests' stored durations summed."""
    env = run_environment()
    env["E2E_RUN_ID"] = f"bench-shards-{int(time.time())}"
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as folder:
        results = Path(folder) / "allure-results"
        command = [sys.executable, "-m", "pytest", "e2e", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                   "-n", "1", "--shard", shard, "--alluredir", str(results), "--output",
                   str(Path(folder) / "test-results"), *pytest_args]
        started = time.monotonic()
        completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
        wall = round(time.monotonic() - started, 2)
        record = json.loads((results / "gp-run.json").read_text(encoding="utf-8"))
    if completed.returncode != 0:
        raise SystemExit(f"bench.shards: shard {shard} was not green (exit {completed.returncode}):\n"
                         f"{completed.stdout[-2000:]}")
    return {"shard": shard, "wall_seconds": wall, "tests": record["collected"]}


def measure(durations: dict[str, float], pytest_args: list[str], algorithm: str) -> dict[str, Any]:
    one = run_shard("1/1", pytest_args)
    two = [run_shard("1/2", pytest_args), run_shard("2/2", pytest_args)]
    startups = [run["wall_seconds"] - sum(durations.get(nodeid, 0.0) for nodeid in run["tests"])
                for run in (one, *two)]
    startup = round(min(startups), 2)  # the least disturbed of the three runs
    return {
        "measured": {"1": one["wall_seconds"], "2": max(run["wall_seconds"] for run in two),
                     "2 (each shard)": [run["wall_seconds"] for run in two]},
        "startup_seconds_each_run": [round(value, 2) for value in startups],
        "startup_seconds": startup,
        "predicted": {str(n): round(predict(durations, n, startup, algorithm).wall_seconds, 2)
                      for n in (1, 2)},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.shards", description=__doc__.splitlines()[0])
    parser.add_argument("--startup", type=float, default=None,
                        help="seconds a shard spends before and after its tests (default: measured with "
                             "--measure, else 6)")
    parser.add_argument("--job-overhead", type=float, default=0.0,
                        help="seconds a CI job spends before pytest starts (checkout, installs), added to "
                             "every shard's start-up (default: 0, this machine)")
    parser.add_argument("--algorithm", default=DEFAULT_ALGORITHM, choices=algorithms.Algorithms.names())
    parser.add_argument("--measure", action="store_true",
                        help="run the suite here as 1 and as 2 shards and compare with the model")
    parser.add_argument("pytest_args", nargs="*", help="passed to each measured run")
    arguments = parser.parse_args(argv)
    durations = load_durations()
    machine = describe_machine()
    print(machine_line(machine))
    measured = measure(durations, arguments.pytest_args, arguments.algorithm) if arguments.measure else None
    startup = arguments.startup if arguments.startup is not None else (
        measured["startup_seconds"] if measured else 6.0)
    print(table(durations, startup + arguments.job_overhead, arguments.algorithm))
    if measured:
        print(f"check here (-n 1, each shard alone on the machine): 1 shard predicted "
              f"{measured['predicted']['1']} s, measured {measured['measured']['1']} s; 2 shards predicted "
              f"{measured['predicted']['2']} s, measured {measured['measured']['2']} s "
              f"(shards {measured['measured']['2 (each shard)']}); start-up per run "
              f"{measured['startup_seconds_each_run']} s")
        out = ROOT / "reports" / "bench-shards.json"
        out.parent.mkdir(exist_ok=True)
        figures = {"machine": machine, "algorithm": arguments.algorithm,
                   "job_overhead_seconds": arguments.job_overhead, **measured}
        out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
