"""Bad input stops a real run of the suite once, before the first test, with one line naming the cause.

Each test runs ``python -m pytest e2e`` (the whole suite, two xdist workers) the way a user would and
reads what it printed: the exit status, the one line, no traceback, no test run. pytest prints the
reason of a ``pytest.exit`` twice, on stdout (``!!! _pytest.outcomes.Exit: <line> !!!``) and on stderr
(``Exit: <line>``); that is one line in each stream, the same line.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.integration.helpers import ROOT, RunningApp, launch_app

USAGE_ERROR, PREFLIGHT_STOPPED = 4, 3


def _run_suite(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    # Nothing of the outer run (its target, credentials, run id, xdist worker) reaches the inner one.
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTEST_", "E2E_")) and key != "GP_RUN_ID"}
    environment.update(env)
    return subprocess.run([sys.executable, "-m", "pytest", "e2e", "-n", "2", "-p", "no:cacheprovider", *args],
                          cwd=ROOT, env=environment, capture_output=True, text=True, timeout=180)


def _the_line(run: subprocess.CompletedProcess[str], cause: str) -> str:
    """The run's one line, naming ``cause``: the only thing it printed (on stdout and on stderr, as said)."""
    output = run.stdout + run.stderr
    assert "Traceback" not in output, output[-3000:]
    out_lines = [line for line in run.stdout.splitlines() if line.strip()]
    err_lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(out_lines) == 1 and len(err_lines) == 1, output[-3000:]
    line = err_lines[0].removeprefix("Exit: ")
    assert out_lines[0] == f"! _pytest.outcomes.Exit: {line} !"
    assert cause in line
    return line


def test_a_browser_that_cannot_start_stops_the_run_naming_it_and_its_first_error_line(tmp_path: Path):
    broken = tmp_path / "chromium"
    first_line = ("chromium: error while loading shared libraries: libnss3.so: cannot open shared object "
                  "file: No such file or directory")
    broken.write_text(f"#!/bin/sh\necho '{first_line}' >&2\necho 'second line' >&2\nexit 1\n")
    broken.chmod(0o755)

    run = _run_suite(env={"E2E_CHROMIUM_EXECUTABLE": str(broken)})

    assert run.returncode == PREFLIGHT_STOPPED, run.stdout[-3000:]
    line = _the_line(run, str(broken))
    assert line == (f"browser: the browser {broken} cannot start (`--version` exited with 1): {first_line}; "
                    "reinstall it, or point E2E_CHROMIUM_EXECUTABLE at a Chromium that starts")
    assert "second line" not in run.stdout + run.stderr


@pytest.mark.parametrize("name, value, why", [
    ("E2E_EXPECT", "(",
     "E2E_EXPECT='(' is not a valid regular expression: missing ), unterminated subpattern at position 0"),
    ("E2E_STARTED_WITHIN_SECONDS", "abc",
     "E2E_STARTED_WITHIN_SECONDS='abc' is not a number of seconds (e.g. 10)"),
    ("E2E_PROMPT", " ", "E2E_PROMPT=' ' is blank"),
])
def test_an_invalid_setting_stops_the_run_naming_the_variable_the_value_and_what_is_wrong(name, value, why):
    run = _run_suite(env={name: value})

    assert run.returncode == USAGE_ERROR, run.stdout[-3000:]
    assert _the_line(run, name).startswith(f"invalid setting: {why}")
    assert "started the reference app" not in run.stdout  # stopped before anything was started


@pytest.fixture
def lockable_app(tmp_path: Path):
    """An app of its own: this test brings its account to the lockout on purpose."""
    app = launch_app(tmp_path / "app")
    yield app
    app.stop()


def test_refused_credentials_stop_the_run_after_a_single_attempt_without_showing_the_password(
    lockable_app: RunningApp,
):
    wrong_password = "Wrong-Pa55word-4711"

    run = _run_suite("--base-url", lockable_app.backend_url,
                     env={"E2E_USER_EMAIL": lockable_app.email, "E2E_USER_PASSWORD": wrong_password})

    assert run.returncode == PREFLIGHT_STOPPED, run.stdout[-3000:]
    masked = f"{lockable_app.email[0]}…@{lockable_app.email.partition('@')[2]}"
    line = _the_line(run, "was refused")
    assert line == (f"preflight failed: POST {lockable_app.auth_url}/auth/login: signing in as {masked} "
                    "(E2E_USER_EMAIL) was refused: HTTP 401 'Invalid email or password'; check "
                    "E2E_USER_EMAIL and E2E_USER_PASSWORD (the password is not shown); "
                    "no further attempt was made")
    assert wrong_password not in run.stdout + run.stderr
    # The run made exactly one failed attempt: four more are refused as wrong, the fifth more is locked out.
    login = f"{lockable_app.auth_url}/auth/login"
    more = [httpx.post(login, json={"email": lockable_app.email, "password": wrong_password}).status_code
            for _ in range(5)]
    assert more == [401, 401, 401, 401, 429]
