"""The WebSocket tampering of the browser suite (engine/tamper.py), without a browser.

Fake route sides stand in for Playwright's ``WebSocketRoute``: what the page was
handed, what reached the server, what was closed. The last tests run a real inner
pytest to show that a rule that never matched makes a passing test an error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from engine.recorder import WebSocketRecorder, check_run_sequence
from engine.tamper import SocketTamper, run_event
from targets.contract.codec import CONTRACT_RULES, ContractCodec

ROOT = Path(__file__).resolve().parents[2]


class FakeSide:
    """One side of a routed socket: records what was sent to it and how it was closed."""

    def __init__(self) -> None:
        self.sent: list[str | bytes] = []
        self.closed: tuple[int | None, str | None] | None = None
        self.on_send: Callable[[], None] | None = None  # runs inside send, as another handler would

    def send(self, message: str | bytes) -> None:
        self.sent.append(message)
        if self.on_send is not None:
            hook, self.on_send = self.on_send, None
            hook()

    def close(self, *, code: int | None = None, reason: str | None = None) -> None:
        self.closed = (code, reason)

    def types(self) -> list[str]:
        return [json.loads(message).get("type", "?") if _is_json_object(message) else "junk"
                for message in self.sent]


def _is_json_object(message: str | bytes) -> bool:
    try:
        return isinstance(message, str) and isinstance(json.loads(message), dict)
    except ValueError:
        return False


def event(event_type: str, run_id: str = "run-1", **fields: Any) -> str:
    return json.dumps({"type": event_type, "run_id": run_id, "thread_id": "thread-1", **fields})


def user_message(text: str = "What is 2 + 2?") -> str:
    payload = {"text": text, "thread_id": None}
    return json.dumps({"type": "user_message", "message_id": "m", "payload": payload})


RUN = ["agent_started", "agent_thinking", "tool_executing", "tool_completed", "agent_response_delta",
       "agent_completed"]


class Harness:
    def __init__(self) -> None:
        self.recorder = WebSocketRecorder(codec=ContractCodec(), rules=CONTRACT_RULES)
        self.tamper = SocketTamper(self.recorder)
        self.page = FakeSide()
        self.server = FakeSide()
        self.connection = self.tamper.open_connection("ws://app/ws", self.page, self.server)

    def reconnect(self) -> None:
        self.page, self.server = FakeSide(), FakeSide()
        self.connection = self.tamper.open_connection("ws://app/ws", self.page, self.server)

    def server_sends(self, *types: str, run_id: str = "run-1") -> None:
        for event_type in types:
            fields = {"execution_id": "x1"} if event_type.startswith("tool_") else {}
            self.tamper.from_server(self.connection, event(event_type, run_id, **fields))

    def page_sends(self, payload: str) -> None:
        self.tamper.from_page(self.connection, payload)


@pytest.fixture
def harness() -> Harness:
    return Harness()


def test_without_rules_both_directions_are_forwarded_and_recorded(harness: Harness) -> None:
    harness.page_sends(user_message())
    harness.server_sends(*RUN)

    assert [json.loads(m)["type"] for m in harness.server.sent] == ["user_message"]
    assert harness.page.types() == RUN
    assert [(f.direction, f.parse()["type"]) for f in harness.recorder.frames] == [  # type: ignore[index]
        ("sent", "user_message"), *[("received", t) for t in RUN]]


def test_drop_after_an_event_delivers_it_and_drops_everything_later(harness: Harness) -> None:
    rule = harness.tamper.drop_server_frames(after_event="agent_started")

    harness.page_sends(user_message())
    harness.server_sends(*RUN)

    assert harness.page.types() == ["agent_started"]
    assert rule.matched == len(RUN) - 1
    assert [e.type for e in harness.recorder.events()] == ["agent_started"]


def test_drop_from_an_event_drops_that_event_too(harness: Harness) -> None:
    rule = harness.tamper.drop_server_frames(from_event="tool_executing")

    harness.server_sends(*RUN)

    assert harness.page.types() == ["agent_started", "agent_thinking"]
    assert rule.matched == 4


def test_drop_from_the_start_of_a_run_engages_at_the_user_message(harness: Harness) -> None:
    harness.server_sends("pong")
    rule = harness.tamper.drop_server_frames(from_start_of_run=True)
    harness.server_sends("pong")  # not engaged yet: no run started

    harness.page_sends(user_message())
    harness.server_sends(*RUN)

    assert harness.page.types() == ["pong", "pong"]
    assert rule.matched == len(RUN)


def test_expect_acted_waits_on_the_transport_until_the_server_s_frame_was_dropped(harness: Harness) -> None:
    rule = harness.tamper.drop_server_frames(from_start_of_run=True)
    harness.page_sends(user_message())
    waits: list[float] = []

    def server_answers_late(timeout: float) -> None:  # the transport's wait: a frame arrives during it
        waits.append(timeout)
        if len(waits) == 2:
            harness.server_sends("agent_started")

    harness.recorder.wait_for_any_frame = server_answers_late
    harness.tamper.expect_acted(rule, timeout=5)
    assert len(waits) == 2 and rule.matched == 1 and harness.page.types() == []
    harness.tamper.expect_acted(rule, timeout=5)  # acted already: no wait
    assert len(waits) == 2


def test_expect_acted_names_the_rule_when_the_server_sends_nothing(harness: Harness) -> None:
    rule = harness.tamper.drop_server_frames(after_event="agent_started")
    harness.recorder.wait_for_any_frame = lambda timeout: None  # nothing arrives
    with pytest.raises(AssertionError, match=r"never acted \(drop every server frame after agent_started\) "
                                             r"within 0.01 s: the server sent no frame for it"):
        harness.tamper.expect_acted(rule, timeout=0.01)


def test_expect_acted_does_not_wait_once_the_rule_s_socket_closed(harness: Harness) -> None:
    rule = harness.tamper.drop_server_frames(from_start_of_run=True)
    harness.page_sends(user_message())
    harness.tamper.server_closed(harness.connection, 1006, "")
    harness.recorder.wait_for_any_frame = lambda timeout: pytest.fail("waited though the socket had closed")
    with pytest.raises(AssertionError, match=r"ended before it acted \(drop every server frame from the"):
        harness.tamper.expect_acted(rule, timeout=5)


def test_a_drop_rule_is_spent_when_its_socket_closes(harness: Harness) -> None:
    rule = harness.tamper.drop_server_frames(after_event="agent_started")
    harness.server_sends("agent_started", "agent_thinking")
    harness.tamper.close_from_server(1006)

    harness.reconnect()
    harness.server_sends(*RUN, run_id="run-2")

    assert rule.matched == 1
    assert harness.page.types() == RUN


def test_after_lift_a_silenced_run_stays_silent_and_the_retry_waits_for_the_server(harness: Harness) -> None:
    harness.tamper.drop_server_frames(from_start_of_run=True)
    harness.page_sends(user_message())
    harness.server_sends("agent_started", "agent_thinking")

    harness.tamper.lift()
    harness.page_sends(user_message())  # the retry, while the server still runs the silenced run

    assert [json.loads(m)["type"] for m in harness.server.sent] == ["user_message"]
    harness.server_sends("tool_executing", "tool_completed", "agent_response_delta", "agent_completed")
    assert [json.loads(m)["type"] for m in harness.server.sent] == ["user_message", "user_message"]
    harness.server_sends(*RUN, run_id="run-2")
    assert harness.page.types() == RUN
    assert [f.direction for f in harness.recorder.frames[:2]] == ["sent", "sent"]  # as the page sent them


def test_an_error_frame_answering_the_message_ends_the_servers_run(harness: Harness) -> None:
    harness.tamper.drop_server_frames(from_start_of_run=True)
    harness.page_sends(user_message())
    harness.tamper.from_server(harness.connection, json.dumps({"type": "error", "code": "INVALID_MESSAGE"}))
    harness.tamper.lift()

    harness.page_sends(user_message())

    assert len(harness.server.sent) == 2


def test_hold_until_an_event_delivers_the_held_frames_right_after_it(harness: Harness) -> None:
    rule = harness.tamper.hold_server_frames("tool_executing", release_after="tool_completed")

    harness.server_sends(*RUN)

    assert harness.page.types() == ["agent_started", "agent_thinking", "tool_completed", "tool_executing",
                                    "agent_response_delta", "agent_completed"]
    assert rule.matched == 1 and rule.lifted
    problems = check_run_sequence(harness.recorder.events())
    assert any("tool_completed" in p and "it came later" in p and "tool_executing" in p for p in problems)


def test_hold_everything_after_an_event_until_lifted(harness: Harness) -> None:
    rule = harness.tamper.hold_server_frames(after_event="agent_started")
    harness.server_sends("agent_started", "agent_thinking", "tool_executing")
    assert harness.page.types() == ["agent_started"]

    harness.tamper.lift()
    harness.server_sends("tool_completed")

    assert harness.page.types() == ["agent_started", "agent_thinking", "tool_executing", "tool_completed"]
    assert rule.matched == 2


def test_inject_now_and_after_an_event_with_the_triggering_frame(harness: Harness) -> None:
    harness.tamper.inject_server_frame("{not json")
    rule = harness.tamper.inject_server_frame(
        lambda started: run_event("agent_error", of=started, code="TOOL_FAILED", message="m",
                                  recoverable=False),
        after_event="agent_started",
    )

    harness.server_sends(*RUN)

    assert harness.page.types() == ["junk", "agent_started", "agent_error"]  # the run's tail is dropped
    injected = json.loads(harness.page.sent[2])
    assert (injected["run_id"], injected["thread_id"]) == ("run-1", "thread-1")
    assert injected["code"] == "TOOL_FAILED"
    assert rule is not None and rule.matched == 1
    assert [f.payload for f in harness.recorder.junk_frames()] == ["{not json"]


def test_close_after_an_event_closes_both_sides_and_records_the_code(harness: Harness) -> None:
    rule = harness.tamper.close_from_server(1006, "dropped", after_event="agent_started")

    harness.server_sends(*RUN)

    assert harness.page.types() == ["agent_started"]
    assert harness.page.closed == (1006, "dropped")
    assert harness.server.closed == (None, "dropped")  # 1006 cannot be sent in a close frame
    assert [(c.socket, c.code) for c in harness.recorder.closes] == [(0, 1006)]
    assert rule is not None and rule.matched == 1


def test_a_server_close_reaches_the_page_after_the_frames_before_it(harness: Harness) -> None:
    harness.tamper.server_closed(harness.connection, 1008, "invalid or expired token")

    assert harness.page.closed == (1008, "invalid or expired token")
    assert harness.server.closed is None
    assert harness.recorder.closes[0].code == 1008


def test_frames_keep_their_order_when_a_send_lets_the_next_handler_run(harness: Harness) -> None:
    # Playwright may run the next frame's handler while a send waits: the rule engaged by
    # agent_started must already hold for it, and the page's order must not change.
    harness.tamper.drop_server_frames(after_event="agent_started")
    harness.page.on_send = lambda: harness.server_sends("agent_thinking")

    harness.server_sends("agent_started")

    assert harness.page.types() == ["agent_started"]


def test_unmatched_rules_are_listed_and_a_rule_needs_exactly_one_trigger(harness: Harness) -> None:
    matched = harness.tamper.drop_server_frames(after_event="agent_started")
    never = harness.tamper.hold_server_frames("agent_never_sent")
    harness.server_sends(*RUN)

    assert harness.tamper.unmatched_rules() == [never]
    assert matched not in harness.tamper.unmatched_rules()
    with pytest.raises(ValueError, match="exactly one"):
        harness.tamper.drop_server_frames(after_event="a", from_start_of_run=True)


def test_injecting_without_an_open_socket_says_so() -> None:
    tamper = SocketTamper(WebSocketRecorder(codec=ContractCodec(), rules=CONTRACT_RULES))

    with pytest.raises(AssertionError, match="no open routed WebSocket"):
        tamper.inject_server_frame({"type": "pong"})


# --- the fixture's tear-down, in a real inner pytest run --------------------------------------

INNER_TESTS = '''
def test_passes_but_its_rule_never_matched(ws_tamper):
    ws_tamper.drop_server_frames(after_event="agent_never_sent")


def test_fails_and_its_rule_never_matched(ws_tamper):
    ws_tamper.drop_server_frames(from_event="agent_never_sent")
    assert False, "the test's own failure"


def test_without_rules(ws_tamper):
    pass
'''


def test_a_rule_that_never_matched_makes_a_passing_test_an_error(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        'pytest_plugins = ["fixtures.settings", "fixtures.target", "fixtures.websocket", '
        '"fixtures.tamper"]\n')
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    environment = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}

    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:randomly", "-p", "no:xdist",
         "-q", "-rA", str(tmp_path)],
        cwd=tmp_path, env=environment, capture_output=True, text=True, timeout=120,
    )

    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "1 failed, 2 passed, 1 error" in output, output
    assert "ERROR test_inner.py::test_passes_but_its_rule_never_matched" in output, output
    assert "never matched a frame: 'drop every server frame after agent_never_sent'" in output, output
    assert "ERROR test_inner.py::test_fails_and_its_rule_never_matched" not in output, output
