"""The run record plugin: the facts the truth gate needs, written by the run itself.

Active only with `--alluredir DIR`. The controller process (the only process without xdist) writes
DIR/gp-run.json: the run id, start time, pytest arguments, collected and deselected node ids, reruns,
and at the end the exit status. Every process that runs tests puts the labels `run_id` and `nodeid`
on each Allure result, so the gate can match results to collected tests and spot stale files.

`--shard K/N` (registered here) runs the K-th of N parts of the selected tests, balanced by the durations
stored in `.test_durations`: it is pytest-split's `--splits N --group K`, and the record keeps the shard
and the whole set of tests before the split, so `truth-gate --shards` can check that the parts add up.

Under xdist the results folder is emptied once, by the controller (`--clean-alluredir`), never by a
worker: a worker starting late would otherwise delete results, and the run record, already written.
"""

from __future__ import annotations

import os
from collections.abc import Generator
from pathlib import Path
from typing import Any

import allure
import pytest

from truth_gate.run_record import (
    NODEID_LABEL,
    RUN_ID_ENV,
    RUN_ID_LABEL,
    RunRecord,
    Shard,
    new_run_id,
    parse_shard,
    run_id_problem,
    utc_now_iso,
)

_WORKER_RUN_ID_KEY = "gp_run_id"
_WORKER_DESELECTED_KEY = "gp_deselected"
_WORKER_BEFORE_SPLIT_KEY = "gp_before_split"
_SHARD_KEY = pytest.StashKey[Shard]()
# The durations pytest-split balances by: committed at the repository root, refreshed with
# `python -m pytest e2e -n 1 -p no:randomly --store-durations` (README.md, "Shards").
DURATIONS_FILE = ".test_durations"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("truth-gate").addoption(
        "--shard", metavar="K/N", default=None,
        help="run only the K-th of N parts of the selected tests, balanced by the durations in "
             f"{DURATIONS_FILE} (pytest-split); all N shards of one run share {RUN_ID_ENV}")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    """`--shard K/N` checked and handed to pytest-split before it validates its own options."""
    text = config.getoption("shard", None)
    if text is None:
        return
    try:
        shard = parse_shard(text)
    except ValueError as error:
        raise pytest.UsageError(str(error)) from None
    if config.getoption("splits", None) is not None or config.getoption("group", None) is not None:
        raise pytest.UsageError(f"--shard {text} and --splits/--group both split the run: give only --shard")
    if not config.pluginmanager.has_plugin("pytest-split"):
        raise pytest.UsageError(f"--shard {text} needs pytest-split: install the project "
                                "(pip install -e .) or drop -p no:pytest-split")
    config.stash[_SHARD_KEY] = shard
    config.option.splits, config.option.group = shard.total, shard.index
    if config.option.durations_path == os.path.join(os.getcwd(), DURATIONS_FILE):
        config.option.durations_path = str(config.rootpath / DURATIONS_FILE)


def shard_of(config: pytest.Config) -> Shard:
    """The part of the run this process belongs to: `--shard K/N`, else 1/1."""
    return config.stash.get(_SHARD_KEY, Shard(1, 1))


def _results_dir(config: pytest.Config) -> str | None:
    return getattr(config.option, "allure_report_dir", None)


