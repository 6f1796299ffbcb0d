"""The latency figures are real: each slowing fault of the reference app shows in them, by about what it adds.

The golden path runs as a real suite run (its own pytest process, a real browser) against the app with
no fault, with ``slow_first_event`` and with ``slow_streaming``, three samples each; the figures come
from the run's ``--latency-out`` file. Tight budgets turn the faulty runs red, and the message carries
the figure and the budget. The noise (the spread of each run's samples) is printed with the figures.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from reference_app.settings import Settings
from tests.integration.helpers import RunningApp

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_PATH = "e2e/test_golden_path.py"
SAMPLES = 3
# Variables of an outer run that must not reach the inner one.
_NOT_INHERITED = ("E2E_BASE_URL", "E2E_APP_LOG", "GP_RUN_ID", "PYTEST_ADDOPTS", "PYTEST_BASE_URL")


def run_golden_path(app: RunningApp, out: Path, **budgets: str) -> tuple[subprocess.CompletedProcess[str],
                                                                          dict[str, Any]]:
    environment = {name: value for name, value in os.environ.items() if name not in _NOT_INHERITED}
    environment.update(E2E_USER_EMAIL=app.email, E2E_USER_PASSWORD=app.password,
                       E2E_LATENCY_SAMPLES=str(SAMPLES), **budgets)
    command = [sys.executable, "-m", "pytest", GOLDEN_PATH, "--base-url", app.backend_url, "-p", "no:xdist",
               "-p", "no:cacheprovider", "-q", "--tb=line", "--latency-out", str(out)]
    finished = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180)
    assert out.is_file(), f"the run wrote no figures to {out}:\n{finished.stdout[-3000:]}"
    return finished, json.loads(out.read_text())


def spread(run: dict[str, Any], figure: str) -> float:
    values = [sample[figure] for sample in run["samples"]]
    return max(values) - min(values)


@pytest.fixture(scope="module")
def no_fault(launch, tmp_path_factory) -> dict[str, Any]:
    finished, run = run_golden_path(launch(), tmp_path_factory.mktemp("latency") / "latency.json")
    assert finished.returncode == 0, finished.stdout[-3000:]
    return run


def test_the_delayed_first_event_adds_its_delay_to_the_first_token_and_a_budget_below_it_is_red(
        launch, no_fault, tmp_path, record_property):
    delay = Settings().fault_slow_first_event_seconds

    finished, run = run_golden_path(launch(faults=("slow_first_event",)), tmp_path / "latency.json",
                                    E2E_FIRST_TOKEN_WITHIN_SECONDS=str(delay / 2))

    before, after = (figures["figures"]["first_token_seconds"]["median"] for figures in (no_fault, run))
    rise = after - before
    frame_rise = (run["figures"]["first_frame_seconds"]["median"]
                  - no_fault["figures"]["first_frame_seconds"]["median"])
    noise = max(spread(run, "first_token_seconds"), spread(no_fault, "first_token_seconds"))
    report = (f"time to first token median {before:.3f} s -> {after:.3f} s: +{rise:.3f} s for a {delay:g} s "
              f"delay (first frame +{frame_rise:.3f} s); noise (largest spread of {SAMPLES} samples) "
              f"{noise:.3f} s")
    print(report)
    record_property("slow_first_event_figures", report)
    assert abs(rise - delay) <= 0.5, report
    assert abs(frame_rise - delay) <= 0.5, report
    print(*(line for line in finished.stdout.splitlines() if "latency budget breached" in line), sep="\n")
    assert finished.returncode == 1, finished.stdout[-3000:]
    p95 = run["figures"]["first_token_seconds"]["p95"]
    assert (f"latency budget breached: time to first token P95 {p95:.2f} s is over its budget of "
            f"{delay / 2:g} s (E2E_FIRST_TOKEN_WITHIN_SECONDS)") in finished.stdout, finished.stdout[-3000:]


def test_slow_streaming_lowers_the_characters_per_second_and_a_floor_above_it_is_red(
        launch, no_fault, tmp_path, record_property):
    pause = Settings().fault_slow_streaming_delta_seconds

    finished, run = run_golden_path(launch(faults=("slow_streaming",)), tmp_path / "latency.json",
                                    E2E_MIN_CHARS_PER_SECOND="20")

    slow, normal = run["figures"]["chars_per_second"], no_fault["figures"]["chars_per_second"]
    # "The answer is 391.": four pieces, the three after the first each held back by the pause
    expected = (18 - 4) / (3 * pause)
    complete_rise = (run["figures"]["complete_seconds"]["median"]
                     - no_fault["figures"]["complete_seconds"]["median"])
    report = (f"streaming speed median {normal['median']:.1f} -> {slow['median']:.1f} characters/s "
              f"(about {expected:.1f} expected); complete +{complete_rise:.3f} s for 3 x {pause:g} s")
    print(report)
    record_property("slow_streaming_figures", report)
    assert slow["median"] < expected * 1.5 and normal["median"] > 20, report
    assert abs(complete_rise - 3 * pause) <= 0.75, report
    print(*(line for line in finished.stdout.splitlines() if "latency budget breached" in line), sep="\n")
    assert finished.returncode == 1, finished.stdout[-3000:]
    assert (f"streaming speed P5 {slow['p5']:.1f} characters/s is under its floor of 20 "
            "(E2E_MIN_CHARS_PER_SECOND)") in finished.stdout, finished.stdout[-3000:]


@pytest.mark.parametrize("value", ["0", "fast"])
def test_a_budget_that_is_not_a_positive_number_stops_the_run_before_anything_starts(value, tmp_path):
    environment = {name: val for name, val in os.environ.items() if name not in _NOT_INHERITED}
    environment["E2E_FIRST_TOKEN_WITHIN_SECONDS"] = value

    finished = subprocess.run([sys.executable, "-m", "pytest", GOLDEN_PATH, "-p", "no:xdist", "-q",
                               "--latency-out", str(tmp_path / "latency.json")],
                              cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60)

    output = finished.stdout + finished.stderr
    assert finished.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert f"invalid setting: E2E_FIRST_TOKEN_WITHIN_SECONDS={value!r}" in output, output
    assert "started the reference app" not in output and "Traceback" not in output, output
