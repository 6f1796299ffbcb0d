"""What the suite finds in the bundled Chainlit app is what it found before (issue 10).

The whole browser suite runs against the bundled Chainlit app (``--target chainlit``, no base URL:
the suite starts it), as ``nox -s findings`` does, and its promises table is compared with
``targets/chainlit/expected-promises.json``: the golden path, streaming and sign-in kept; a silent
agent, an agent error and a dropped connection broken, each saying what the user did not see. A
Chainlit upgrade that changes behaviour shows here as a named difference, not as a random red.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from fixtures.promises import BROKEN, KEPT, NOT_APPLICABLE, PROMISES_JSON
from targets.findings import differences, expected_path

ROOT = Path(__file__).resolve().parents[2]
# The bundled app answers within a second or two; a run it never answers costs this much.
COMPLETED_WITHIN_SECONDS = "30"

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def chainlit_findings(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The promises table of one whole suite run against the bundled Chainlit app."""
    reports = tmp_path_factory.mktemp("chainlit-reports")
    environment = {name: value for name, value in os.environ.items()
                   if not name.startswith(("E2E_", "PYTEST_XDIST", "GP_RUN"))}
    environment["E2E_COMPLETED_WITHIN_SECONDS"] = COMPLETED_WITHIN_SECONDS
    command = [sys.executable, "-m", "pytest", "e2e", "--target", "chainlit", "-n", "2", "-q",
               "-p", "no:cacheprovider", "-p", "no:randomly", "--alluredir", str(reports / "allure-results")]
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=1200)
    output = result.stdout + result.stderr
    table_file = reports / PROMISES_JSON
    assert table_file.is_file(), (f"the run left no promises table (exit {result.returncode}):\n"
                                  f"{output[-4000:]}")
    table: dict[str, Any] = json.loads(table_file.read_text(encoding="utf-8"))
    table["_output"] = output
    table["_exit"] = result.returncode
    return table


def test_the_promises_of_the_bundled_chainlit_app_are_the_expected_ones(
    chainlit_findings: dict[str, Any],
) -> None:
    expected = json.loads(expected_path("chainlit").read_text(encoding="utf-8"))

    found = differences(expected, chainlit_findings)

    assert not found, ("the Chainlit findings changed:\n  - " + "\n  - ".join(found)
                       + "\n\n" + chainlit_findings["_output"][-3000:])


def test_each_broken_promise_says_what_the_user_did_not_see_and_the_run_is_red(
    chainlit_findings: dict[str, Any],
) -> None:
    broken = [promise for promise in chainlit_findings["promises"] if promise["outcome"] == BROKEN]
    kept = {promise["nodeid"].split("::")[-1].split("[")[0] for promise in chainlit_findings["promises"]
            if promise["outcome"] == KEPT}

    assert broken and chainlit_findings["_exit"] == pytest.ExitCode.TESTS_FAILED
    told = ("never told", "silently lost", "did not complete")
    vague = [promise for promise in broken if not any(words in promise["detail"] for words in told)]
    assert not vague, f"broken promises that do not say what the user missed: {vague}"
    assert {"test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget",
            "test_answer_text_only_grows_while_streaming_then_completes",
            "test_valid_credentials_land_on_chat_with_the_email_in_the_user_menu"} <= kept


def test_every_promise_declared_not_applicable_has_its_reason_in_the_table(
    chainlit_findings: dict[str, Any],
) -> None:
    declared = [promise for promise in chainlit_findings["promises"] if promise["outcome"] == NOT_APPLICABLE]

    assert declared and all(promise["detail"] for promise in declared), declared
    assert chainlit_findings["facts"]["watchdog"].startswith("30 s (the suite's E2E_PATIENCE_SECONDS")
