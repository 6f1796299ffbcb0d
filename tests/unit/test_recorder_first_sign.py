"""``WebSocketRecorder.wait_for`` stops waiting as soon as the awaited run has ended otherwise."""

from __future__ import annotations

import json
import time

import pytest

from engine.recorder import WebSocketRecorder
from targets.contract.codec import CONTRACT_RULES, ContractCodec


def _event(event_type: str, run_id: str, **fields: object) -> str:
    return json.dumps({"type": event_type, "run_id": run_id, "thread_id": "t", **fields})


class Feeder:
    """Stands in for a page: each wait for a frame delivers the next scripted frame; counts time waited."""

    def __init__(self, recorder: WebSocketRecorder, frames: list[str]) -> None:
        self.recorder, self.frames, self.waited = recorder, list(frames), 0.0
        self.socket = recorder.open_socket("ws://test/ws")

    def __call__(self, timeout_seconds: float) -> None:
        if self.frames:
            self.recorder.record("received", self.frames.pop(0), socket=self.socket)
        else:
            self.waited += timeout_seconds  # a page would block here until the timeout


def _recorder(frames: list[str]) -> tuple[WebSocketRecorder, Feeder]:
    recorder = WebSocketRecorder(codec=ContractCodec(), rules=CONTRACT_RULES)
    feeder = Feeder(recorder, frames)
    recorder.wait_for_any_frame = feeder
    return recorder, feeder


def test_waiting_for_completion_fails_at_the_agent_error_of_that_run_quoting_it() -> None:
    recorder, feeder = _recorder([_event("agent_started", "r1"),
                                  _event("agent_error", "r1", code="AGENT_TIMEOUT", message="too slow")])
    started = time.monotonic()

    with pytest.raises(AssertionError, match="already ended with .*agent_error AGENT_TIMEOUT: 'too slow'"):
        recorder.wait_for("agent_completed", run_id="r1", timeout=120)

    assert feeder.waited == 0 and time.monotonic() - started < 1


def test_another_runs_end_does_not_stop_the_wait_for_this_run() -> None:
    recorder, _ = _recorder([_event("agent_error", "old", code="TOOL_FAILED", message="x"),
                             _event("agent_started", "r2"), _event("agent_completed", "r2", status="success",
                                                                    final_response="4")])

    assert recorder.wait_for("agent_completed", run_id="r2")["final_response"] == "4"


def test_without_a_run_id_only_an_end_seen_while_waiting_counts() -> None:
    recorder, feeder = _recorder([])
    socket = feeder.socket
    earlier = _event("agent_error", "earlier", code="TOOL_FAILED", message="x")
    recorder.record("received", earlier, socket=socket)
    feeder.frames = [_event("agent_started", "r3")]

    assert recorder.wait_for("agent_started").get("run_id") == "r3"

    feeder.frames = [_event("agent_error", "r3", code="AGENT_FAILED", message="boom")]
    with pytest.raises(AssertionError, match="AGENT_FAILED"):
        recorder.wait_for("agent_completed", timeout=60)
    assert feeder.waited == 0


def test_nothing_at_all_still_fails_at_the_timeout() -> None:
    recorder, feeder = _recorder([])

    with pytest.raises(AssertionError, match="no agent_completed frame for run r9 within 0.2 s"):
        recorder.wait_for("agent_completed", run_id="r9", timeout=0.2)
