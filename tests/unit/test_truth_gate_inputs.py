"""Inputs the truth gate cannot judge: exit status 2, and the reason names the file and the fix."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from truth_gate.cli import main
from truth_gate.run_record import RunRecord

RUN_ID = "20261124T221000Z-abc123"
NODEID = "e2e/test_golden_path.py::test_user_gets_the_answer"


@pytest.fixture
def inputs(tmp_path: Path) -> dict[str, Path]:
    """A minimal usable set of inputs (one passing required test, no evidence needed)."""
    results = tmp_path / "allure-results"
    record = RunRecord(run_id=RUN_ID, started_at="2026-11-24T22:10:00+00:00", pytest_args=[],
                       collected=[NODEID], exit_status=0)
    record.write(results)
    labels = [{"name": "run_id", "value": RUN_ID}, {"name": "nodeid", "value": NODEID}]
    result = {"name": "test_user_gets_the_answer", "status": "passed", "start": record.started_at_ms + 1,
              "uuid": "u1", "labels": labels}
    (results / "u1-result.json").write_text(json.dumps(result))
    junit = tmp_path / "junit.xml"
    junit.write_text(f'<testsuites><testsuite><properties><property name="run_id" value="{RUN_ID}"/>'
                     '</properties><testcase classname="e2e.test_golden_path" '
                     'name="test_user_gets_the_answer"/></testsuite></testsuites>')
    manifest = tmp_path / "release-manifest.toml"
    manifest.write_text(f'[[required]]\nnodeid = "{NODEID}"\nevidence = []\n')
    return {"results": results, "junit": junit, "manifest": manifest, "out": tmp_path / "verdict.json"}


def gate(inputs: dict[str, Path]) -> int:
    return main([f"--{name}={path}" for name, path in inputs.items()])


def test_the_baseline_inputs_are_usable(inputs: dict[str, Path]) -> None:
    assert gate(inputs) == 0


def _remove(path: Path) -> None:
    if path.is_dir():
        for child in path.iterdir():
            child.unlink()
        path.rmdir()
    else:
        path.unlink()


BREAKAGES: dict[str, tuple[Callable[[dict[str, Path]], None], str]] = {
    "results folder missing": (lambda i: _remove(i["results"]), "does not exist"),
    "run record missing": (lambda i: (i["results"] / "gp-run.json").unlink(), "no run record"),
    "run record not JSON": (lambda i: (i["results"] / "gp-run.json").write_text("{"), "unreadable"),
    "run record without run id": (
        lambda i: (i["results"] / "gp-run.json").write_text(json.dumps({"format": 1, "started_at": "x"})),
        "malformed"),
    "run record with a bad start time": (
        lambda i: (i["results"] / "gp-run.json").write_text(
            json.dumps({"format": 1, "run_id": RUN_ID, "started_at": "yesterday", "pytest_args": []})),
        "malformed"),
    "result file not JSON": (lambda i: (i["results"] / "u2-result.json").write_text("{trunc"),
                             "u2-result.json"),
    "junit missing": (lambda i: i["junit"].unlink(), "--junitxml"),
    "junit not XML": (lambda i: i["junit"].write_text("<testsuites>"), "JUnit file"),
    "manifest missing": (lambda i: i["manifest"].unlink(), "release manifest"),
    "manifest not TOML": (lambda i: i["manifest"].write_text("[[required"), "unreadable"),
    "manifest requires nothing": (lambda i: i["manifest"].write_text("[evidence]\ndefault = []\n"),
                                  "names no required test"),
    "manifest entry without nodeid": (lambda i: i["manifest"].write_text('[[required]]\nevidence = []\n'),
                                      "has no nodeid"),
    "manifest evidence not a list": (
        lambda i: i["manifest"].write_text(f'[[required]]\nnodeid = "{NODEID}"\nevidence = "screenshot"\n'),
        "list of attachment names"),
    "manifest names a test twice": (
        lambda i: i["manifest"].write_text(f'[[required]]\nnodeid = "{NODEID}"\n' * 2), "lists a test twice"),
}


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_unusable_input_exits_2_with_the_reason(inputs: dict[str, Path], breakage: str,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    break_inputs, expected = BREAKAGES[breakage]
    break_inputs(inputs)

    status = gate(inputs)

    assert status == 2
    printed = capsys.readouterr().out
    assert printed.startswith("truth-gate: UNUSABLE (release)")
    assert expected in printed
    written = json.loads(inputs["out"].read_text())
    assert written["verdict"] == "unusable"
    assert expected in written["reasons"][0]["detail"]


def test_unwritable_verdict_file_exits_2(inputs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    inputs["out"].mkdir()

    status = gate(inputs)

    assert status == 2
    assert "cannot write the verdict" in capsys.readouterr().err
