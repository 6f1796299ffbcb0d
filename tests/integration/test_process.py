"""The app as a process: command line, READY line, clean stop."""

from __future__ import annotations

import subprocess
import sys

import httpx

from reference_app.faults import FAULTS
from tests.integration.helpers import ROOT, launch_app


def test_ready_line_then_sigterm_stops_both_services_with_exit_0(tmp_path):
    app = launch_app(tmp_path)
    assert httpx.get(f"{app.backend_url}/health").status_code == 200
    assert app.stdout_lines[-1] == f"READY backend={app.backend_url} auth={app.auth_url}"
    assert sum(line.startswith("READY") for line in app.stdout_lines) == 1

    exit_status = app.stop()

    assert exit_status == 0, app.log_tail()
    for url in (app.backend_url, app.auth_url):
        try:
            httpx.get(f"{url}/health", timeout=2)
            raise AssertionError(f"{url} still answers after SIGTERM")
        except httpx.ConnectError:
            pass


def test_unknown_fault_exits_2_naming_the_known_ones():
    result = subprocess.run([sys.executable, "-m", "reference_app", "--faults", "nosuch"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 2
    assert "unknown fault(s): nosuch" in result.stderr and "agent_silent_after_started" in result.stderr


def test_list_faults_prints_every_fault():
    result = subprocess.run([sys.executable, "-m", "reference_app", "--list-faults"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)

    assert result.returncode == 0
    assert all(name in result.stdout for name in FAULTS)
