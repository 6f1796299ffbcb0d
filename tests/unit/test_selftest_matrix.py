"""The self-test's matrix names every fault and real tests, and its verdicts are the ones it should give."""

from __future__ import annotations

from pathlib import Path

import pytest

from reference_app.faults import FAULTS
from selftest.__main__ import collect_e2e
from selftest.matrix import GOLDEN_PATH, MATRIX, Expectation, catching_tests, unmatched_faults
from selftest.report import matrix_table
from selftest.runner import (
    FAILURES,
    GREEN,
    NOTHING,
    PREFLIGHT,
    CaseResult,
    expected_outcome,
    judge,
    junit_outcomes,
)

LOGIN = "e2e/test_login.py::test_a[chromium]"
CHAT = "e2e/test_chat.py::test_b[chromium]"
AUTH_URL = "http://127.0.0.1:40123"


def test_every_fault_of_the_app_has_a_matrix_entry_and_no_entry_is_stale():
    assert unmatched_faults(list(FAULTS)) == ([], [])


def test_every_fault_is_expected_to_be_caught_by_a_test_or_the_preflight():
    assert [name for name, expectation in MATRIX.items() if not expectation.tests_to_run] == []


def test_a_fault_without_an_entry_is_reported():
    assert unmatched_faults([*FAULTS, "ui_new_fault"]) == (["ui_new_fault"], [])


def test_every_node_id_in_the_matrix_is_a_test_of_e2e():
    collected = set(collect_e2e())

    named = {nodeid for expectation in MATRIX.values() for nodeid in expectation.tests_to_run}

    assert named - collected == set()


def test_preflight_faults_run_the_golden_path_and_the_baseline_runs_every_catcher():
    assert Expectation(preflight=True).tests_to_run == (GOLDEN_PATH,)
    assert set(catching_tests()) == {nodeid for e in MATRIX.values() for nodeid in e.tests_to_run}


@pytest.mark.parametrize(("expectation", "outcome"), [
    (None, NOTHING), (Expectation(), NOTHING), (Expectation((LOGIN,)), FAILURES),
    (Expectation(preflight=True), PREFLIGHT),
])
def test_expected_outcome(expectation: Expectation | None, outcome: str):
    assert expected_outcome(expectation) == outcome


def _case(outcome: str, exit_code: int | None, failed: list[str], passed: list[str] = ()) -> CaseResult:
    return CaseResult("a_fault", outcome, [LOGIN, CHAT], exit_code=exit_code, failed=failed,
                      passed=list(passed))


def test_a_fault_is_caught_only_when_every_expected_test_failed():
    caught, half = _case(FAILURES, 1, [LOGIN, CHAT]), _case(FAILURES, 1, [LOGIN], [CHAT])

    judge(caught, "", AUTH_URL)
    judge(half, "", AUTH_URL)

    assert caught.ok
    assert not half.ok and CHAT in half.detail


def test_a_green_or_hung_run_catches_nothing():
    green, hung = _case(FAILURES, 0, []), _case(FAILURES, None, [])

    judge(green, "", AUTH_URL)
    judge(hung, "", AUTH_URL)

    assert not green.ok and "green" in green.detail
    assert not hung.ok and "did not end" in hung.detail


def test_the_baseline_is_green_only_when_every_test_passed():
    green, red = _case(GREEN, 0, [], [LOGIN, CHAT]), _case(GREEN, 1, [CHAT], [LOGIN])

    judge(green, "", AUTH_URL)
    judge(red, "", AUTH_URL)

    assert green.ok and not red.ok


def test_a_preflight_fault_needs_exit_code_3_and_a_line_naming_the_auth_url():
    line = f"!!! Exit: preflight failed: {AUTH_URL}/health: cannot connect; is the auth service running? !!!"
    named, unnamed, wrong_code = (_case(PREFLIGHT, 3, []), _case(PREFLIGHT, 3, []), _case(PREFLIGHT, 1, []))

    judge(named, line, AUTH_URL)
    judge(unnamed, line, "http://127.0.0.1:9")
    judge(wrong_code, line, AUTH_URL)

    assert named.ok and named.detail.startswith(f"preflight failed: {AUTH_URL}/health")
    assert not unnamed.ok and "does not name" in unnamed.detail
    assert not wrong_code.ok


def test_junit_failures_errors_and_passes_become_node_ids(tmp_path: Path):
    junit = tmp_path / "junit.xml"
    junit.write_text(
        '<testsuites><testsuite>'
        '<testcase classname="e2e.test_login" name="test_a[chromium]"><failure message="x"/></testcase>'
        '<testcase classname="e2e.test_chat" name="test_b[chromium]"/>'
        '<testcase classname="e2e.test_chat" name="test_b[chromium]"><error message="teardown"/></testcase>'
        '<testcase classname="e2e.test_new" name="test_c[chromium]"><failure message="y"/></testcase>'
        '</testsuite></testsuites>')

    failed, passed = junit_outcomes(junit, [LOGIN, CHAT])

    assert failed == [LOGIN, CHAT, "e2e/test_new.py::test_c[chromium]"]
    assert passed == []


def test_no_junit_file_means_no_test_ran(tmp_path: Path):
    assert junit_outcomes(tmp_path / "missing.xml", [LOGIN]) == ([], [])


def test_the_printed_matrix_has_a_row_per_case_with_its_verdict():
    caught = _case(FAILURES, 1, [LOGIN, CHAT])
    caught.ok = True
    missed = CaseResult("other_fault", NOTHING, [], detail="no test is expected to catch this fault")

    table = matrix_table([caught, missed])

    assert "test_login::test_a" in table and "CAUGHT" in table
    assert "other_fault" in table and "NOT CAUGHT" in table
