"""`truth-gate`: green only when a complete, fresh run with its evidence stands behind it.

Exit status 0 green, 1 red, 2 when the inputs cannot be judged.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from truth_gate.allure_results import read_results
from truth_gate.errors import UnusableInputError
from truth_gate.junit import JUnitReport, read_junit
from truth_gate.manifest import DEFAULT_MANIFEST, read_manifest
from truth_gate.rules import MODES, RELEASE, Inputs, judge
from truth_gate.run_record import RunRecord, read_run_record
from truth_gate.shards import evaluate_shards
from truth_gate.verdict import UNUSABLE, Reason, Verdict

DEFAULT_RESULTS = Path("reports/allure-results")
DEFAULT_JUNIT = Path("reports/junit.xml")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="truth-gate",
        description="Judge a test run from its Allure results, JUnit file and run record against the "
                    "release manifest (or, with --shards, the shards of one run together). "
                    "Exit 0 green, 1 red, 2 unusable input.",
    )
    parser.add_argument("--results", type=Path, default=None,
                        help=f"the Allure results folder of the run (default: {DEFAULT_RESULTS})")
    parser.add_argument("--junit", type=Path, default=None,
                        help=f"pytest's --junitxml file of the same run (default: {DEFAULT_JUNIT})")
    parser.add_argument("--shards", type=Path, nargs="+", metavar="DIR", default=None,
                        help="judge the shards of one run together instead: each DIR is one shard's reports "
                             "folder (its allure-results/ and junit.xml), every shard 1..N once")
    parser.add_argument("--manifest", type=Path, default=DEFAULT_MANIFEST,
                        help="the tests a release needs (default: %(default)s)")
    parser.add_argument("--mode", choices=MODES, default=RELEASE,
                        help="release: passing only on a rerun is red; nightly: it is a note "
                             "(default: %(default)s)")
    parser.add_argument("--out", type=Path, default=Path("reports/verdict.json"),
                        help="where the verdict is written as JSON (default: %(default)s)")
    return parser


def _read_junit_of(junit: Path, record: RunRecord) -> JUnitReport:
    """The run's JUnit file; a run that pytest stopped before the tests wrote none, and that is
    judged red by the run-stopped rule with its reason, not refused as unusable input."""
    try:
        return read_junit(junit)
    except UnusableInputError:
        if record.stopped_reason is None:
            raise
        return JUnitReport(run_id=record.run_id, cases=[])


def evaluate(results: Path, junit: Path, manifest: Path, mode: str) -> Verdict:
    """The verdict on one run; unusable inputs give an `unusable` verdict naming the cause."""
    inputs_named = {"results": str(results), "junit": str(junit), "manifest": str(manifest)}
    try:
        manifest_read, results_read = read_manifest(manifest), read_results(results)
        record = read_run_record(results)
        inputs = Inputs(
            results_dir=results,
            manifest=manifest_read,
            results=results_read,
            record=record,
            junit=_read_junit_of(junit, record),
        )
    except UnusableInputError as error:
        return Verdict(mode=mode, verdict=UNUSABLE, reasons=[Reason("unusable-input", str(error))],
                       inputs=inputs_named)
    findings, counts = judge(inputs, mode)
    shard = inputs.record.shard
    if shard is not None and shard.total > 1:
        findings.insert(0, Reason("partial-run", f"this is shard {shard} of run {inputs.record.run_id}, "
                                  "not the whole run: judge all its shards together with "
                                  "truth-gate --shards DIR ..."))
    return Verdict.from_findings(mode, findings, counts=counts, run_id=inputs.record.run_id,
                                 started_at=inputs.record.started_at, inputs=inputs_named)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    arguments = parser.parse_args(argv)
    if arguments.shards is not None:
        if arguments.results is not None or arguments.junit is not None:
            parser.error("--shards reads each shard's allure-results/ and junit.xml itself: "
                         "give --shards or --results/--junit, not both")
        verdict = evaluate_shards(arguments.shards, arguments.manifest, arguments.mode)
    else:
        verdict = evaluate(arguments.results or DEFAULT_RESULTS, arguments.junit or DEFAULT_JUNIT,
                           arguments.manifest, arguments.mode)
    print(verdict.summary())
    try:
        verdict.write(arguments.out)
    except OSError as error:
        print(f"truth-gate: cannot write the verdict to {arguments.out}: {error}", file=sys.stderr)
        return 2
    print(f"verdict written to {arguments.out}")
    return verdict.exit_status


if __name__ == "__main__":
    sys.exit(main())
