"""The truth gate's rules: each way of faking green comes out red with its own reason; a clean run is green.

Every case starts from a clean run (green, exit status 0) and changes one thing, so the one reason
expected is the only reason given.
"""

from __future__ import annotations

import json
import uuid
import xml.etree.ElementTree as ElementTree
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from truth_gate.cli import evaluate, main
from truth_gate.junit import junit_key
from truth_gate.run_record import RunRecord
from truth_gate.verdict import Verdict

GOLDEN = "e2e/test_golden_path.py::test_user_gets_the_answer"
LOGIN = "e2e/test_login.py::test_sign_in_opens_chat"
EXTRA = "e2e/test_chat.py::test_threads_are_listed"
RUN_ID = "20261124T221000Z-abc123"
EVIDENCE = ("websocket-frames", "screenshot: answer shown")


class FakeRun:
    """A results folder, JUnit file and manifest as a real run would leave them, built by hand."""

    def __init__(self, root: Path) -> None:
        self.results = root / "allure-results"
        self.junit = root / "junit.xml"
        self.manifest = root / "release-manifest.toml"
        self.results.mkdir(parents=True)
        started = datetime.now(UTC) - timedelta(minutes=5)
        self.started_ms = int(started.timestamp() * 1000)
        self.record = RunRecord(run_id=RUN_ID, started_at=started.isoformat(), pytest_args=["e2e"],
                                collected=[], exit_status=0, finished_at=datetime.now(UTC).isoformat())
        self.junit_run_id: str | None = RUN_ID
        self.manifest_text = (
            '[evidence]\ndefault = ["websocket-frames", "screenshot"]\n'
            f'[[required]]\nnodeid = "{GOLDEN}"\n'
            f'[[required]]\nnodeid = "{LOGIN}"\nevidence = ["screenshot"]\n'
        )
        self._results: list[dict[str, Any]] = []

    def add(self, nodeid: str, status: str = "passed", *, message: str = "",
            evidence: tuple[str, ...] = EVIDENCE, run_id: str | None = RUN_ID,
            start_offset_ms: int | None = None, collected: bool = True) -> dict[str, Any]:
        """One test attempt's result with its attachments, as allure-pytest writes it."""
        if collected and nodeid not in (self.record.collected or []):
            self.record.collected = [*(self.record.collected or []), nodeid]
        if start_offset_ms is None:
            start_offset_ms = 1000 * (len(self._results) + 1)  # one attempt after the other
        start = self.started_ms + start_offset_ms
        labels = [{"name": "suite", "value": nodeid.split("::")[0]}, {"name": "nodeid", "value": nodeid}]
        if run_id is not None:
            labels.append({"name": "run_id", "value": run_id})
        result: dict[str, Any] = {
            "name": nodeid.split("::")[-1], "status": status, "start": start, "stop": start + 500,
            "uuid": str(uuid.uuid4()), "labels": labels,
            "attachments": [self.attachment(name) for name in evidence],
        }
        if message:
            result["statusDetails"] = {"message": message}
        self._results.append(result)
        return result

    def attachment(self, name: str, body: str | None = None) -> dict[str, str]:
        """An attachment file in the folder; the frame log is JSON, everything else a stand-in PNG."""
        is_json = name.startswith("websocket-frames")
        source = f"{uuid.uuid4()}-attachment.{'json' if is_json else 'png'}"
        if body is None:
            body = '[{"type": "ping"}]' if is_json else "png"
        (self.results / source).write_text(body)
        return {"name": name, "source": source, "type": "application/json" if is_json else "image/png"}

    def clean(self) -> FakeRun:
        """The green baseline: both required tests and one more, each passed with its evidence."""
        self.add(GOLDEN)
        self.add(LOGIN)
        self.add(EXTRA, evidence=())
        return self

    def write(self) -> None:
        for result in self._results:
            (self.results / f"{result['uuid']}-result.json").write_text(json.dumps(result))
        self.record.write(self.results)
        self.manifest.write_text(self.manifest_text)
        self._write_junit()

    def _write_junit(self) -> None:
        suites = ElementTree.Element("testsuites")
        suite = ElementTree.SubElement(suites, "testsuite", name="pytest")
        if self.junit_run_id:
            properties = ElementTree.SubElement(suite, "properties")
            ElementTree.SubElement(properties, "property", name="run_id", value=self.junit_run_id)
        # One case per test, its last attempt: pytest-rerunfailures leaves no <failure> for earlier ones.
        last_attempts: dict[str, dict[str, Any]] = {}
        for result in sorted(self._results, key=lambda result: result["start"]):
            nodeid = next(label["value"] for label in result["labels"] if label["name"] == "nodeid")
            last_attempts[nodeid] = result
        for nodeid, result in last_attempts.items():
            classname, name = junit_key(nodeid)
            case = ElementTree.SubElement(suite, "testcase", classname=classname, name=name)
            if result["status"] in ("failed", "broken"):
                ElementTree.SubElement(case, "failure" if result["status"] == "failed" else "error",
                                       message=result.get("statusDetails", {}).get("message", ""))
            elif result["status"] == "skipped":
                ElementTree.SubElement(case, "skipped", message="skipped")
        ElementTree.ElementTree(suites).write(self.junit, encoding="utf-8", xml_declaration=True)

    def judge(self, mode: str = "release") -> Verdict:
        self.write()
        return evaluate(self.results, self.junit, self.manifest, mode)


