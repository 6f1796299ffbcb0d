"""What the suite finds in each product's bundled app is what it found before (issue 10).

For every profile in the registry with ``has_findings``, the whole browser suite runs once against
its bundled app (``--target NAME``, no base URL: the suite starts it), as ``nox -s findings`` does,
and its promises table is compared with ``targets/NAME/expected-promises.json``: the golden path,
streaming and sign-in kept; each broken promise saying what the user did not see; each promise the
profile declares not applicable carrying its reason. An upgrade of a product that changes its
behaviour shows here as a named difference, not as a random red. One whole suite run a product, shared
by the three tests of that product.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from engine.promises import BROKEN, KEPT, NOT_APPLICABLE, PROMISES_JSON, promise_key
from targets.findings import differences, expected_path, names_with_findings
from targets.registry import get_profile

ROOT = Path(__file__).resolve().parents[2]
# The bundled apps answer within a second or two; a run one never answers costs this much.
COMPLETED_WITHIN_SECONDS = "30"
# Promises every product with recorded findings keeps (the golden path, streaming, signing in through the
# page): without them the suite tested nothing there. A profile may not declare them not applicable.
ALWAYS_KEPT = {"test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget",
               "test_answer_text_only_grows_while_streaming_then_completes",
               "test_wrong_password_for_the_known_account_is_refused_without_a_session_and_the_right_one_gets_in"}

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", params=names_with_findings())
def findings(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The promises table of one whole suite run against one product's bundled app."""
    name: str = request.param
    reports = tmp_path_factory.mktemp(f"{name}-reports")
    environment = {variable: value for variable, value in os.environ.items()
                   if not variable.startswith(("E2E_", "PYTEST_XDIST", "GP_RUN"))}
    environment["E2E_COMPLETED_WITHIN_SECONDS"] = COMPLETED_WITHIN_SECONDS
    command = [sys.executable, "-m", "pytest", "e2e", "--target", name, "-n", "2", "-q",
               "-p", "no:cacheprovider", "-p", "no:randomly", "--alluredir", str(reports / "allure-results")]
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=1200)
    output = result.stdout + result.stderr
    table_file = reports / PROMISES_JSON
    assert table_file.is_file(), (f"the {name} run left no promises table (exit {result.returncode}):\n"
                                  f"{output[-4000:]}")
    table: dict[str, Any] = json.loads(table_file.read_text(encoding="utf-8"))
    table["_output"] = output
    table["_exit"] = result.returncode
    return table


def test_the_promises_of_the_bundled_app_are_the_expected_ones(findings: dict[str, Any]) -> None:
    expected = json.loads(expected_path(findings["target"]).read_text(encoding="utf-8"))

    found = differences(expected, findings)

    assert not found, (f"the {findings['target']} findings changed:\n  - " + "\n  - ".join(found)
                       + "\n\n" + findings["_output"][-3000:])


def test_the_golden_path_streaming_and_sign_in_are_kept_and_each_broken_promise_says_what_the_user_missed(
    findings: dict[str, Any],
) -> None:
    broken = [promise for promise in findings["promises"] if promise["outcome"] == BROKEN]
    kept = {promise["nodeid"].split("::")[-1].split("[")[0] for promise in findings["promises"]
            if promise["outcome"] == KEPT}

    assert ALWAYS_KEPT <= kept, f"not kept: {sorted(ALWAYS_KEPT - kept)}"
    expected_exit = pytest.ExitCode.TESTS_FAILED if broken else pytest.ExitCode.OK
    assert findings["_exit"] == expected_exit, findings["_output"][-3000:]
    told = ("never told", "not told", "did not see", "silently lost", "did not complete")
    vague = [promise for promise in broken if not any(words in promise["detail"] for words in told)]
    assert not vague, f"broken promises that do not say what the user missed: {vague}"


def test_every_promise_declared_not_applicable_has_the_profiles_reason_in_the_table(
    findings: dict[str, Any],
) -> None:
    declared = get_profile(findings["target"]).not_applicable
    shown = {promise_key(promise["nodeid"]): promise["detail"] for promise in findings["promises"]
             if promise["outcome"] == NOT_APPLICABLE}

    assert set(shown) == set(declared), (sorted(shown), sorted(declared))
    assert all(shown[key] == reason and reason for key, reason in declared.items()), shown
    assert re.fullmatch(r"\d+(\.\d+)? s \(.+\)", findings["facts"]["watchdog"]), findings["facts"]
