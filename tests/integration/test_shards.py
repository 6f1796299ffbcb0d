"""`--shard K/N` and `truth-gate --shards` on real shard runs of the browser suite.

Once for the module, three real inner runs of a few signed-out e2e tests (a real Chromium against a
reference app started here), side by side: shards 1/2 and 2/2 of run A, and shard 2/2 of another run B.
Each leaves its reports folder as a run does (allure-results/ with gp-run.json, junit.xml). The tests
then give the gate those folders, removed, given twice, copied and mixed; only the crashed shard and
the shard of another N are made by editing a copy of a real shard's run record.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.integration.helpers import ROOT, RunningApp, launch_app
from truth_gate.cli import main as truth_gate
from truth_gate.shards import evaluate_shards
from truth_gate.verdict import Verdict

# Signed-out tests: no sign-in per worker, the cheapest real browser tests of the suite.
SUBSET = "signed_out or unknown_address"
WRONG_PASSWORD = "e2e/test_login.py::test_unknown_address_is_refused_with_login_error_and_stays_on_login"
SIGNED_OUT = "e2e/test_login.py::test_chat_while_signed_out_goes_to_login"
MANIFEST = f'''
[[required]]
nodeid = "{WRONG_PASSWORD}"
evidence = ["screenshot"]

[[required]]
nodeid = "{SIGNED_OUT}"
evidence = []
'''


@dataclass(frozen=True)
class ShardRuns:
    work: Path
    manifest: Path
    run_id: str
    first: Path    # shard 1/2 of run A
    second: Path   # shard 2/2 of run A
    foreign: Path  # shard 2/2 of run B
    outputs: dict[str, str]

    def gate(self, *folders: Path, mode: str = "release") -> Verdict:
        return evaluate_shards(list(folders), self.manifest, mode)

    def copy(self, folder: Path, name: str) -> Path:
        target = self.work / name
        shutil.copytree(folder, target)
        return target

    def edit_record(self, folder: Path, **changes: object) -> None:
        path = folder / "allure-results" / "gp-run.json"
        record = json.loads(path.read_text())
        path.write_text(json.dumps({**record, **changes}))

    def record(self, folder: Path) -> dict[str, Any]:
        return json.loads((folder / "allure-results" / "gp-run.json").read_text())


def _environment(app: RunningApp, run_id: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith(("PYTEST_", "E2E_"))}  # nothing of the outer run
    environment.update(E2E_USER_EMAIL=app.email, E2E_USER_PASSWORD=app.password, E2E_RUN_ID=run_id)
    return environment


@pytest.fixture(scope="module")
def shard_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardRuns]:
    """Shards 1/2 and 2/2 of run A and shard 2/2 of run B, run as separate processes side by side."""
    work = tmp_path_factory.mktemp("shards")
    manifest = work / "release-manifest.toml"
    manifest.write_text(MANIFEST)
    app = launch_app(work / "app")
    run_a, run_b = f"shards-a-{secrets.token_hex(3)}", f"shards-b-{secrets.token_hex(3)}"
    planned = {"first": (run_a, "1/2"), "second": (run_a, "2/2"), "foreign": (run_b, "2/2")}
    processes = {}
    try:
        for name, (run_id, shard) in planned.items():
            reports = work / name
            command = [sys.executable, "-m", "pytest", "e2e", "-k", SUBSET, "--shard", shard,
                       "-p", "no:cacheprovider", "-p", "no:randomly", "--base-url", app.backend_url,
                       "--alluredir", str(reports / "allure-results"), "--clean-alluredir",
                       "--junitxml", str(reports / "junit.xml"), "--output", str(reports / "test-results")]
            processes[name] = subprocess.Popen(command, cwd=ROOT, env=_environment(app, run_id), text=True,
                                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        outputs = {name: process.communicate(timeout=300)[0] for name, process in processes.items()}
        for name, process in processes.items():
            assert process.returncode == 0, f"shard run {name} failed:\n{outputs[name][-3000:]}"
        yield ShardRuns(work, manifest, run_a, work / "first", work / "second", work / "foreign", outputs)
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.kill()
        app.stop()


def _rules(verdict: Verdict) -> list[str]:
    return [reason.rule for reason in verdict.reasons]


def test_the_two_shards_split_one_collected_set_between_them(shard_runs: ShardRuns) -> None:
    first, second = shard_runs.record(shard_runs.first), shard_runs.record(shard_runs.second)

    assert first["run_id"] == second["run_id"] == shard_runs.run_id
    assert (first["shard"], second["shard"]) == ({"index": 1, "total": 2}, {"index": 2, "total": 2})
    whole = first["collected_before_split"]
    assert isinstance(whole, list) and len(whole) == 3 and second["collected_before_split"] == whole
    parts = [set(first["collected"]), set(second["collected"])]
    assert all(parts) and not parts[0] & parts[1] and parts[0] | parts[1] == set(whole)
    assert "[pytest-split] Running group 1/2" in shard_runs.outputs["first"]


def test_the_gate_over_both_shards_is_green(shard_runs: ShardRuns) -> None:
    verdict = shard_runs.gate(shard_runs.first, shard_runs.second)

    assert verdict.verdict == "green", verdict.summary()
    assert verdict.counts["passed"] == verdict.counts["collected"] == 3
    assert verdict.run_id == shard_runs.run_id


def test_one_shard_alone_is_red_with_the_other_missing(shard_runs: ShardRuns) -> None:
    verdict = shard_runs.gate(shard_runs.first)

    assert verdict.verdict == "red"
    assert [reason.detail.split(":")[0] for reason in verdict.reasons] == ["shard 2/2 is missing (given"]


def test_the_single_run_gate_on_one_shard_says_it_is_only_a_part(shard_runs: ShardRuns) -> None:
    out = shard_runs.work / "single-verdict.json"
    status = truth_gate(["--results", str(shard_runs.first / "allure-results"),
                         "--junit", str(shard_runs.first / "junit.xml"),
                         "--manifest", str(shard_runs.manifest), "--out", str(out)])

    assert status == 1
    assert json.loads(out.read_text())["reasons"][0]["rule"] == "partial-run"


def test_a_copied_shard_folder_is_red_as_that_shard_given_twice(shard_runs: ShardRuns) -> None:
    copy = shard_runs.copy(shard_runs.first, "first-copy")

    verdict = shard_runs.gate(shard_runs.first, copy, shard_runs.second)

    assert _rules(verdict) == ["shard-twice"]
    assert "shard 1/2 was given 2 times" in verdict.reasons[0].detail


def test_the_same_folder_twice_is_red_naming_it(shard_runs: ShardRuns) -> None:
    verdict = shard_runs.gate(shard_runs.first, shard_runs.first, shard_runs.second)

    assert _rules(verdict) == ["same-folder-twice"]
    assert str(shard_runs.first) in verdict.reasons[0].detail


def test_a_shard_of_another_run_is_red_naming_both_runs(shard_runs: ShardRuns) -> None:
    foreign_run = shard_runs.record(shard_runs.foreign)["run_id"]

    verdict = shard_runs.gate(shard_runs.first, shard_runs.foreign)

    assert _rules(verdict) == ["shard-of-another-run"]
    assert f"from run {foreign_run}, not run {shard_runs.run_id}" in verdict.reasons[0].detail


def test_a_test_in_two_shards_is_red_as_ran_twice(shard_runs: ShardRuns) -> None:
    # shard 1/2's folder, relabelled as 2/2: its tests are then in "both" shards, and 2/2's in none
    relabelled = shard_runs.copy(shard_runs.first, "first-as-second")
    shard_runs.edit_record(relabelled, shard={"index": 2, "total": 2})

    verdict = shard_runs.gate(shard_runs.first, relabelled)

    twice = {reason.nodeid for reason in verdict.reasons if reason.rule == "ran-twice"}
    nowhere = {reason.nodeid for reason in verdict.reasons if reason.rule == "ran-nowhere"}
    assert twice == set(shard_runs.record(shard_runs.first)["collected"])
    assert nowhere == set(shard_runs.record(shard_runs.second)["collected"])


def test_a_crashed_shard_is_red_naming_it(shard_runs: ShardRuns) -> None:
    crashed = shard_runs.copy(shard_runs.second, "second-crashed")
    shard_runs.edit_record(crashed, exit_status=None, finished_at=None)  # killed before pytest finished
    for result in (crashed / "allure-results").glob("*-result.json"):
        result.unlink()

    verdict = shard_runs.gate(shard_runs.first, crashed)

    assert "no-exit-status" in _rules(verdict)
    assert all(reason.detail.startswith(f"shard 2/2 ({crashed})") for reason in verdict.reasons)
    assert {reason.nodeid for reason in verdict.reasons if reason.rule == "no-result"} == set(
        shard_runs.record(shard_runs.second)["collected"])


def test_shards_of_different_n_are_red_in_one_line(shard_runs: ShardRuns,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    other_n = shard_runs.copy(shard_runs.second, "second-of-three")
    shard_runs.edit_record(other_n, shard={"index": 2, "total": 3})

    status = truth_gate(["--shards", str(shard_runs.first), str(other_n), "--manifest",
                         str(shard_runs.manifest), "--out", str(shard_runs.work / "n-verdict.json")])

    reasons = [line for line in capsys.readouterr().out.splitlines() if line.startswith("  - ")]
    assert status == 1
    assert len(reasons) == 1 and "shards of different N" in reasons[0], reasons


def test_a_missing_or_unreadable_shard_folder_is_unusable_input(shard_runs: ShardRuns) -> None:
    broken = shard_runs.copy(shard_runs.second, "second-broken")
    (broken / "allure-results" / "gp-run.json").write_text("{not json")

    assert truth_gate(["--shards", str(shard_runs.first), str(shard_runs.work / "nowhere"),
                       "--manifest", str(shard_runs.manifest), "--out", str(shard_runs.work / "v.json")]) == 2
    assert shard_runs.gate(shard_runs.first, broken).verdict == "unusable"


@pytest.mark.parametrize(("shard", "says"), [
    ("3/2", "--shard 3/2: K must be between 1 and 2"),
    ("0/2", "--shard 0/2: K must be between 1 and 2"),
    ("x", "--shard x: expected K/N"),
    ("1/0", "--shard 1/0: N must be at least 1"),
])
def test_a_wrong_shard_is_refused_in_one_line(shard: str, says: str) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith(("PYTEST_", "E2E_"))}
    inner = subprocess.run([sys.executable, "-m", "pytest", "e2e", "--collect-only", "-q", "--shard", shard],
                           cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)

    lines = [line for line in (inner.stdout + inner.stderr).splitlines() if line.strip()]
    assert inner.returncode == pytest.ExitCode.USAGE_ERROR
    assert len(lines) == 1 and lines[0].startswith(f"ERROR: {says}"), lines
