"""``-p bench.plugin --bench-out FILE``: every test's phase durations, as the pytest controller saw them.

Under xdist the workers' reports reach the controller with their durations and
``user_properties`` (``fixture_waited_for_app_seconds``, written by the page
fixtures), so the controller alone writes the file. It also records the
target's ``watchdog_seconds`` while the target is still up.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from engine.settings import BASE_URL_VARIABLE
from targets.contract.preflight import read_target_config

# The suite's journey markers worth grouping by (pytest.ini registers them).
_MARKERS = frozenset({"golden_path", "smoke", "auth", "chat", "websocket", "timeout"})


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--bench-out", metavar="FILE", help="write each test's phase durations to FILE (JSON)")


def pytest_configure(config: pytest.Config) -> None:
    out = config.getoption("bench_out")
    if out and not hasattr(config, "workerinput"):
        config.pluginmanager.register(PhaseRecorder(Path(out)), "bench_phase_recorder")


class PhaseRecorder:
    """Setup, call and teardown durations of each test, and what its fixtures spent waiting for the app."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.tests: dict[str, dict[str, Any]] = {}

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        node = getattr(report, "node", None)  # under xdist: the worker that ran it
        record = self.tests.setdefault(report.nodeid, {
            "nodeid": report.nodeid,
            "worker": getattr(getattr(node, "gateway", None), "id", "main"),
            "markers": sorted(name for name in report.keywords if name in _MARKERS),
            "attempts": 0,
        })
        if report.when == "setup":
            record["attempts"] += 1
            record["start"] = report.start
        record[report.when] = round(report.duration, 3)
        record[f"{report.when}_outcome"] = report.outcome
        if report.when == "teardown":
            record["stop"] = report.stop
            record["user_properties"] = [[name, value] for name, value in report.user_properties]

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        watchdog_seconds = None
        base_url = os.environ.get(BASE_URL_VARIABLE)  # the target, still up until pytest_unconfigure
        if base_url:
            try:
                watchdog_seconds = read_target_config(base_url).watchdog_seconds
            except (httpx.HTTPError, ValueError):
                pass
        payload = {"exit_status": int(exitstatus), "watchdog_seconds": watchdog_seconds,
                   "tests": list(self.tests.values())}
        self.out.write_text(json.dumps(payload, indent=1), encoding="utf-8")