@pytest.fixture
def run(tmp_path: Path) -> FakeRun:
    """An empty fake run in a fresh folder."""
    return FakeRun(tmp_path)


def reasons(verdict: Verdict) -> set[tuple[str, str | None]]:
    return {(reason.rule, reason.nodeid) for reason in verdict.reasons}


def test_clean_run_is_green(run: FakeRun) -> None:
    verdict = run.clean().judge()

    assert (verdict.verdict, verdict.reasons, verdict.exit_status) == ("green", [], 0)
    assert verdict.counts["collected"] == verdict.counts["results"] == verdict.counts["passed"] == 3
    assert verdict.run_id == RUN_ID


def test_no_test_ran_is_red(run: FakeRun) -> None:
    run.manifest_text = f'[[required]]\nnodeid = "{EXTRA}"\nevidence = []\n'
    run.add(EXTRA, "skipped", message="Skipped: no browser", evidence=())

    verdict = run.judge()

    assert reasons(verdict) == {("no-tests-ran", None), ("required-skipped", EXTRA)}


def test_empty_collection_is_red(run: FakeRun) -> None:
    run.record.collected = []

    verdict = run.judge()

    assert reasons(verdict) == {
        ("no-tests-ran", None), ("required-missing", GOLDEN), ("required-missing", LOGIN)}


def test_required_test_missing_is_red(run: FakeRun) -> None:
    run.add(GOLDEN)
    run.add(EXTRA, evidence=())

    verdict = run.judge()

    assert reasons(verdict) == {("required-missing", LOGIN)}
    assert "not collected" in verdict.reasons[0].detail


def test_required_test_deselected_is_red(run: FakeRun) -> None:
    run.add(GOLDEN)
    run.record.deselected = [LOGIN]

    verdict = run.judge()

    assert reasons(verdict) == {("required-deselected", LOGIN)}


def test_required_test_skipped_is_red(run: FakeRun) -> None:
    run.add(GOLDEN)
    run.add(LOGIN, "skipped", message="Skipped: flaky on CI", evidence=())

    verdict = run.judge()

    assert reasons(verdict) == {("required-skipped", LOGIN)}
    assert "flaky on CI" in verdict.reasons[0].detail


@pytest.mark.parametrize(("status", "message"), [("skipped", "XFAIL known bug\n\nAssertionError"),
                                                 ("passed", "XPASS known bug")],
                         ids=["xfailed", "xpassed"])
def test_required_test_marked_xfail_is_red(run: FakeRun, status: str, message: str) -> None:
    run.add(GOLDEN, status, message=message)
    run.add(LOGIN)

    verdict = run.judge()

    assert reasons(verdict) == {("required-xfailed", GOLDEN)}


@pytest.mark.parametrize("status", ["failed", "broken"])
def test_failed_or_broken_test_is_red(run: FakeRun, status: str) -> None:
    run.add(GOLDEN, status, message="AssertionError: no answer shown")
    run.add(LOGIN)
    run.add(EXTRA, status, message="TimeoutError", evidence=())

    verdict = run.judge()

    assert reasons(verdict) == {(status, GOLDEN), (status, EXTRA)}
    assert "no answer shown" in [r.detail for r in verdict.reasons if r.nodeid == GOLDEN][0]


def test_collected_test_without_result_is_red(run: FakeRun) -> None:
    run.clean()
    run.record.collected = [*(run.record.collected or []), "e2e/test_chat.py::test_crashes_the_worker"]

    verdict = run.judge()

    assert reasons(verdict) == {("no-result", "e2e/test_chat.py::test_crashes_the_worker")}
    assert "crashed worker" in verdict.reasons[0].detail
    assert verdict.counts["no_result"] == 1


