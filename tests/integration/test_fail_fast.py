"""The suite goes red at the first sign, not at the end of its budgets (issue 11).

Each test runs the real browser suite in an inner pytest against a reference app
started here and broken on purpose, and times how soon the inner run says so:

- the agent goes silent after ``agent_started`` (fault ``agent_silent_after_started``) and
  the page's watchdog is short (``REFAPP_WATCHDOG_SECONDS``): the golden path must fail
  within the watchdog plus 5 s, quoting the banner the user saw, not after the
  120-second completion budget;
- the target dies after the preflight: the run must end within 60 s, red, naming the URL.
"""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.helpers import ROOT, RunningApp, launch_app
from truth_gate.junit import read_junit

GOLDEN_PATH = ("e2e/test_golden_path.py::"
               "test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget")
WATCHDOG_SECONDS = 4.0
FIRST_SIGN_MARGIN_SECONDS = 5.0
# The old wait outlasts the banner by its whole completion budget (120 s): stop it well before.
INNER_DEADLINE_SECONDS = 90.0


@dataclass
class InnerRun:
    exit_code: int | None  # None: stopped at the deadline
    output: str
    seconds: float
    phases: dict[str, dict[str, object]]
    junit: Path


def _inner_environment(app: RunningApp) -> dict[str, str]:
    # Nothing of the outer run (its target, credentials, run id, xdist worker) reaches the inner one.
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTEST_", "E2E_")) and key != "GP_RUN_ID"}
    environment.update(E2E_USER_EMAIL=app.email, E2E_USER_PASSWORD=app.password)
    return environment


def run_inner(app: RunningApp, work: Path, tests: list[str], *extra: str,
              deadline: float = INNER_DEADLINE_SECONDS) -> InnerRun:
    """The browser suite's ``tests`` against ``app``, with each test's phases recorded (bench.plugin)."""
    phases, junit = work / "phases.json", work / "junit.xml"
    command = [sys.executable, "-m", "pytest", *tests, "-p", "no:cacheprovider", "-p", "no:randomly",
               "--base-url", app.backend_url, "-p", "bench.plugin", "--bench-out", str(phases),
               "--junitxml", str(junit), "-q", "--tb=short", *extra]
    started = time.monotonic()
    try:
        inner = subprocess.run(command, cwd=ROOT, env=_inner_environment(app), capture_output=True,
                               text=True, timeout=deadline)
        exit_code: int | None = inner.returncode
        output = inner.stdout + inner.stderr
    except subprocess.TimeoutExpired as expired:
        exit_code = None
        output = (expired.stdout or b"").decode(errors="replace") if isinstance(expired.stdout, bytes) \
            else (expired.stdout or "")
    seconds = time.monotonic() - started
    recorded = json.loads(phases.read_text(encoding="utf-8")) if phases.is_file() else {"tests": []}
    return InnerRun(exit_code, output, seconds, {test["nodeid"]: test for test in recorded["tests"]}, junit)


@pytest.fixture
def silent_agent_app(tmp_path: Path):
    app = launch_app(tmp_path / "app", faults=("agent_silent_after_started",),
                     env={"REFAPP_WATCHDOG_SECONDS": str(WATCHDOG_SECONDS)})
    yield app
    app.stop()


def test_the_golden_path_fails_at_the_watchdogs_banner_quoting_it_not_at_the_completion_budget(
    silent_agent_app: RunningApp, tmp_path: Path
) -> None:
    run = run_inner(silent_agent_app, tmp_path, [GOLDEN_PATH], "-p", "no:xdist")

    assert run.exit_code is not None, (
        f"the golden path was still waiting {INNER_DEADLINE_SECONDS:g} s into the run although the page "
        f"showed AGENT_TIMEOUT after its {WATCHDOG_SECONDS:g} s watchdog:\n{run.output[-3000:]}")
    assert run.exit_code == 1, run.output[-3000:]
    (test,) = [phases for nodeid, phases in run.phases.items() if nodeid.startswith(GOLDEN_PATH)]
    budget = WATCHDOG_SECONDS + FIRST_SIGN_MARGIN_SECONDS
    assert test["call_outcome"] == "failed" and float(test["call"]) <= budget, (  # type: ignore[arg-type]
        f"the golden path failed {test['call']} s after it started asking; with a {WATCHDOG_SECONDS:g} s "
        f"watchdog it must fail within {budget:g} s")
    (case,) = read_junit(run.junit).cases
    assert "AGENT_TIMEOUT" in case.message and "did not respond in time" in case.message, case.message
    assert "data-status='error'" in case.message, case.message


