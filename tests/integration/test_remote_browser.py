"""E2E_BROWSER_ENDPOINT: the suite through a real Playwright browser server, and the preflight's three stops.

The server is the one ``nox -s browser_server`` runs (``engine/browser_server.py``: the installed
Playwright's ``run-server --unsafe`` on loopback); the target is a reference app started here. A
server that claims another Playwright version is the same server started with ``PW_VERSION_OVERRIDE``,
which is where Playwright's server takes its version from.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.browser_server import BrowserServer, free_port
from engine.preflight import PreflightFailure, run_browser_preflight
from engine.settings import BrowserConnection
from fixtures.browser import CHROMIUM_ARGS, remote_launch_options, suite_launch_args
from tests.integration.helpers import ROOT, RunningApp, launch_app

TOKEN = "farm-token-5f3a9c1e7b"
HEADER_TOKEN = "header-secret-8d2e4b6a0c"
SIGNED_OUT_TEST = "e2e/test_login.py::test_chat_while_signed_out_goes_to_login"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningApp]:
    """The target: a reference app of its own."""
    running = launch_app(tmp_path_factory.mktemp("remote-app"))
    yield running
    running.stop()


@pytest.fixture(scope="module")
def browser_server() -> Iterator[BrowserServer]:
    """A browser server on a free loopback port, as `nox -s browser_server` starts it."""
    server = BrowserServer()
    server.start()
    yield server
    server.stop()


def _inner(app: RunningApp, reports: Path, endpoint: str, *args: str,
           headers: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "E2E_"))}
    environment.update(E2E_USER_EMAIL=app.email, E2E_USER_PASSWORD=app.password,
                       E2E_BROWSER_ENDPOINT=endpoint)
    if headers is not None:
        environment["E2E_BROWSER_HEADERS"] = json.dumps(headers)
    command = [sys.executable, "-m", "pytest", SIGNED_OUT_TEST, "-p", "no:cacheprovider", "-p", "no:randomly",
               "--base-url", app.backend_url, "--alluredir", str(reports / "allure-results"),
               "--junitxml", str(reports / "junit.xml"), "--output", str(reports / "test-results"), *args]
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)


def test_the_suite_runs_through_the_browser_server_and_keeps_its_token_secret(
        app: RunningApp, browser_server: BrowserServer, tmp_path: Path) -> None:
    endpoint = f"{browser_server.endpoint}?token={TOKEN}"

    inner = _inner(app, tmp_path, endpoint, headers={"Authorization": f"Bearer {HEADER_TOKEN}"})

    output = inner.stdout + inner.stderr
    assert inner.returncode == 0, output[-3000:]
    assert f"e2e: browser server {browser_server.endpoint}?token=<redacted>" in output
    record = json.loads((tmp_path / "allure-results" / "gp-run.json").read_text())
    assert record["browser_endpoint"] == f"{browser_server.endpoint}?token=<redacted>"
    environment = (tmp_path / "allure-results" / "environment.properties").read_text()
    assert f"browser.endpoint={browser_server.endpoint}?token=<redacted>" in environment
    leaks = [str(path) for path in tmp_path.rglob("*") if path.is_file()
             and (TOKEN.encode() in path.read_bytes() or HEADER_TOKEN.encode() in path.read_bytes())]
    assert leaks == [] and TOKEN not in output and HEADER_TOKEN not in output


def test_a_server_that_does_not_answer_stops_the_run_in_one_line(app: RunningApp, tmp_path: Path) -> None:
    endpoint = f"ws://127.0.0.1:{free_port()}/"

    inner = _inner(app, tmp_path, endpoint)

    stops = [line for line in (inner.stdout + inner.stderr).splitlines()
             if line.startswith("Exit: preflight failed")]
    assert inner.returncode == 3, inner.stdout[-3000:]
    assert stops == [f"Exit: preflight failed: {endpoint}: the browser server does not answer: cannot "
                     "connect ([Errno 111] Connection refused); start it (nox -s browser_server -- --port "
                     "PORT) or fix E2E_BROWSER_ENDPOINT"]


def test_a_server_of_another_playwright_version_is_named_with_both_versions(app: RunningApp,
                                                                             tmp_path: Path) -> None:
    from importlib import metadata

    other = BrowserServer(extra_env={"PW_VERSION_OVERRIDE": "1.40.0"})
    other.start()
    try:
        inner = _inner(app, tmp_path, other.endpoint)
    finally:
        other.stop()

    stops = [line for line in (inner.stdout + inner.stderr).splitlines()
             if line.startswith("Exit: preflight failed")]
    assert inner.returncode == 3, inner.stdout[-3000:]
    assert len(stops) == 1
    assert (f"Playwright version mismatch: the browser server runs 1.40, this suite "
            f"{metadata.version('playwright')}") in stops[0]


def test_a_server_whose_browser_cannot_reach_the_target_is_named(browser_server: BrowserServer) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}"
    launch = remote_launch_options(suite_launch_args({"headless": True}))

    with pytest.raises(PreflightFailure) as failure:
        run_browser_preflight(BrowserConnection(browser_server.endpoint), launch, unreachable)

    assert failure.value.cause.startswith(f"its browser cannot reach the target: {unreachable}/: ")
    assert "ERR_CONNECTION_REFUSED" in failure.value.cause


def test_the_launch_options_reach_the_server_in_camel_case() -> None:
    options = remote_launch_options({"executable_path": "/usr/bin/chromium", "args": list(CHROMIUM_ARGS),
                                     "slow_mo": 10, "headless": True})

    assert options == {"executablePath": "/usr/bin/chromium", "args": list(CHROMIUM_ARGS), "slowMo": 10,
                       "headless": True}
