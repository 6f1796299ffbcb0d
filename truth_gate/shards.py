"""`truth-gate --shards DIR [DIR ...]`: one verdict over the N shards of one run.

Each DIR is one shard's reports folder as the run left it (`allure-results/` with its run record
`gp-run.json`, and `junit.xml`). Green only if every shard 1..N is there exactly once, all share one run
id and one collected set (the tests before the split), every test of that set ran in exactly one shard,
and each shard on its own is green by the single-run rules (its results fresh, every test passed, pytest
exited 0); the release manifest's tests are looked for across all the shards, with their evidence.

A wrong set of folders (the same one twice, shards of different N or of another run, a missing or a
doubled shard) is one reason naming the folders, not a list of every test it touches.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from truth_gate.allure_results import read_results
from truth_gate.errors import UnusableInputError
from truth_gate.junit import JUnitReport, read_junit
from truth_gate.manifest import Manifest, read_manifest
from truth_gate.rules import Inputs, _judge_required, _split_stale, _Test, _tests, judge
from truth_gate.run_record import RunRecord, Shard, read_run_record
from truth_gate.verdict import UNUSABLE, Reason, Verdict

RESULTS_SUBDIR = "allure-results"
JUNIT_FILE = "junit.xml"


@dataclass
class ShardRun:
    """One shard's folder, read."""

    folder: Path
    inputs: Inputs

    @property
    def record(self) -> RunRecord:
        return self.inputs.record

    @property
    def shard(self) -> Shard:
        return self.record.shard or Shard(1, 1)

    @property
    def label(self) -> str:
        return f"shard {self.shard} ({self.folder})"


def read_shard(folder: Path, manifest: Manifest) -> ShardRun:
    """One shard's folder; UnusableInputError naming the folder when it is not a run's reports folder."""
    if not folder.is_dir():
        raise UnusableInputError(f"shard folder {folder} does not exist: give each shard's reports folder "
                                 f"(the one holding {RESULTS_SUBDIR}/ and {JUNIT_FILE})")
    results_dir = folder / RESULTS_SUBDIR
    if not results_dir.is_dir():
        raise UnusableInputError(f"shard folder {folder} has no {RESULTS_SUBDIR}/: give the shard's reports "
                                 "folder as its run left it (not the results folder inside it)")
    record = read_run_record(results_dir)
    try:
        junit = read_junit(folder / JUNIT_FILE)
    except UnusableInputError:
        if record.stopped_reason is None:
            raise
        junit = JUnitReport(run_id=record.run_id, cases=[])  # stopped before the tests: judged red below
    inputs = Inputs(results_dir=results_dir, manifest=manifest, results=read_results(results_dir),
                    record=record, junit=junit)
    return ShardRun(folder, inputs)


def evaluate_shards(folders: list[Path], manifest_path: Path, mode: str) -> Verdict:
    """The verdict on the shards' folders together; unusable inputs give an `unusable` verdict."""
    inputs_named = {"shards": " ".join(str(folder) for folder in folders), "manifest": str(manifest_path)}
    if not folders:
        return Verdict(mode=mode, verdict=UNUSABLE, inputs=inputs_named,
                       reasons=[Reason("unusable-input", "no shard folder given: "
                                       "truth-gate --shards DIR ...")])
    try:
        manifest = read_manifest(manifest_path)
        shards = [read_shard(folder, manifest) for folder in folders]
    except UnusableInputError as error:
        return Verdict(mode=mode, verdict=UNUSABLE, reasons=[Reason("unusable-input", str(error))],
                       inputs=inputs_named)
    run_id = shards[0].record.run_id
    structural = _judge_folders(shards)
    if structural:
        return Verdict.from_findings(mode, structural, counts={"shards": len(shards)}, run_id=run_id,
                                     inputs=inputs_named)
    findings, counts = _judge_together(shards, manifest, mode)
    started = min(shard.record.started_at for shard in shards)
    return Verdict.from_findings(mode, findings, counts=counts, run_id=run_id, started_at=started,
                                 inputs=inputs_named)


