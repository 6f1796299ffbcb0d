"""Time to red: how soon the suite says the product is broken, against the bundled app broken on purpose.

- **silent agent** (fault ``agent_silent_after_started``, the app's own 30 s watchdog):
  the whole suite with ``-n 2`` (target: red within 2 minutes, issue 18); the golden path, a test
  that depends on an answer (target: failed within the watchdog plus 5 s, at the
  AGENT_TIMEOUT banner, or sooner, its wait cut because another test of its worker had already
  shown the agent silent: ``engine/answer_patience.py``); ``nox -s release_gate`` (target: red
  within 60 s, the failed required test named first, its evidence complete);
- **dead target**: the app killed after the first test passed (target: the run ends
  within 60 s, red, naming the URL).

Each figure is valid only when its run was red for the expected reason.
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import tempfile
import threading
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.environment import ROOT, run_environment
from bench.figures import Figure
from engine.answer_patience import CUT_WORDS
from engine.processes import wait_or_kill
from fixtures.run_stop import DEAD_TARGET_EXIT_CODE
from selftest.app import FaultyApp
from targets.contract.preflight import read_target_config
from truth_gate.allure_results import read_results
from truth_gate.errors import UnusableInputError
from truth_gate.junit import junit_key, read_junit

SILENT_FAULT = "agent_silent_after_started"
GOLDEN_PATH = ("e2e/test_golden_path.py::"
               "test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget")
TARGET_SUITE_RED_SECONDS = 120.0  # issue 18 (240 s before it)
TARGET_FIRST_SIGN_MARGIN_SECONDS = 5.0
TARGET_GATE_RED_SECONDS = 60.0
TARGET_DEAD_TARGET_SECONDS = 60.0
# A run still going after this is stopped; its figure is then "at least this", and missed.
SCENARIO_DEADLINE_SECONDS = 900.0
_EVIDENCE = ("websocket-frames", "screenshot")


def _environment(app: FaultyApp) -> dict[str, str]:
    env = run_environment()
    env.update(E2E_USER_EMAIL=app.email, E2E_USER_PASSWORD=app.password)
    return env


def _watchdog_seconds(app: FaultyApp) -> float | None:
    try:
        return read_target_config(app.backend_url).watchdog_seconds
    except (httpx.HTTPError, ValueError):  # a figure without its watchdog is reported as invalid
        return None


@dataclass
class Timed:
    exit_code: int | None  # None: stopped at the deadline
    seconds: float
    output: str


def _run(command: list[str], env: dict[str, str], *, deadline: float = SCENARIO_DEADLINE_SECONDS) -> Timed:
    started = time.monotonic()
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as output:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   text=True)
        exit_code = wait_or_kill(process, deadline)
        seconds = round(time.monotonic() - started, 2)
        output.seek(0)
        return Timed(exit_code, seconds, output.read())


def silent_agent_suite(workers: int = 2) -> tuple[list[Figure], dict[str, Any]]:
    """The whole suite, and within it the golden path, against an agent that goes silent."""
    with FaultyApp(ROOT, [SILENT_FAULT]) as app, tempfile.TemporaryDirectory(prefix="bench-red-") as folder:
        watchdog = _watchdog_seconds(app)
        junit = Path(folder) / "junit.xml"
        phases = Path(folder) / "phases.json"
        command = [sys.executable, "-m", "pytest", "e2e", "-q", "-p", "no:cacheprovider", "-n", str(workers),
                   "--base-url", app.backend_url, "--junitxml", str(junit), "-p", "bench.plugin",
                   "--bench-out", str(phases)]
        run = _run(command, _environment(app))
        golden = _golden_path_failure(junit)
        recorded = json.loads(phases.read_text(encoding="utf-8")) if phases.is_file() else {"tests": []}
    golden_call = next((test.get("call") for test in recorded["tests"]
                        if test["nodeid"].startswith(GOLDEN_PATH)), None)
    red = run.exit_code not in (0, None)
    suite_value = run.seconds if run.exit_code is not None else SCENARIO_DEADLINE_SECONDS
    suite = Figure.judged(f"silent agent: whole suite -n {workers}, time to red", suite_value, "s",
                          at_most=TARGET_SUITE_RED_SECONDS,
                          valid=red or run.exit_code is None,
                          why_invalid=f"the run was not red (exit {run.exit_code})",
                          detail=f"exit {run.exit_code}" if run.exit_code is not None
                          else f"still running after {SCENARIO_DEADLINE_SECONDS:g} s, stopped")
    at_banner = golden is not None and "AGENT_TIMEOUT" in golden
    # Or its wait was cut: another test of its worker had already shown the agent silent
    # (engine/answer_patience.py).
    cut = golden is not None and CUT_WORDS in golden
    budget = (watchdog or 0) + TARGET_FIRST_SIGN_MARGIN_SECONDS
    answer = Figure.judged(
        "silent agent: the golden path (depends on an answer) fails after", golden_call, "s",
        at_most=budget, target=f"<= watchdog {watchdog:g} s + {TARGET_FIRST_SIGN_MARGIN_SECONDS:g} s = "
                               f"{budget:g} s" if watchdog else "",
        valid=bool(watchdog) and golden is not None and (at_banner or cut) and golden_call is not None,
        why_invalid=("the target's watchdog_seconds is unknown" if not watchdog else
                     "the golden path did not fail" if golden is None else
                     f"it failed, but not at the AGENT_TIMEOUT banner nor cut: {golden[:200]!r}"),
        detail="at the AGENT_TIMEOUT banner" if at_banner else
               "its wait cut: an earlier test of its worker had shown the agent silent" if cut else "")
    raw = {"exit_code": run.exit_code, "seconds": run.seconds, "watchdog_seconds": watchdog,
           "golden_path_call_seconds": golden_call, "golden_path_failure": golden,
           "tests": len(recorded["tests"]), "output_tail": run.output[-1500:] if not red else "",
           # where the time to red goes: each test's whole duration, the slowest first
           "test_seconds": sorted(((test["nodeid"], round(test.get("setup", 0.0) + test.get("call", 0.0)
                                                            + test.get("teardown", 0.0), 2))
                                   for test in recorded["tests"]), key=lambda row: -row[1])}
    return [suite, answer], raw


def _golden_path_failure(junit: Path) -> str | None:
    """The golden path's failure message, or None when it did not fail (or never ran)."""
    try:
        cases = read_junit(junit).cases
    except UnusableInputError:
        return None
    classname, name = junit_key(GOLDEN_PATH)
    for case in cases:
        failed = case.outcome in ("failed", "error")
        if failed and case.classname == classname and case.name.startswith(name):
            return case.message
    return None


