"""The environment of every run the bench starts: the caller's, without what would change what is measured."""

from __future__ import annotations

import os
from pathlib import Path

# The checkout the bench runs in (and runs the suite of): the folder above bench/.
ROOT = Path(__file__).resolve().parent.parent

# A target, credentials, a remote browser or a run id from the caller would replace the bundled app, the
# local Chromium or the run's own identity; PYTEST_ADDOPTS would add arguments to every run.
NOT_INHERITED = ("E2E_BASE_URL", "PYTEST_BASE_URL", "E2E_USER_EMAIL", "E2E_USER_PASSWORD", "E2E_APP_LOG",
                 "E2E_RUN_ID", "PYTEST_ADDOPTS", "E2E_STOP_FILE", "E2E_REPORTS_DIR", "E2E_BROWSER_ENDPOINT",
                 "E2E_BROWSER_HEADERS")


def run_environment() -> dict[str, str]:
    """``os.environ`` without ``NOT_INHERITED``."""
    return {name: value for name, value in os.environ.items() if name not in NOT_INHERITED}