def _judge_folders(shards: list[ShardRun]) -> list[Reason]:
    """Do the folders make up one run's N shards, each once? One reason per thing that is wrong."""
    by_path: dict[str, list[ShardRun]] = {}
    for shard in shards:
        by_path.setdefault(os.path.realpath(shard.folder), []).append(shard)
    twice = [group for group in by_path.values() if len(group) > 1]
    if twice:
        return [Reason("same-folder-twice", f"the same folder {group[0].folder} was given {len(group)} "
                       "times: each shard's folder once") for group in twice]
    totals = Counter(shard.shard.total for shard in shards)
    if len(totals) > 1:
        parts = ", ".join(f"{shard.folder} is {shard.shard}" for shard in shards)
        return [Reason("different-shard-counts", f"shards of different N: {parts}; give the shards of "
                       "one run, all split the same way")]
    findings = []
    first = shards[0]
    for shard in shards[1:]:
        if shard.record.run_id != first.record.run_id:
            findings.append(Reason("shard-of-another-run", f"{shard.label} is from run "
                                   f"{shard.record.run_id}, not run {first.record.run_id} ({first.label}): "
                                   "a shard of another run (give every shard the same E2E_RUN_ID)"))
    total = first.shard.total
    seen = Counter(shard.shard.index for shard in shards)
    for index, count in sorted(seen.items()):
        if count > 1:
            folders = ", ".join(str(shard.folder) for shard in shards if shard.shard.index == index)
            findings.append(Reason("shard-twice", f"shard {index}/{total} was given {count} times "
                                   f"({folders}): a copied folder, or one shard run twice"))
    for index in range(1, total + 1):
        if index not in seen:
            given = ", ".join(sorted({str(shard.shard) for shard in shards}))
            findings.append(Reason("shard-missing", f"shard {index}/{total} is missing (given: {given}): "
                                   "its tests were never judged"))
    return findings


def _judge_together(shards: list[ShardRun], manifest: Manifest,
                    mode: str) -> tuple[list[Reason], dict[str, int]]:
    findings: list[Reason] = []
    whole_sets = {shard.folder: shard.record.collected_before_split for shard in shards}
    reference = shards[0]
    whole = whole_sets[reference.folder]
    for shard in shards:
        if whole_sets[shard.folder] is None:
            findings.append(Reason("no-collected-set", f"{shard.label} recorded no collected set (stopped or "
                                   "crashed before its tests were collected, or written by a gate-less run)"))
    known = [shard for shard in shards if whole_sets[shard.folder] is not None]
    if whole is None and known:
        reference, whole = known[0], whole_sets[known[0].folder]
    for shard in known:
        other = set(whole_sets[shard.folder] or [])
        if other != set(whole or []):
            only_here = sorted(other - set(whole or []))
            only_there = sorted(set(whole or []) - other)
            example = (only_here or only_there)[0]
            findings.append(Reason("different-collected-sets",
                                   f"{shard.label} collected another set of tests than {reference.label} "
                                   f"({len(only_here)} only in the first, {len(only_there)} only in the "
                                   f"second, e.g. {example}): not one run (another commit, or other -k/-m?)"))

    ran_in: dict[str, list[ShardRun]] = {}
    for shard in shards:
        for nodeid in shard.record.collected or []:
            ran_in.setdefault(nodeid, []).append(shard)
    for nodeid in whole or []:
        where = ran_in.get(nodeid, [])
        if len(where) > 1:
            findings.append(Reason("ran-twice", "ran in " + " and ".join(shard.label for shard in where)
                                   + ": the split gave one test to two shards", nodeid=nodeid))
        elif not where and all(shard.record.collected is not None for shard in shards):
            findings.append(Reason("ran-nowhere", "in the run's collected set but in no shard's part: "
                                   "never run", nodeid=nodeid))

    # Each shard by the single-run rules, with no required tests (they are looked for across shards below).
    no_required = replace(manifest, required=())
    counts: Counter[str] = Counter()
    tests: dict[str, tuple[_Test, ShardRun]] = {}
    for shard in shards:
        shard_findings, shard_counts = judge(replace(shard.inputs, manifest=no_required), mode)
        for finding in shard_findings:
            if finding.rule == "no-tests-ran" and len(shards) > 1:
                finding = replace(finding, detail="no test ran in this shard (none in its part, "
                                  "or all skipped)")
            findings.append(replace(finding, detail=f"{shard.label}: {finding.detail}"))
        counts.update(shard_counts)
        for nodeid, test in _shard_tests(shard).items():
            tests.setdefault(nodeid, (test, shard))

    for required in manifest.required:
        matching = {nodeid: pair for nodeid, pair in tests.items() if required.matches(nodeid)}
        if not matching:
            deselected = [nodeid for shard in shards for nodeid in shard.record.deselected
                          if nodeid not in set(whole or [])]
            inputs = replace(reference.inputs, record=replace(reference.record, deselected=deselected))
            findings.extend(_judge_required(required, {}, inputs))
            continue
        for nodeid, (test, shard) in matching.items():
            findings.extend(_judge_required(required, {nodeid: test}, shard.inputs))

    counts["collected"] = len(whole or [])
    counts["required"] = len(manifest.required)
    deselected_anywhere = {nodeid for shard in shards for nodeid in shard.record.deselected}
    counts["deselected"] = len(deselected_anywhere - set(whole or []))  # by -k/-m, not by the split
    counts["shards"] = len(shards)
    return findings, dict(counts)


def _shard_tests(shard: ShardRun) -> dict[str, _Test]:
    """The shard's collected tests with their fresh results, as the single-run rules see them."""
    scratch: list[Reason] = []
    fresh, _ = _split_stale(shard.inputs, scratch)
    return _tests(shard.record.collected or [], fresh, scratch)
