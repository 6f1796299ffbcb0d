"""One self-test case: the reference app with a fault (or none), the tests that must catch it, the verdict."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx

from engine.processes import wait_or_kill
from selftest.app import AppStartFailure, FaultyApp
from selftest.matrix import Expectation
from truth_gate.errors import UnusableInputError
from truth_gate.junit import junit_key, read_junit

# Short budgets, so a fault that silences the agent costs seconds, not the suite's
# two-minute completion budget. The baseline runs with the same budgets and must
# be green: they are tight but honest for the bundled app.
BUDGETS: dict[str, str] = {
    "E2E_COMPLETED_WITHIN_SECONDS": "8",
    "E2E_EXPECT_TIMEOUT_SECONDS": "5",
    # Below the slow_first_event fault's 4 s, far above the bundled app's first token (about 0.2 s).
    "E2E_FIRST_TOKEN_WITHIN_SECONDS": "2.5",
    # Above the slow_streaming fault's few characters a second, below the bundled app's (100 and more).
    "E2E_MIN_CHARS_PER_SECOND": "20",
}
# A case that runs longer than this is stopped and counts as not caught: a check
# must fail, not hang.
CASE_DEADLINE_SECONDS = 240.0
PREFLIGHT_EXIT_CODE = 3
# Variables of an outer run that must not leak into the inner one.
_INHERITED_NOT = ("E2E_BASE_URL", "E2E_APP_LOG", "E2E_RUN_ID", "PYTEST_ADDOPTS", "PYTEST_BASE_URL")

GREEN, FAILURES, PREFLIGHT, NOTHING = "green", "failures", "preflight", "nothing"


@dataclass
class CaseResult:
    """What one case expected, what happened, and whether that is what the self-test needs."""

    name: str  # the fault, or "baseline"
    expected_outcome: str  # green, failures, preflight, or nothing (no test is expected to catch it)
    expected: list[str]
    exit_code: int | None = None
    failed: list[str] = field(default_factory=list)
    passed: list[str] = field(default_factory=list)
    seconds: float = 0.0
    ok: bool = False  # a fault: caught; the baseline: green
    detail: str = ""

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def expected_outcome(expectation: Expectation | None) -> str:
    if expectation is None:
        return NOTHING
    if expectation.preflight:
        return PREFLIGHT
    return FAILURES if expectation.catchers else NOTHING


def run_case(root: Path, name: str, faults: Sequence[str], tests: Sequence[str], outcome: str,
             *, workers: int, known_nodeids: Sequence[str]) -> CaseResult:
    """Start the app with ``faults``, run ``tests`` against it, and judge the run by ``outcome``."""
    result = CaseResult(name=name, expected_outcome=outcome, expected=list(tests))
    if outcome == NOTHING:
        result.detail = ("no test is expected to catch this fault: add one, "
                         "and its node id to selftest/matrix.py")
        return result
    started = time.monotonic()
    app = FaultyApp(root, faults)
    try:
        with app:
            run = _run_pytest(root, app, tests, workers=workers, known_nodeids=known_nodeids)
            result.exit_code, result.failed, result.passed, output = run
            config_auth_url = _configured_auth_url(app.backend_url)
        judge(result, output, config_auth_url or app.auth_url)
    except AppStartFailure as failure:
        result.detail = f"the reference app did not start: {failure}"
    finally:
        result.seconds = round(time.monotonic() - started, 1)
    if result.ok:
        app.remove_workdir()
    elif not result.detail.endswith(str(app.log_path)):
        result.detail += f" (app log: {app.log_path})"
    return result


def _run_pytest(root: Path, app: FaultyApp, tests: Sequence[str], *, workers: int,
                known_nodeids: Sequence[str]) -> tuple[int | None, list[str], list[str], str]:
    junit = app.workdir / "junit.xml"
    command = [sys.executable, "-m", "pytest", *tests, "--base-url", app.backend_url,
               "-p", "no:cacheprovider", "--junitxml", str(junit), "-q", "--tb=line",
               *(["-n", str(workers)] if workers > 1 else ["-p", "no:xdist"])]
    env = {name: value for name, value in os.environ.items() if name not in _INHERITED_NOT}
    env.update(BUDGETS, E2E_USER_EMAIL=app.email, E2E_USER_PASSWORD=app.password)
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as output:
        process = subprocess.Popen(command, cwd=root, env=env, stdout=output, stderr=subprocess.STDOUT,
                                   text=True)
        exit_code = wait_or_kill(process, CASE_DEADLINE_SECONDS)
        output.seek(0)
        text = output.read()
    failed, passed = junit_outcomes(junit, [*tests, *known_nodeids])
    return exit_code, failed, passed, text


def junit_outcomes(junit: Path, nodeids: Sequence[str]) -> tuple[list[str], list[str]]:
    """Node ids that failed or errored, and those that passed, from pytest's JUnit file."""
    try:
        report = read_junit(junit)
    except UnusableInputError:
        return [], []  # no JUnit file: the run stopped before any test (preflight, crash)
    by_key = {junit_key(nodeid): nodeid for nodeid in nodeids}
    failed, passed = [], []
    for case in report.cases:
        # A test collected after the node ids were listed: its module path, as pytest would name it.
        fallback = f"{case.classname.replace('.', '/')}.py::{case.name}"
        nodeid = by_key.get((case.classname, case.name), fallback)
        if case.outcome in ("failed", "error"):
            if nodeid not in failed:
                failed.append(nodeid)
        elif case.outcome == "passed" and nodeid not in failed:
            passed.append(nodeid)
    # A test that passed its call but errored in teardown is failed, not passed.
    return failed, [nodeid for nodeid in passed if nodeid not in failed]


def _configured_auth_url(backend_url: str) -> str | None:
    """The auth URL the backend's GET /config names (what the preflight checks)."""
    try:
        return str(httpx.get(f"{backend_url}/config", timeout=5).json()["auth_url"]).rstrip("/")
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return None


def judge(result: CaseResult, output: str, auth_url: str) -> None:
    """Set ``result.ok`` and ``result.detail`` from the run's exit code, failures and output."""
    if result.exit_code is None:
        result.detail = f"the run did not end within {CASE_DEADLINE_SECONDS:g} s and was stopped"
        return
    if result.expected_outcome == GREEN:
        not_passed = [nodeid for nodeid in result.expected if nodeid not in result.passed]
        result.ok = result.exit_code == 0 and not not_passed
        result.detail = "green" if result.ok else (
            f"exit code {result.exit_code}; not passed: {', '.join(not_passed) or '-'}")
        return
    if result.expected_outcome == PREFLIGHT:
        line = next((line for line in output.splitlines() if "preflight failed:" in line), "")
        line = line[line.index("preflight failed:"):].rstrip(" !") if line else ""
        result.ok = result.exit_code == PREFLIGHT_EXIT_CODE and auth_url in line
        result.detail = line or f"exit code {result.exit_code} and no 'preflight failed:' line"
        if line and auth_url not in line:
            result.detail += f" (does not name the auth URL {auth_url})"
        return
    missed = [nodeid for nodeid in result.expected if nodeid not in result.failed]
    result.ok = result.exit_code != 0 and not missed
    if result.ok:
        result.detail = "caught"
    elif result.exit_code == 0:
        result.detail = "the run was green"
    else:
        result.detail = f"exit code {result.exit_code}; did not fail: {', '.join(missed)}"
