"""Root conftest: registers the suite's fixture modules and the run-wide guards."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).parent

# One concern a module; see fixtures/README.md.
pytest_plugins: list[str] = [
    "fixtures.settings",
    "fixtures.redaction",
    "fixtures.target",
    "fixtures.browser",
    "fixtures.websocket",
    "fixtures.auth",
    "fixtures.app_pages",
    "fixtures.test_data",
    "fixtures.clock",
    "fixtures.tamper",
    "fixtures.witness",
    "truth_gate.pytest_plugin",
    "fixtures.browser_evidence",
    "fixtures.allure_labels",
    "fixtures.allure_environment",
    "fixtures.run_guards",
    "fixtures.promises",
    "fixtures.run_stop",
    "fixtures.latency",
]

_CATEGORY_BY_FOLDER = {"unit": "unit", "integration": "integration", "e2e": "e2e"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark each test with its category from the folder it lives in."""
    for item in items:
        parts = Path(str(item.path)).relative_to(ROOT).parts
        for part in parts[:-1]:
            marker = _CATEGORY_BY_FOLDER.get(part)
            if marker:
                item.add_marker(marker)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """A run in which no test passed is a failure, even if pytest would call it green (all skipped)."""
    if hasattr(session.config, "workerinput") or session.config.option.collectonly:
        return  # the controller judges the whole run; listing tests is not running them
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None or exitstatus != pytest.ExitCode.OK:
        return
    passed = len([r for r in reporter.stats.get("passed", []) if getattr(r, "when", "call") == "call"])
    if passed == 0:
        reporter.write_line(
            "ERROR: no test passed in this run (all skipped or deselected): that is not green",
            red=True, bold=True,
        )
        session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