@pytest.mark.parametrize(("how", "why"), [("other run id", "is from run 20261123T080000Z-000000"),
                                         ("no run id label", "has no run_id/nodeid label"),
                                         ("started before the run", "started before this run did")])
def test_stale_result_is_red(run: FakeRun, how: str, why: str) -> None:
    run.clean()
    old = "e2e/test_chat.py::test_removed_since"
    if how == "other run id":
        run.add(old, run_id="20261123T080000Z-000000", collected=False)
    elif how == "no run id label":
        run.add(old, run_id=None, collected=False)
    else:
        run.add(old, start_offset_ms=-60_000, collected=False)

    verdict = run.judge()

    assert reasons(verdict) == {("stale-result", old)}
    assert why in verdict.reasons[0].detail
    assert verdict.counts["stale"] == 1


def test_stale_result_does_not_stand_in_for_a_missing_one(run: FakeRun) -> None:
    run.add(GOLDEN)
    run.add(LOGIN, run_id="20261123T080000Z-000000")

    verdict = run.judge()

    assert reasons(verdict) == {("stale-result", LOGIN), ("no-result", LOGIN)}


def test_result_for_an_uncollected_test_is_red(run: FakeRun) -> None:
    run.clean()
    run.add("e2e/test_chat.py::test_from_nowhere", collected=False)

    verdict = run.judge()

    assert reasons(verdict) == {("uncollected-result", "e2e/test_chat.py::test_from_nowhere")}


def test_pass_on_rerun_recorded_by_the_plugin_is_red_in_release(run: FakeRun) -> None:
    run.clean()
    run.add(LOGIN, "failed", message="AssertionError", start_offset_ms=500)  # the first attempt
    run.record.reruns = {LOGIN: 1}

    verdict = run.judge("release")

    assert reasons(verdict) == {("passed-on-rerun", LOGIN)}


def test_pass_on_rerun_is_a_note_in_nightly(run: FakeRun) -> None:
    run.clean()
    run.add(LOGIN, "failed", message="AssertionError", start_offset_ms=500)
    run.record.reruns = {LOGIN: 1}

    verdict = run.judge("nightly")

    assert verdict.verdict == "green"
    assert [(note.rule, note.nodeid) for note in verdict.notes] == [("passed-on-rerun", LOGIN)]
    assert "note: " + LOGIN in verdict.summary()


def test_pass_on_rerun_is_red_even_when_only_the_results_show_it(run: FakeRun) -> None:
    run.clean()
    run.add(GOLDEN, "broken", message="TimeoutError", start_offset_ms=10)  # earlier attempt, no rerun record
    run.record.reruns = {}

    verdict = run.judge()

    assert ("passed-on-rerun", GOLDEN) in reasons(verdict)


def test_rerun_that_finally_fails_is_red_as_failed(run: FakeRun) -> None:
    run.clean()
    run.add(GOLDEN, "failed", message="AssertionError: again")
    run.record.reruns = {GOLDEN: 1}

    verdict = run.judge()

    assert reasons(verdict) == {("failed", GOLDEN)}


def test_two_results_for_one_test_without_a_rerun_is_red(run: FakeRun) -> None:
    run.clean()
    run.add(EXTRA, evidence=())  # e.g. every xdist worker wrote into a folder nobody emptied

    verdict = run.judge()

    assert ("duplicate-results", EXTRA) in reasons(verdict)


@pytest.mark.parametrize(("evidence", "expected"), [
    (("screenshot: answer shown",), "'websocket-frames' missing"),
    (("websocket-frames",), "'screenshot' missing"),
])
def test_required_test_without_its_evidence_is_red(run: FakeRun, evidence: tuple[str, ...],
                                                   expected: str) -> None:
    run.add(GOLDEN, evidence=evidence)
    run.add(LOGIN)

    verdict = run.judge()

    assert reasons(verdict) == {("evidence-missing", GOLDEN)}
    assert expected in verdict.reasons[0].detail


def test_evidence_whose_file_is_gone_is_red(run: FakeRun) -> None:
    result = run.add(GOLDEN)
    run.add(LOGIN)
    (run.results / result["attachments"][0]["source"]).unlink()

    verdict = run.judge()

    assert reasons(verdict) == {("evidence-missing", GOLDEN)}
    assert "missing or empty" in verdict.reasons[0].detail