def release_gate() -> tuple[list[Figure], dict[str, Any]]:
    """``nox -s release_gate`` against an agent that goes silent: red how soon, and naming what first."""
    with FaultyApp(ROOT, [SILENT_FAULT]) as app:
        command = [sys.executable, "-m", "nox", "-s", "release_gate", "--", "--base-url", app.backend_url]
        run = _run(command, _environment(app))
    verdict_path = ROOT / "reports" / "verdict.json"
    try:
        verdict = json.loads(verdict_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        verdict = {}
    reasons = verdict.get("reasons") or [{}]
    first = reasons[0]
    required = _required_nodeids()
    first_nodeid = str(first.get("nodeid", ""))
    names_failed_test_first = (first.get("rule") in ("failed", "broken")
                               and any(first_nodeid.startswith(nodeid) for nodeid in required))
    evidence = _evidence_of(str(first.get("nodeid", ""))) if names_failed_test_first else []
    missing = [name for name in _EVIDENCE if not any(attached.startswith(name) for attached in evidence)]
    red = run.exit_code not in (0, None) and verdict.get("verdict") == "red"
    figure = Figure.judged(
        "silent agent: nox -s release_gate, time to red", run.seconds if run.exit_code is not None
        else SCENARIO_DEADLINE_SECONDS, "s", at_most=TARGET_GATE_RED_SECONDS,
        valid=red and names_failed_test_first,
        why_invalid=(f"the gate was not red (exit {run.exit_code}, verdict {verdict.get('verdict')!r})"
                     if not red else f"its first reason is not a failed required test: {first}"),
        also_needed=(not missing, f"the failed test lacks its evidence: {', '.join(missing)}"),
        detail=f"first reason: {first.get('nodeid')}: {str(first.get('detail', ''))[:240]}")
    raw = {"exit_code": run.exit_code, "seconds": run.seconds, "verdict": verdict.get("verdict"),
           "first_reason": first, "first_reason_evidence": evidence,
           "output_tail": run.output[-1500:] if not red else ""}
    return [figure], raw


def _required_nodeids() -> list[str]:
    with open(ROOT / "release-manifest.toml", "rb") as manifest:
        return [entry["nodeid"] for entry in tomllib.load(manifest).get("required", [])]


def _evidence_of(nodeid: str) -> list[str]:
    """The attachment names of the Allure result of ``nodeid`` in reports/allure-results, read as the truth
    gate reads them (truth_gate/allure_results.py): its steps' and its own fixtures' (the frame log is
    the ``ws_recorder`` fixture's), each attachment's file present."""
    folder = ROOT / "reports" / "allure-results"
    try:
        results = read_results(folder)
    except UnusableInputError:
        return []
    return [attachment.name for result in results if result.nodeid == nodeid
            for attachment in result.attachments if (folder / attachment.source).is_file()]


def dead_target(workers: int = 2) -> tuple[list[Figure], dict[str, Any]]:
    """The app killed after the first test passed: how soon the run ends, red, naming the URL."""
    with FaultyApp(ROOT, []) as app:
        command = [sys.executable, "-m", "pytest", "e2e", "-v", "-p", "no:cacheprovider", "-n", str(workers),
                   "--base-url", app.backend_url, "--tb=line"]
        process = subprocess.Popen(command, cwd=ROOT, env=_environment(app), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT, text=True)
        lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=_pipe_lines, args=(process, lines), daemon=True).start()
        output: list[str] = []
        killed_at: float | None = None
        deadline = time.monotonic() + SCENARIO_DEADLINE_SECONDS
        exit_code: int | None = None
        while True:
            try:
                line = lines.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                break
            if line is None:
                exit_code = process.wait()
                break
            output.append(line)
            if killed_at is None and " PASSED " in line:
                app.kill()
                killed_at = time.monotonic()
        ended_at = time.monotonic()
        if process.poll() is None:
            process.kill()
            process.wait()
    text = "".join(output)
    url_named = any("stopped answering" in line and f"{app.backend_url}/health" in line for line in output)
    seconds = round(ended_at - killed_at, 2) if killed_at is not None else None
    figure = Figure.judged(
        f"dead target: -n {workers}, from the kill to the end of the run", seconds, "s",
        at_most=TARGET_DEAD_TARGET_SECONDS, valid=killed_at is not None,
        why_invalid="no test passed before the app was to be killed (it was never killed mid-run)",
        also_needed=(exit_code == DEAD_TARGET_EXIT_CODE and url_named,
                     f"but the run ended with exit {exit_code}"
                     f"{'' if url_named else ', without naming ' + app.backend_url}"),
        detail=f"exit {exit_code}, URL named: {'yes' if url_named else 'no'}")
    raw = {"exit_code": exit_code, "seconds_after_kill": seconds, "url_named": url_named,
           "output_tail": text[-1500:] if exit_code != DEAD_TARGET_EXIT_CODE else ""}
    return [figure], raw


def _pipe_lines(process: subprocess.Popen[str], lines: queue.Queue[str | None]) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        lines.put(line)
    lines.put(None)