DEAD_TARGET_WITHIN_SECONDS = 60.0


class _LineReader:
    """The lines a process prints, read in a thread, so that waiting for the next one has a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, args=(process,), daemon=True).start()

    def _read(self, process: subprocess.Popen[str]) -> None:
        assert process.stdout is not None
        for line in process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def next_line(self, deadline: float) -> str | None:
        """The next line; None at the end of the output or at the deadline."""
        try:
            return self.lines.get(timeout=max(deadline - time.monotonic(), 0.001))
        except queue.Empty:
            return None


def test_a_target_killed_mid_run_ends_the_run_within_60_s_red_naming_its_url(tmp_path: Path) -> None:
    app = launch_app(tmp_path / "app")
    command = [sys.executable, "-m", "pytest", "e2e", "-p", "no:cacheprovider", "-p", "no:randomly",
               "--base-url", app.backend_url, "-n", "2", "-v", "--tb=line"]
    inner = subprocess.Popen(command, cwd=ROOT, env=_inner_environment(app), stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    killed_at = None
    exit_code = None
    ended_at = float("inf")
    reader = _LineReader(inner)
    try:
        deadline = time.monotonic() + INNER_DEADLINE_SECONDS * 2
        while (line := reader.next_line(deadline)) is not None:
            lines.append(line)
            if killed_at is None and " PASSED " in line:
                app.process.kill()  # after the preflight and a first passed test: dead mid-run
                app.process.wait()
                killed_at = time.monotonic()
                deadline = killed_at + DEAD_TARGET_WITHIN_SECONDS + 30
        exit_code = inner.wait(timeout=max(deadline - time.monotonic(), 1))
        ended_at = time.monotonic()
    except subprocess.TimeoutExpired:
        pass
    finally:
        if inner.poll() is None:
            inner.kill()
            inner.wait()
        app.stop()
    output = "".join(lines)
    assert killed_at is not None, f"no test passed before the target was to be killed:\n{output[-3000:]}"
    seconds = ended_at - killed_at
    assert seconds <= DEAD_TARGET_WITHIN_SECONDS, (
        f"the run went on {seconds:.0f} s after its target died (at most {DEAD_TARGET_WITHIN_SECONDS:g} s):\n"
        f"{output[-3000:]}")
    assert exit_code == 3, f"exit code {exit_code}, not 3 (target unusable):\n{output[-3000:]}"
    stopped = [line for line in lines if "run stopped: the target stopped answering mid-run" in line]
    assert stopped and f"{app.backend_url}/health" in stopped[0], output[-3000:]
    not_run = [line for line in lines if " PASSED " in line or " FAILED " in line or " ERROR " in line]
    assert len(not_run) < 25, f"every test ran although the target was dead:\n{output[-3000:]}"


def test_maxfail_1_stops_every_worker_at_the_first_failure_and_the_gate_names_that_test_first(
    silent_agent_app: RunningApp, tmp_path: Path
) -> None:
    import tomllib

    from truth_gate.cli import evaluate

    manifest = ROOT / "release-manifest.toml"
    with open(manifest, "rb") as file:
        required = [entry["nodeid"] for entry in tomllib.load(file)["required"]]
    results = tmp_path / "allure-results"
    run = run_inner(silent_agent_app, tmp_path, required, "-n", "2", "--maxfail=1",
                    "--alluredir", str(results))

    assert run.exit_code not in (0, None), run.output[-3000:]
    ran = [nodeid for nodeid, test in run.phases.items() if "call" in test or "setup" in test]
    # The first failure, the test the other worker was running then, and nothing after.
    assert 1 <= len([test for test in run.phases.values() if test.get("call_outcome") == "failed"]) <= 2
    assert len(ran) < len(required) - 3, f"{len(ran)} of {len(required)} required tests ran:\n{ran}"
    verdict = evaluate(results, run.junit, manifest, "release")
    first = verdict.reasons[0]
    assert first.rule == "failed" and any(str(first.nodeid).startswith(nodeid) for nodeid in required), (
        [reason.line() for reason in verdict.reasons[:4]])
    assert any(reason.rule == "run-stopped-early" for reason in verdict.reasons)
    assert not any(reason.rule == "no-result" for reason in verdict.reasons)