def test_frame_log_that_is_not_json_is_red(run: FakeRun) -> None:
    result = run.add(GOLDEN, evidence=("screenshot",))
    result["attachments"].append(run.attachment("websocket-frames", body="not json {"))
    run.add(LOGIN)

    verdict = run.judge()

    assert reasons(verdict) == {("evidence-missing", GOLDEN)}
    assert "not valid JSON" in verdict.reasons[0].detail


def test_evidence_in_steps_and_in_the_tests_own_fixture_counts(run: FakeRun) -> None:
    result = run.add(GOLDEN, evidence=())
    result["steps"] = [{"name": "send", "steps": [{"name": "expect answer",
                                                   "attachments": [run.attachment("screenshot: answer")]}]}]
    container = {"uuid": str(uuid.uuid4()), "children": [result["uuid"]],
                 "afters": [{"name": "ws_frames::0", "attachments": [run.attachment("websocket-frames")]}]}
    (run.results / f"{container['uuid']}-container.json").write_text(json.dumps(container))
    run.add(LOGIN)

    verdict = run.judge()

    assert verdict.verdict == "green", verdict.reasons


def test_evidence_of_a_shared_fixture_does_not_count(run: FakeRun) -> None:
    golden = run.add(GOLDEN, evidence=("screenshot",))
    login = run.add(LOGIN)
    frames = run.attachment("websocket-frames")
    container = {"uuid": str(uuid.uuid4()), "children": [golden["uuid"], login["uuid"]],
                 "afters": [{"name": "session_frames::0", "attachments": [frames]}]}
    (run.results / f"{container['uuid']}-container.json").write_text(json.dumps(container))

    verdict = run.judge()

    assert reasons(verdict) == {("evidence-missing", GOLDEN)}


def test_required_id_matches_its_parametrizations(run: FakeRun) -> None:
    run.add(GOLDEN + "[chromium]")
    run.add(LOGIN + "[chromium]", "failed", message="AssertionError")

    verdict = run.judge()

    assert reasons(verdict) == {("failed", LOGIN + "[chromium]")}


@pytest.mark.parametrize(("exit_status", "rule"),
                         [(1, "exit-status"), (5, "exit-status"), (None, "no-exit-status")])
def test_pytest_exit_status_other_than_zero_is_red(run: FakeRun, exit_status: int | None, rule: str) -> None:
    run.clean()
    run.record.exit_status = exit_status

    verdict = run.judge()

    assert reasons(verdict) == {(rule, None)}


def test_a_run_stopped_before_the_tests_says_why_first(run: FakeRun) -> None:
    run.record.collected = []
    run.record.exit_status = 3
    run.record.stopped_reason = "preflight failed: http://127.0.0.1:9/health: cannot connect"

    verdict = run.judge()

    assert verdict.reasons[0].rule == "run-stopped"
    assert "http://127.0.0.1:9/health" in verdict.reasons[0].detail
    assert verdict.verdict == "red"


def test_a_run_stopped_before_the_tests_without_a_junit_file_is_red_not_unusable(run: FakeRun) -> None:
    run.record.collected = []
    run.record.exit_status = 3
    run.record.stopped_reason = "preflight failed: http://127.0.0.1:9/health: cannot connect"
    run.write()
    run.junit.unlink()

    verdict = evaluate(run.results, run.junit, run.manifest, "release")

    assert (verdict.verdict, verdict.reasons[0].rule) == ("red", "run-stopped")


def test_unfinished_collection_is_red(run: FakeRun) -> None:
    run.clean()
    run.record.collected = None

    verdict = run.judge()

    assert reasons(verdict) == {("collection-incomplete", None)}


@pytest.mark.parametrize("junit_run_id", ["20261123T080000Z-000000", None])
def test_junit_file_from_another_run_is_red(run: FakeRun, junit_run_id: str | None) -> None:
    run.clean()
    run.junit_run_id = junit_run_id

    verdict = run.judge()

    assert reasons(verdict) == {("stale-junit", None)}


def test_junit_failure_the_allure_results_do_not_show_is_red(run: FakeRun) -> None:
    run.clean()
    run.write()
    tree = ElementTree.parse(run.junit)
    suite = tree.getroot().find("testsuite")
    assert suite is not None
    error = ElementTree.SubElement(suite, "testcase", classname="e2e.test_chat", name="")
    ElementTree.SubElement(error, "error", message="collection failure")
    tree.write(run.junit)

    verdict = evaluate(run.results, run.junit, run.manifest, "release")

    assert reasons(verdict) == {("junit-failure", "e2e.test_chat")}