def _is_worker(config: pytest.Config) -> bool:
    return hasattr(config, "workerinput")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Start the record in the controller and the labelling wherever tests run, before allure-pytest."""
    if not config.pluginmanager.has_plugin("truth_gate_split_witness"):
        config.pluginmanager.register(SplitWitness(), "truth_gate_split_witness")
    results_dir = _results_dir(config)
    if not results_dir:
        return
    if _is_worker(config):
        # allure-pytest would empty the folder again in every worker, after the controller wrote to it.
        config.option.clean_alluredir = False
        run_id = config.workerinput.get(_WORKER_RUN_ID_KEY) or os.environ[RUN_ID_ENV]  # type: ignore[attr-defined]
        config.pluginmanager.register(ResultLabeller(run_id, worker=True), "truth_gate_labeller")
        return
    given = os.environ.get(RUN_ID_ENV)
    problem = run_id_problem(given) if given else None
    if problem:
        raise pytest.UsageError(problem)
    run_id = given or new_run_id()
    if RUN_ID_ENV not in os.environ:
        # Workers inherit the environment; undo it afterwards so an in-process rerun gets its own id.
        os.environ[RUN_ID_ENV] = run_id
        config.add_cleanup(_forget_run_id)
    record = RunRecord(run_id=run_id, started_at=utc_now_iso(),
                       pytest_args=list(config.invocation_params.args), shard=shard_of(config))
    config.pluginmanager.register(RunRecorder(Path(results_dir), record, run_id_given=bool(given)),
                                  "truth_gate_recorder")
    config.pluginmanager.register(ResultLabeller(run_id, worker=False), "truth_gate_labeller")


class SplitWitness:
    """Sees the selected tests just before pytest-split keeps this shard's part of them.

    Registered by a tryfirst `pytest_configure`, so before pytest-split registers its plugin (in its own
    `pytest_configure`): pluggy calls the earlier-registered of two trylast hooks first, so this one runs
    after `-k`/`-m` and every other selection, and right before the split.
    """

    def __init__(self) -> None:
        self.before_split: list[str] | None = None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.before_split = [item.nodeid for item in items]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        config = session.config
        if _is_worker(config) and self.before_split is not None:
            config.workeroutput[_WORKER_BEFORE_SPLIT_KEY] = self.before_split  # type: ignore[attr-defined]


def split_witness(config: pytest.Config) -> SplitWitness | None:
    plugin = config.pluginmanager.get_plugin("truth_gate_split_witness")
    return plugin if isinstance(plugin, SplitWitness) else None


def note_browser_endpoint(config: pytest.Config, endpoint: str) -> None:
    """Put the remote browser server the run uses (already redacted) into the run record."""
    recorder = config.pluginmanager.get_plugin("truth_gate_recorder")
    if isinstance(recorder, RunRecorder):
        recorder.record.browser_endpoint = endpoint
        recorder.record.write(recorder.results_dir)


def _forget_run_id() -> None:
    os.environ.pop(RUN_ID_ENV, None)


class ResultLabeller:
    """Puts the run id and node id on every Allure result of the tests this process runs."""

    def __init__(self, run_id: str, *, worker: bool) -> None:
        self.run_id = run_id
        self.worker = worker

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Markers, not allure.dynamic: allure-pytest reads them at teardown, which runs even when a
        # fixture fails in setup, and again for every rerun attempt.
        for item in session.items:
            item.add_marker(allure.label(RUN_ID_LABEL, self.run_id))
            item.add_marker(allure.label(NODEID_LABEL, item.nodeid))

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        if not self.worker:
            return  # the recorder in this same process sees it
        config = items[0].config if items else None
        if config is not None:
            workeroutput = config.workeroutput  # type: ignore[attr-defined]  # set by xdist in workers
            workeroutput.setdefault(_WORKER_DESELECTED_KEY, []).extend(item.nodeid for item in items)


class RunRecorder:
    """Controller side: keeps gp-run.json up to date from the start of the run to its exit status."""

    def __init__(self, results_dir: Path, record: RunRecord, *, run_id_given: bool = False) -> None:
        self.results_dir = results_dir
        self.record = record
        self.run_id_given = run_id_given

    def _write(self) -> None:
        if self.record.shard is None or self.record.shard.total == 1:
            self.record.collected_before_split = self.record.collected  # one part: the whole set
        self.record.write(self.results_dir)

    def pytest_report_header(self, config: pytest.Config) -> str | None:
        shard = self.record.shard
        if shard is None or shard.total == 1:
            return None
        if self.run_id_given:
            return f"shard {shard} of run {self.record.run_id} ({RUN_ID_ENV})"
        return (f"shard {shard} of run {self.record.run_id}, generated: run the other shards with "
                f"{RUN_ID_ENV}={self.record.run_id} so that truth-gate --shards sees one run")

    def _add_deselected(self, nodeids: list[str]) -> None:
        for nodeid in nodeids:
            if nodeid not in self.record.deselected:
                self.record.deselected.append(nodeid)

    @pytest.hookimpl(tryfirst=True)
    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # After every pytest_configure (allure-pytest may have emptied the folder there), before any
        # xdist worker is started.
        self.record.write(self.results_dir)
        self._tag_junit(session.config)

    def _tag_junit(self, config: pytest.Config) -> None:
        """Put the run id into the JUnit file too (`--junitxml`), so the gate can tell a stale one."""
        try:
            from _pytest.junitxml import xml_key  # private, but the one way to reach the writer
        except ImportError:  # pragma: no cover - a pytest without it: the gate reports the missing id
            return
        junit_writer = config.stash.get(xml_key, None)
        if junit_writer is not None:
            junit_writer.add_global_property(RUN_ID_LABEL, self.record.run_id)

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.record.collected = [item.nodeid for item in session.items]
        witness = split_witness(session.config)
        if witness is not None and witness.before_split is not None:  # collected here, not by xdist workers
            self.record.collected_before_split = witness.before_split
        self._write()

    def pytest_deselected(self, items: list[pytest.Item]) -> None:
        self._add_deselected([item.nodeid for item in items])

    @pytest.hookimpl(optionalhook=True)
    def pytest_configure_node(self, node: Any) -> None:
        node.workerinput[_WORKER_RUN_ID_KEY] = self.record.run_id

    @pytest.hookimpl(optionalhook=True)
    def pytest_xdist_node_collection_finished(self, node: Any, ids: list[str]) -> None:
        # The controller does not collect under xdist; every worker reports what it collected.
        collected = self.record.collected or []
        seen = set(collected)
        self.record.collected = collected + [nodeid for nodeid in ids if nodeid not in seen]
        self._write()

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: Any) -> None:
        workeroutput = getattr(node, "workeroutput", None) or {}
        self._add_deselected(list(workeroutput.get(_WORKER_DESELECTED_KEY, [])))
        before_split = workeroutput.get(_WORKER_BEFORE_SPLIT_KEY)
        # every worker collects the same tests (xdist checks it), so the first one's set is the set
        if before_split is not None and self.record.collected_before_split is None:
            self.record.collected_before_split = list(before_split)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # pytest-rerunfailures marks each failed attempt "rerun"; under xdist the controller sees them too.
        if report.outcome == "rerun":
            self.record.reruns[report.nodeid] = self.record.reruns.get(report.nodeid, 0) + 1

    def pytest_keyboard_interrupt(self, excinfo: pytest.ExceptionInfo[BaseException]) -> None:
        # pytest.exit() before the tests (the preflight, a guard) skips pytest_sessionfinish,
        # but pytest reports it here: record its status so the gate reads "stopped with 3",
        # not "pytest never finished". A later sessionfinish, if any, overwrites it.
        returncode = getattr(excinfo.value, "returncode", None)
        self.record.exit_status = int(returncode if returncode is not None else pytest.ExitCode.INTERRUPTED)
        self.record.stopped_reason = str(getattr(excinfo.value, "msg", "") or excinfo.value) or None
        self.record.finished_at = utc_now_iso()
        self._write()

    @pytest.hookimpl(wrapper=True)
    def pytest_sessionfinish(self, session: pytest.Session) -> Generator[None, None, None]:
        # A wrapper, so the status is read after every other hook (e.g. the root conftest's
        # "nothing passed" guard) had its say.
        try:
            return (yield)
        finally:
            self.record.exit_status = int(session.exitstatus)
            self.record.finished_at = utc_now_iso()
            self._write()
