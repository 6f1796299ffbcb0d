"""Target profiles (targets/): the registry, the contract's codec, and the promises table."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.promises import BROKEN, KEPT, NOT_APPLICABLE, NOT_RUN, attach_globally, render_markdown, sentence
from engine.recorder import WebSocketRecorder, check_run_sequence
from fixtures.promises import PromiseLedger
from targets.base import Decoded, RunRules
from targets.contract.codec import ContractCodec
from targets.registry import KNOWN_TARGETS, UnknownTarget, get_profile

ROOT = Path(__file__).resolve().parents[2]


def test_the_contract_is_a_known_target_and_an_unknown_name_lists_the_known_ones() -> None:
    assert get_profile("contract").name == "contract"

    with pytest.raises(UnknownTarget) as raised:
        get_profile("nosuch")

    message = str(raised.value)
    assert "unknown target 'nosuch'" in message
    for name in KNOWN_TARGETS:
        assert name in message


def test_an_unknown_target_stops_the_run_at_once_listing_the_known_ones() -> None:
    environment = {**os.environ, "E2E_TARGET": ""}
    command = [sys.executable, "-m", "pytest", "e2e", "--target", "nosuch", "-p", "no:cacheprovider"]
    result = subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)

    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    known = ", ".join(sorted(KNOWN_TARGETS))
    assert f"unknown target 'nosuch': the known targets are {known} (" in output, output
    assert "Traceback" not in output, output


def test_the_contract_codec_keeps_transport_apart_and_names_what_it_cannot_read() -> None:
    codec = ContractCodec()

    assert codec.decode("received", '{"type": "pong"}') == Decoded("transport", note="pong")
    assert codec.decode("received", '{"type": "agent_started", "run_id": "r"}').events == (
        {"type": "agent_started", "run_id": "r"},)
    assert codec.decode("received", "[1, 2]").kind == "unreadable"
    assert "not JSON" in codec.decode("received", '{"type": ').note
    encoded = codec.encode({"type": "agent_error", "code": "AGENT_FAILED"})
    assert json.loads(encoded[0])["code"] == "AGENT_FAILED"
    assert codec.server_close_code(1006) is None and codec.server_close_code(1011) == 1011


class _OneEventPerTokenCodec:
    """A product whose frames are `kind:run:text`, to show that the recorder reads through any codec."""

    def decode(self, direction: str, payload: str | bytes) -> Decoded:
        text = payload if isinstance(payload, str) else payload.decode()
        if text == "ping":
            return Decoded("transport", note="ping")
        kind, _, rest = text.partition(":")
        run, _, body = rest.partition(":")
        names = {"start": "agent_started", "delta": "agent_response_delta", "done": "agent_completed"}
        if kind not in names:
            return Decoded("unreadable", note=f"unknown kind {kind!r}")
        return Decoded("events", ({"type": names[kind], "run_id": run, "delta": body, "final_response": body,
                                   "status": "success"},))

    def encode(self, event: object) -> list[str]:
        return []

    def run_of(self, any_id: str) -> str | None:
        return any_id.removeprefix("message-")

    def keepalive_frame(self) -> str | None:
        return "ping"

    def server_close_code(self, code: int) -> int | None:
        return 1000


def test_the_recorder_reads_another_protocol_through_its_codec_and_rules() -> None:
    rules = RunRules(critical_events=("agent_started", "agent_completed"),
                     event_fields={"agent_started": (), "agent_response_delta": (), "agent_completed": ()})
    recorder = WebSocketRecorder(codec=_OneEventPerTokenCodec(), rules=rules)  # type: ignore[arg-type]
    socket = recorder.open_socket("ws://product/socket")
    for payload in ("ping", "start:r1:", "delta:r1:Hel", "what?", "delta:r1:lo", "done:r1:Hello"):
        recorder.record("received", payload, socket=socket)

    run = recorder.run_events("message-r1")  # an id the page shows, resolved to its run

    assert [event.type for event in run] == ["agent_started", "agent_response_delta", "agent_response_delta",
                                            "agent_completed"]
    assert check_run_sequence(run) == []
    assert [frame.payload for frame in recorder.transport_frames()] == ["ping"]
    assert [frame.payload for frame in recorder.junk_frames()] == ["what?"]
    assert "(ping)" in recorder.summary() and "junk 'what?'" in recorder.summary()


def test_a_run_without_a_critical_event_of_the_protocol_is_named() -> None:
    rules = RunRules(critical_events=("agent_started", "tool_executing", "agent_completed"),
                     event_fields={"agent_started": (), "agent_completed": (), "tool_executing": ()})
    recorder = WebSocketRecorder(codec=_OneEventPerTokenCodec(), rules=rules)  # type: ignore[arg-type]
    for payload in ("start:r1:", "done:r1:Hi"):
        recorder.record("received", payload)

    problems = check_run_sequence(recorder.run_events("r1"))

    assert problems == ["critical events missing: tool_executing (received: agent_started, agent_completed)"]


def test_a_promise_reads_as_words_without_the_browser_name() -> None:
    assert sentence("e2e/test_x.py::test_dropped_connection_is_told[chromium-1006]") == (
        "dropped connection is told (1006)")
    assert sentence("e2e/test_x.py::test_answer_arrives[chromium]") == "answer arrives"


class _Report:
    def __init__(self, nodeid: str, when: str, outcome: str, longrepr: object = None) -> None:
        self.nodeid, self.when, self.outcome, self.longrepr = nodeid, when, outcome, longrepr
        self.failed, self.skipped = outcome == "failed", outcome == "skipped"


class _Crash:
    def __init__(self, message: str) -> None:
        self.reprcrash = type("Crash", (), {"message": message})()


def test_the_ledger_keeps_kept_broken_and_declared_not_applicable_promises_apart() -> None:
    profile = get_profile("contract")
    ledger = PromiseLedger(profile)
    profile_declared = {"e2e/test_t.py::test_history": "no data layer"}
    ledger.profile = type("P", (), {"name": "p", "title": "P",  # type: ignore[assignment]
                                    "not_applicable": profile_declared})()
    reports = [
        _Report("e2e/test_t.py::test_answer[chromium]", "setup", "passed"),
        _Report("e2e/test_t.py::test_answer[chromium]", "call", "passed"),
        _Report("e2e/test_t.py::test_silence[chromium]", "call", "failed",
                _Crash("AssertionError: the user was never told the agent timed out\n\nmore")),
        _Report("e2e/test_t.py::test_history[chromium]", "setup", "skipped",
                ("f", 1, "Skipped: not applicable to p: no data layer")),
        _Report("e2e/test_t.py::test_other[chromium]", "setup", "skipped", ("f", 1, "Skipped: why not")),
        _Report("tests/unit/test_u.py::test_unit", "call", "passed"),
    ]
    for report in reports:
        ledger.pytest_runtest_logreport(report)  # type: ignore[arg-type]

    table = ledger.table(base_url="http://x", facts={})

    outcomes = {promise["nodeid"]: (promise["outcome"], promise["detail"]) for promise in table["promises"]}
    assert outcomes == {
        "e2e/test_t.py::test_answer[chromium]": (KEPT, ""),
        "e2e/test_t.py::test_silence[chromium]": (BROKEN, "the user was never told the agent timed out"),
        "e2e/test_t.py::test_history[chromium]": (NOT_APPLICABLE, "no data layer"),
        "e2e/test_t.py::test_other[chromium]": (NOT_RUN, "skipped: why not"),
    }
    assert table["counts"] == {KEPT: 1, BROKEN: 1, NOT_APPLICABLE: 1, NOT_RUN: 1}
    markdown = render_markdown(table)
    assert markdown.index("**broken**") < markdown.index("**kept**") < markdown.index("**not applicable**")


def test_the_table_is_a_global_attachment_of_the_allure_results(tmp_path: Path) -> None:
    attach_globally(tmp_path, "promises kept and broken", "# table")

    globals_file = next(tmp_path.glob("*-globals.json"))
    attachment = json.loads(globals_file.read_text())["attachments"][0]
    assert attachment["name"] == "promises kept and broken"
    assert (tmp_path / attachment["source"]).read_text() == "# table"


class _Config:
    """A pytest config as far as the worker handoff uses it: a stash and, on a worker, its workerinput."""

    def __init__(self) -> None:
        self.stash = pytest.Stash()


def _controller_and_worker(key, value):
    """A controller with `value` in its stash at `key`, and a worker configured by it (xdist's hook)."""
    from fixtures.target import pytest_configure_node

    controller = _Config()
    controller.stash[key] = value
    node = type("Node", (), {"config": controller, "workerinput": {}})()
    pytest_configure_node(node)
    worker = _Config()
    worker.workerinput = node.workerinput
    return controller, worker


def test_a_worker_is_handed_the_controllers_preflight_instead_of_running_its_own():
    from engine.settings import TargetConfig
    from fixtures.target import _TARGET_CONFIG_KEY, _controllers_target_config

    found = TargetConfig("http://127.0.0.1:1/auth", "ws://127.0.0.1:2/ws", 30.0, facts=(("version", "1.2"),))
    controller, worker = _controller_and_worker(_TARGET_CONFIG_KEY, found)

    assert _controllers_target_config(worker) == found
    assert _controllers_target_config(controller) is found
    assert _controllers_target_config(_Config()) is None  # then the fixture runs the preflight itself


def test_a_worker_reads_the_preflight_of_a_bundled_app_from_the_file_it_was_handed(tmp_path):
    # A bundled app is checked after the workers started (fixtures/target.py pytest_runtestloop),
    # so a worker is handed the file the result will be in, written before the first test.
    import dataclasses

    from engine.settings import TargetConfig
    from fixtures.target import _HANDOFF_KEY, _controllers_target_config

    found = TargetConfig("http://127.0.0.1:1", "", 30.0, watchdog_source="patience", facts=(("app", "x"),))
    handoff = tmp_path / "target-config.json"
    _, worker = _controller_and_worker(_HANDOFF_KEY, handoff)

    assert _controllers_target_config(worker) is None  # not written yet: the fixture would run its own
    handoff.write_text(json.dumps(dataclasses.asdict(found)), encoding="utf-8")
    assert _controllers_target_config(worker) == found


def test_a_close_is_named_in_the_words_of_the_profiles_transport():
    from targets.base import TargetProfile

    class Socket(TargetProfile):
        transport = "websocket"

    class Stream(TargetProfile):
        transport = "http-stream"

    assert Socket().closed_words(1006) == "the socket closed with 1006"
    assert Stream().closed_words(1000) == "the answer's stream ended cleanly (1000)"
    assert Stream().closed_words(1011) == "the answer's stream was cut (1011)"
