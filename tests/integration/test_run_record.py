"""The run record plugin in real pytest runs (plain and under xdist), judged by the real truth gate.

Each test runs an inner `python -m pytest` on a small generated project in tmp_path, which loads the
plugin the way the suite does (`pytest_plugins` in its conftest.py), then reads what it left behind.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from truth_gate.cli import evaluate
from truth_gate.verdict import Verdict

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = 'pytest_plugins = ["truth_gate.pytest_plugin"]\n'

JOURNEY_TESTS = '''
from pathlib import Path

import allure
import pytest


@pytest.fixture
def frame_log():
    yield
    allure.attach('[{"type": "agent_started"}]', name="websocket-frames",
                  attachment_type=allure.attachment_type.JSON)


@pytest.fixture
def backend():
    raise ConnectionError("backend not reachable")


def test_answer_is_shown(frame_log):
    with allure.step("expect the answer"):
        allure.attach(b"png", name="screenshot: answer shown", attachment_type=allure.attachment_type.PNG)


def test_threads_are_listed(frame_log):
    with allure.step("expect the thread"):
        allure.attach(b"png", name="screenshot: thread", attachment_type=allure.attachment_type.PNG)


def test_needs_the_backend(backend):
    pass


@pytest.mark.flaky(reruns=1)
def test_fails_once():
    first_attempt = Path(__file__).with_name("attempted")
    if not first_attempt.exists():
        first_attempt.write_text("1")
        raise AssertionError("first attempt fails")


def test_left_out_by_k():
    pass
'''

CRASHING_TESTS = '''
import os


def test_crashes_its_worker():
    os._exit(1)
'''

# Like the root conftest's guard: a later hook that turns pytest's "green" into a failure.
EXIT_STATUS_GUARD = '''
import pytest


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus):
    session.exitstatus = pytest.ExitCode.NO_TESTS_COLLECTED
'''

MANIFEST = '''
[evidence]
default = ["websocket-frames", "screenshot"]

[[required]]
nodeid = "test_journey.py::test_answer_is_shown"
'''

JOURNEY = "test_journey.py::"


class InnerRun:
    """A tiny pytest project and the way to run it like the suite runs (allure results + junit)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.results = root / "allure-results"
        self.junit = root / "junit.xml"
        self.manifest = root / "release-manifest.toml"
        (root / "pytest.ini").write_text("[pytest]\n")
        (root / "conftest.py").write_text(CONFTEST)
        self.manifest.write_text(MANIFEST)

    def add(self, name: str, source: str) -> None:
        (self.root / name).write_text(source)

    def pytest(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        environment = {key: value for key, value in os.environ.items()
                       if not key.startswith("PYTEST_") and key != "E2E_RUN_ID"}  # not the outer run's
        # Only the plugins that matter here, loaded explicitly: autoloading all installed plugins
        # (playwright, asyncio...) would triple the start-up time of every inner run and worker.
        environment.update(PYTHONPATH=str(ROOT), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **(env or {}))
        command = [sys.executable, "-m", "pytest",
                   "-p", "allure_pytest", "-p", "rerunfailures", "-p", "xdist", "-p", "no:cacheprovider",
                   "-W", "ignore::pytest.PytestAssertRewriteWarning",
                   f"--alluredir={self.results}", f"--junitxml={self.junit}", *args]
        return subprocess.run(command, cwd=self.root, env=environment, capture_output=True, text=True,
                              timeout=120)

    def record(self) -> dict[str, Any]:
        return json.loads((self.results / "gp-run.json").read_text())

    def results_by_nodeid(self) -> dict[str, list[dict[str, Any]]]:
        by_nodeid: dict[str, list[dict[str, Any]]] = {}
        for path in self.results.glob("*-result.json"):
            result = json.loads(path.read_text())
            labels = {label["name"]: label["value"] for label in result["labels"]}
            nodeid = labels.get("nodeid", "<no nodeid label>")
            by_nodeid.setdefault(nodeid, []).append(result | {"_labels": labels})
        return by_nodeid

    def gate(self, mode: str = "release") -> Verdict:
        return evaluate(self.results, self.junit, self.manifest, mode)


@pytest.fixture
def inner(tmp_path: Path) -> InnerRun:
    """A fresh inner project with the journey tests."""
    project = InnerRun(tmp_path)
    project.add("test_journey.py", JOURNEY_TESTS)
    return project


def rules(verdict: Verdict) -> set[tuple[str, str | None]]:
    return {(reason.rule, reason.nodeid) for reason in verdict.reasons}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["plain", "xdist"])
