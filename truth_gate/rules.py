"""The rules: every way a run can look green without being green, each turned into a reason."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from truth_gate.allure_results import AllureResult, Attachment
from truth_gate.junit import JUnitReport, junit_key
from truth_gate.manifest import Manifest, RequiredTest
from truth_gate.run_record import RunRecord
from truth_gate.verdict import Reason

RELEASE, NIGHTLY = "release", "nightly"
MODES = (RELEASE, NIGHTLY)

_RAN = ("passed", "failed", "broken", "xpassed")


@dataclass
class Inputs:
    results_dir: Path
    record: RunRecord
    results: list[AllureResult]
    junit: JUnitReport
    manifest: Manifest


@dataclass
class _Test:
    """One collected test and the results this run wrote for it, oldest attempt first."""

    nodeid: str
    attempts: list[AllureResult]

    @property
    def final(self) -> AllureResult | None:
        return self.attempts[-1] if self.attempts else None


def judge(inputs: Inputs, mode: str) -> tuple[list[Reason], dict[str, int]]:
    """Every finding about the run, and the counts for the summary."""
    findings: list[Reason] = []
    stopped = inputs.record.stopped_reason
    fresh, stale = _split_stale(inputs, findings)
    if stopped and not fresh:
        # the cause comes first; what follows (nothing collected, no results) is its consequence
        findings.insert(0, Reason("run-stopped", f"pytest stopped before the tests: {stopped}"))
    collected = inputs.record.collected
    if collected is None:
        findings.append(Reason("collection-incomplete",
                               "the run record has no collected tests: collection never finished"))
        collected = sorted({result.nodeid for result in fresh if result.nodeid})
    tests = _tests(collected, fresh, findings)

    for test in tests.values():
        findings.extend(_judge_test(test, inputs.record.reruns.get(test.nodeid, 0), mode,
                                    inputs.record.not_applicable_reason(test.nodeid), inputs.record.target))
    for required in inputs.manifest.required:
        findings.extend(_judge_required(required, tests, inputs))
    if not any(test.final and test.final.outcome in _RAN for test in tests.values()):
        findings.append(Reason("no-tests-ran", "no test ran in this run (none collected, or all skipped)"))
    findings.extend(_judge_exit_status(inputs.record))
    findings.extend(_judge_junit(inputs.junit, inputs.record.run_id, tests, findings))
    if stopped and fresh:
        findings = _stopped_during_the_tests(findings, stopped)
    return findings, _counts(tests, stale, inputs)


_FAILURES = ("failed", "broken")


def _stopped_during_the_tests(findings: list[Reason], stopped: str) -> list[Reason]:
    """A run stopped early (``--maxfail``, a dead target): the failures that stopped it come first,
    then why it stopped; the tests it never started are "not run" because of that, not crashes."""
    not_run = [finding for finding in findings if finding.rule == "no-result"]
    failures = [finding for finding in findings if finding.rule in _FAILURES]
    rest = [finding for finding in findings if finding not in not_run and finding not in failures]
    why = Reason("run-stopped-early", f"the run stopped early, {len(not_run)} test(s) not run: {stopped}")
    return [*failures, why, *rest,
            *(Reason("not-run", f"not run: the run stopped early ({stopped})", nodeid=finding.nodeid)
              for finding in not_run)]


def _split_stale(inputs: Inputs, findings: list[Reason]) -> tuple[list[AllureResult], list[AllureResult]]:
    """Results of this run, and the rest: left over in the folder from an earlier run, or foreign."""
    fresh, stale = [], []
    run_id, started_ms = inputs.record.run_id, inputs.record.started_at_ms
    for result in inputs.results:
        if result.run_id is None or result.nodeid is None:
            why = "has no run_id/nodeid label: not written by a run with the truth_gate plugin"
        elif result.run_id != run_id:
            why = f"is from run {result.run_id}, not this run"
        elif result.start is None or result.start < started_ms:
            why = "started before this run did"
        else:
            fresh.append(result)
            continue
        stale.append(result)
        findings.append(Reason("stale-result", f"stale result {result.file} ({result.name}) {why}",
                               nodeid=result.nodeid))
    return fresh, stale


def _tests(collected: list[str], fresh: list[AllureResult], findings: list[Reason]) -> dict[str, _Test]:
    tests = {nodeid: _Test(nodeid, []) for nodeid in collected}
    for result in sorted(fresh, key=lambda result: (result.start or 0, result.stop or 0)):
        test = tests.get(str(result.nodeid))
        if test is None:
            findings.append(Reason("uncollected-result", f"result {result.file} is for a test this run never "
                                   "collected", nodeid=result.nodeid))
        else:
            test.attempts.append(result)
    return tests


def _judge_test(test: _Test, reruns: int, mode: str, not_applicable: str | None = None,
                target: str | None = None) -> list[Reason]:
    final = test.final
    if final is None:
        return [Reason("no-result", "collected but no result (crashed worker?)", nodeid=test.nodeid)]
    findings = []
    if len(test.attempts) > 1 + reruns:
        findings.append(Reason("duplicate-results", f"{len(test.attempts)} results for one test and "
                               f"{reruns} rerun(s): each test must have exactly one result per attempt",
                               nodeid=test.nodeid))
    if final.outcome in ("failed", "broken"):
        message = final.message.splitlines()[0] if final.message else ""
        findings.append(Reason(final.outcome, f"{final.outcome}{': ' + message if message else ''}",
                               nodeid=test.nodeid))
    elif final.outcome == "skipped" and not not_applicable and target and test.nodeid.startswith("e2e/"):
        # Every browser test is a promise the product makes; only the profile may say one does not apply.
        findings.append(Reason("skipped-undeclared", f"skipped, but the {target} profile does not declare it "
                               f"not applicable: {final.message.strip()}", nodeid=test.nodeid))
    elif final.outcome != "skipped" and not_applicable:
        findings.append(Reason("not-applicable-ran", f"the target profile declares it not applicable "
                               f"({not_applicable}), yet it ran ({final.outcome})", nodeid=test.nodeid))
    elif final.outcome == "passed" and (reruns or len(test.attempts) > 1):
        attempts = max(reruns + 1, len(test.attempts))
        findings.append(Reason("passed-on-rerun", f"passed only on a rerun (attempt {attempts})",
                               nodeid=test.nodeid, blocking=mode == RELEASE))
    return findings


def _judge_required(required: RequiredTest, tests: dict[str, _Test], inputs: Inputs) -> list[Reason]:
    matching = [test for nodeid, test in tests.items() if required.matches(nodeid)]
    if not matching:
        if any(required.matches(nodeid) for nodeid in inputs.record.deselected):
            return [Reason("required-deselected", "required test was deselected (-k/-m?)", required.nodeid)]
        return [Reason("required-missing", "required test was not collected (renamed, deleted, or not "
                       "in the paths run?)", required.nodeid)]
    findings = []
    for test in matching:
        final = test.final
        if final is None:
            continue  # already "no-result"
        if final.outcome == "skipped":
            if inputs.record.not_applicable_reason(test.nodeid):
                continue  # declared by the target's profile, with its reason: required of other targets
            findings.append(Reason("required-skipped", f"required test skipped: {final.message.strip()}",
                                   test.nodeid))
        elif final.outcome in ("xfailed", "xpassed"):
            findings.append(Reason("required-xfailed", f"required test is marked xfail ({final.outcome})",
                                   test.nodeid))
        if final.outcome != "passed":
            continue  # already red for its outcome; its evidence would only repeat that
        for evidence in required.evidence:
            problem = _evidence_problem(evidence, final.attachments, inputs.results_dir)
            if problem:
                findings.append(Reason("evidence-missing", problem, test.nodeid))
    return findings


def _evidence_problem(evidence: str, attachments: list[Attachment], results_dir: Path) -> str | None:
    """None when an attachment named `evidence` (or `evidence...`) exists, is non-empty and well-formed."""
    named = [attachment for attachment in attachments if attachment.name.startswith(evidence)]
    if not named:
        return f"evidence {evidence!r} missing: no attachment named {evidence!r}"
    problems = []
    for attachment in named:
        path = results_dir / attachment.source
        if not attachment.source or not path.is_file() or path.stat().st_size == 0:
            problems.append(f"evidence {evidence!r}: file {attachment.source!r} is missing or empty")
        elif attachment.type == "application/json" and not _is_json(path):
            problems.append(f"evidence {evidence!r}: file {attachment.source!r} is not valid JSON")
        else:
            return None
    return problems[0]


def _is_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return True


def _judge_exit_status(record: RunRecord) -> list[Reason]:
    if record.exit_status is None:
        return [Reason("no-exit-status", "pytest never finished: no exit status in the run record "
                       "(killed, or still running?)")]
    if record.exit_status != 0:
        return [Reason("exit-status", f"pytest exit status was {record.exit_status}, not 0")]
    return []


def _judge_junit(junit: JUnitReport, run_id: str, tests: dict[str, _Test],
                 findings: list[Reason]) -> list[Reason]:
    if junit.run_id != run_id:
        written_by = f"run {junit.run_id}" if junit.run_id else "a run without the truth_gate plugin"
        return [Reason("stale-junit", f"the JUnit file is from {written_by}, not this run ({run_id})")]
    already_red = {finding.nodeid for finding in findings if finding.blocking and finding.nodeid}
    nodeid_by_key = {junit_key(nodeid): nodeid for nodeid in tests}
    junit_findings = []
    for case in junit.cases:
        if case.outcome not in ("failed", "error"):
            continue
        nodeid = nodeid_by_key.get((case.classname, case.name))
        if nodeid in already_red:
            continue
        where = nodeid or f"{case.classname}::{case.name}".strip(":")
        junit_findings.append(Reason("junit-failure", f"JUnit records {case.outcome}: {case.message}".strip(),
                                     nodeid=where))
    return junit_findings


def _counts(tests: dict[str, _Test], stale: list[AllureResult], inputs: Inputs) -> dict[str, int]:
    outcomes = Counter(test.final.outcome for test in tests.values() if test.final)
    return {
        "collected": len(tests),
        "results": sum(1 for test in tests.values() if test.final),
        "passed": outcomes["passed"],
        "failed": outcomes["failed"],
        "broken": outcomes["broken"],
        "skipped": outcomes["skipped"],
        "xfailed": outcomes["xfailed"],
        "xpassed": outcomes["xpassed"],
        "no_result": sum(1 for test in tests.values() if not test.final),
        "reruns": sum(inputs.record.reruns.values()),
        "stale": len(stale),
        "required": len(inputs.manifest.required),
        "deselected": len(inputs.record.deselected),
    }