def test_cli_green_prints_summary_writes_verdict_and_exits_0(run: FakeRun, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    run.clean().write()
    out = tmp_path / "reports" / "verdict.json"

    status = main(["--results", str(run.results), "--junit", str(run.junit), "--manifest", str(run.manifest),
                   "--out", str(out)])

    assert status == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"truth-gate: GREEN (release) run {RUN_ID}\n")
    assert f"verdict written to {out}" in printed
    written = json.loads(out.read_text())
    assert (written["verdict"], written["run_id"], written["reasons"]) == ("green", RUN_ID, [])
    assert written["counts"]["passed"] == 3


def test_cli_red_lists_every_reason_and_exits_1(run: FakeRun, tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    run.add(GOLDEN, "failed", message="AssertionError: no answer")
    run.record.exit_status = 1
    run.write()
    out = tmp_path / "verdict.json"

    status = main(["--results", str(run.results), "--junit", str(run.junit), "--manifest", str(run.manifest),
                   "--out", str(out), "--mode", "nightly"])

    assert status == 1
    printed = capsys.readouterr().out
    assert printed.startswith(f"truth-gate: RED (nightly) run {RUN_ID}\n")
    assert f"  - {GOLDEN}: failed: AssertionError: no answer" in printed
    written = json.loads(out.read_text())
    assert {(r["rule"], r["nodeid"]) for r in written["reasons"]} == {
        ("failed", GOLDEN), ("required-missing", LOGIN), ("exit-status", None)}


# --- target profiles: tests a profile declares not applicable (issue 10) ----------------------------


def test_required_test_declared_not_applicable_by_the_target_is_green_when_skipped(run: FakeRun) -> None:
    run.add(GOLDEN)
    run.add(LOGIN, "skipped", message="Skipped: not applicable to acme-chat: no such page", evidence=())
    run.record.target = "acme-chat"
    run.record.not_applicable = {LOGIN: "no such page"}

    verdict = run.judge()

    assert (verdict.verdict, verdict.reasons) == ("green", [])


def test_a_skip_the_target_did_not_declare_is_red(run: FakeRun) -> None:
    run.clean()
    run.add("e2e/test_chat.py::test_streams", "skipped", message="Skipped: flaky", evidence=())
    run.record.target = "acme-chat"
    run.record.not_applicable = {"e2e/test_chat.py::test_history": "no data layer"}

    verdict = run.judge()

    assert reasons(verdict) == {("skipped-undeclared", "e2e/test_chat.py::test_streams")}


def test_a_test_declared_not_applicable_that_ran_anyway_is_red(run: FakeRun) -> None:
    run.clean()
    run.record.target = "acme-chat"
    run.record.not_applicable = {EXTRA: "no thread list"}

    verdict = run.judge()

    assert reasons(verdict) == {("not-applicable-ran", EXTRA)}


def test_a_declaration_names_every_parametrization_of_a_test(run: FakeRun) -> None:
    run.add(GOLDEN)
    run.add(f"{LOGIN}[chromium-1006]", "skipped", message="Skipped: not applicable", evidence=())
    run.record.target = "acme-chat"
    run.record.not_applicable = {LOGIN: "no such close code"}

    verdict = run.judge()

    assert (verdict.verdict, verdict.reasons) == ("green", [])


def test_a_run_stopped_at_its_first_failure_names_that_test_first_then_why_it_stopped(run: FakeRun) -> None:
    run.record.collected = [LOGIN, GOLDEN, EXTRA]
    run.add(GOLDEN, "failed", message="AssertionError: the ai-message should become complete, but the page "
                                      "gave up on it first: error-banner AGENT_TIMEOUT", evidence=EVIDENCE)
    run.record.exit_status = 2
    run.record.stopped_reason = "stopping after 1 failures"

    verdict = run.judge()

    assert verdict.verdict == "red"
    assert (verdict.reasons[0].rule, verdict.reasons[0].nodeid) == ("failed", GOLDEN)
    assert "AGENT_TIMEOUT" in verdict.reasons[0].detail
    assert verdict.reasons[1].rule == "run-stopped-early"
    assert "2 test(s) not run: stopping after 1 failures" in verdict.reasons[1].detail
    not_run = {reason.nodeid for reason in verdict.reasons if reason.rule == "not-run"}
    assert not_run == {LOGIN, EXTRA}
    assert not any("crashed" in reason.detail or "before the tests" in reason.detail
                   for reason in verdict.reasons)