def test_run_record_and_labels_describe_the_run(inner: InnerRun, workers: list[str]) -> None:
    args = ["-k", "not left_out", *workers]

    completed = inner.pytest(*args)

    assert completed.returncode == 1, completed.stdout + completed.stderr
    record = inner.record()
    assert record["pytest_args"][-len(args):] == args
    assert sorted(record["collected"]) == sorted(JOURNEY + name for name in (
        "test_answer_is_shown", "test_threads_are_listed", "test_needs_the_backend", "test_fails_once"))
    assert record["deselected"] == [JOURNEY + "test_left_out_by_k"]
    assert record["reruns"] == {JOURNEY + "test_fails_once": 1}
    assert record["exit_status"] == 1 and record["finished_at"] >= record["started_at"]
    results = inner.results_by_nodeid()
    assert sorted(results) == sorted(record["collected"])  # a fixture error in setup still has its labels
    assert {result["_labels"]["run_id"] for attempts in results.values() for result in attempts} == {
        record["run_id"]}
    assert [len(results[nodeid]) for nodeid in sorted(results)] == [1, 2, 1, 1]  # one a test, one a rerun
    assert rules(inner.gate()) == {
        ("broken", JOURNEY + "test_needs_the_backend"),
        ("passed-on-rerun", JOURNEY + "test_fails_once"),
        ("exit-status", None),
    }


def test_clean_xdist_run_is_green_and_its_leftovers_are_stale_later(inner: InnerRun) -> None:
    green = inner.pytest("-n", "2", "-k", "answer or threads", "--clean-alluredir",
                         env={"E2E_RUN_ID": "given-id"})

    assert green.returncode == 0, green.stdout + green.stderr
    verdict = inner.gate()
    assert (verdict.verdict, verdict.run_id, verdict.reasons) == ("green", "given-id", [])

    again = inner.pytest("-k", "answer or threads")  # the folder is not emptied this time

    assert again.returncode == 0, again.stdout + again.stderr
    verdict = inner.gate()
    assert verdict.run_id != "given-id"
    assert rules(verdict) == {("stale-result", JOURNEY + "test_answer_is_shown"),
                              ("stale-result", JOURNEY + "test_threads_are_listed")}


def test_crashed_worker_leaves_a_test_without_result_and_the_others_intact(inner: InnerRun) -> None:
    inner.add("test_crash.py", CRASHING_TESTS)

    completed = inner.pytest("-n", "2", "--clean-alluredir", "-k", "not left_out and not fails_once")

    assert completed.returncode == 1, completed.stdout + completed.stderr
    assert "crashed" in completed.stdout
    # The replacement worker must not empty the folder again: the other tests' results survive.
    assert sorted(inner.results_by_nodeid()) == sorted(JOURNEY + name for name in (
        "test_answer_is_shown", "test_threads_are_listed", "test_needs_the_backend"))
    assert ("no-result", "test_crash.py::test_crashes_its_worker") in rules(inner.gate())


def test_run_that_selects_nothing_is_red(inner: InnerRun) -> None:
    completed = inner.pytest("-k", "no_such_test")

    assert completed.returncode == 5
    assert rules(inner.gate()) == {("no-tests-ran", None), ("exit-status", None),
                                   ("required-deselected", JOURNEY + "test_answer_is_shown")}


def test_recorded_exit_status_is_the_final_one(inner: InnerRun) -> None:
    inner.add("conftest.py", CONFTEST + EXIT_STATUS_GUARD)

    completed = inner.pytest("-k", "answer")

    assert completed.returncode == 5
    assert inner.record()["exit_status"] == 5
