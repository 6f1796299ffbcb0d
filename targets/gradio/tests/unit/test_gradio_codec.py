"""The Gradio queue codec on real Gradio 6.31.0 captures (``targets/gradio/streams/``), and its round trips.

Each capture is fed to the codec as the suite feeds a page's HTTP streams in the browser: the calls
``engine/http_stream.py``'s in-page wrapper makes to its binding are rebuilt from the capture's
``*.requests.json`` and handed to the suite's own ``attach_streams`` (through a stand-in page that
only takes its binding), which records them into a ``WebSocketRecorder`` with a ``GradioCodec``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.http_stream import attach_streams
from engine.recorder import WebSocketRecorder, check_run_sequence, field_problems
from engine.settings import TargetConfig
from targets.base import CONNECTION_NOTES
from targets.gradio import GRADIO_RULES, PROFILE
from targets.gradio.codec import KEEPALIVE_FRAME, MALFORMED_FRAMES, GradioCodec

pytestmark = pytest.mark.unit

STREAMS = Path(__file__).resolve().parents[2] / "streams"
BASE = "http://127.0.0.1:7860"  # the captures' paths are relative to the app: any origin will do
PATTERNS = PROFILE.stream_patterns(TargetConfig(auth_url=BASE, ws_url="", watchdog_seconds=30.0))
CAPTURES = ["golden-tool-run", "plain-answer", "handler-raises"]
CHAT_FN = 2  # the fn_index of ChatInterface's chat function in the bundled app (capture.py looks for it)
# Gradio's own heartbeat on /gradio_api/queue/data: HeartbeatMessage().model_dump() through orjson
GRADIO_HEARTBEAT = 'data: {"msg":"heartbeat","event_id":null}\n\n'
CLOSE_STREAM = 'data: {"msg":"close_stream","event_id":null}\n\n'


# --- feeding a capture as the suite feeds an HTTP stream ------------------------------


class _Page:
    """What ``attach_streams`` asks of a page: a binding to expose and an init script (the wrapper)."""

    def __init__(self) -> None:
        self.binding: Any = None

    def expose_binding(self, name: str, callback: Any) -> None:
        self.binding = callback

    def add_init_script(self, script: str) -> None:
        """The wrapper itself runs in a browser; ``wrapper_calls`` stands in for what it would call."""

    def call(self, call: dict[str, Any]) -> None:
        self.binding(None, call)


def wrapper_calls(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The calls the in-page wrapper (``engine/http_stream.py``) makes to its binding for these requests.

    A request whose URL matches the profile's send pattern: one ``sent`` call with its body (``''`` when
    it has none) and its answer, made once it is answered (so timed at ``done_ms``). A response matching
    the stream pattern: ``open``, then one ``frame`` per server-sent message (the text up to and with a
    blank line, CRLF read as LF; a rest without a blank line only at a clean end), then ``end``, or
    ``error`` when the page aborted it. Every other request the wrapper passes by. In the order the
    wrapper would make them: by time, streams' chunks at their stream's start plus their ``ms``.
    """
    timed: list[tuple[float, int, dict[str, Any]]] = []

    def at(moment: float, call: dict[str, Any]) -> None:
        timed.append((moment, len(timed), call))

    streams = 0
    for entry in requests:
        url = BASE + entry["path"]
        if re.search(PATTERNS.send, url):
            at(entry.get("done_ms", entry["t_ms"]),
               {"kind": "sent", "url": url, "body": entry["request_body"] or "",
                "status": entry.get("status"), "answer": entry.get("response_body", "")})
        elif re.search(PATTERNS.stream, url):
            stream_id, streams = streams, streams + 1
            start, stream = entry["t_ms"], entry["stream"]
            at(start, {"kind": "open", "id": stream_id, "url": url, "status": entry.get("status")})
            buffer = ""
            for chunk in stream["chunks"]:
                buffer += chunk["text"].replace("\r\n", "\n")
                while (end := buffer.find("\n\n")) >= 0:
                    payload, buffer = buffer[:end + 2], buffer[end + 2:]
                    at(start + chunk["ms"], {"kind": "frame", "id": stream_id, "payload": payload})
            ended = start + (stream["ended_ms"] or 0)
            if stream["page_error"]:
                at(ended, {"kind": "error", "id": stream_id, "reason": stream["page_error"]})
            else:
                if buffer:
                    at(ended, {"kind": "frame", "id": stream_id, "payload": buffer})
                at(ended, {"kind": "end", "id": stream_id})
    return [call for _, _, call in sorted(timed, key=lambda item: item[:2])]


def requests_of(name: str) -> list[dict[str, Any]]:
    return json.loads((STREAMS / f"{name}.requests.json").read_text(encoding="utf-8"))


def new_feed() -> tuple[_Page, WebSocketRecorder]:
    recorder = WebSocketRecorder(codec=GradioCodec(), rules=GRADIO_RULES)
    page = _Page()
    attach_streams(page, recorder, PATTERNS)  # type: ignore[arg-type]
    return page, recorder


@dataclass(frozen=True)
class Capture:
    """One capture fed through the suite's recorder: its frames, decoded by one GradioCodec."""

    name: str
    recorder: WebSocketRecorder

    @property
    def codec(self) -> GradioCodec:
        return self.recorder.codec  # type: ignore[return-value]

    def chat_run(self) -> str:
        """The run the user's message started (the codec's ``turn-0``)."""
        self.recorder.decoded()
        run_id = self.codec.run_of("turn-0")
        assert run_id is not None, f"{self.name}: the codec named no run for the user's message"
        return run_id

    def run(self, run_id: str) -> list[dict[str, Any]]:
        return [event.data for event in self.recorder.run_events(run_id)]

    def types(self, run_id: str) -> list[str]:
        return [event["type"] for event in self.run(run_id)]

    def run_ids(self) -> list[str]:
        return [event["run_id"] for event in self.recorder.events() if event.type == "agent_started"]


def decode_capture(name: str) -> Capture:
    page, recorder = new_feed()
    for call in wrapper_calls(requests_of(name)):
        page.call(call)
    assert recorder.frames, f"{name} holds no frames"
    return Capture(name, recorder)


def chat_event_id(name: str) -> str:
    """The chat function's event id, read from the capture itself: the answer of its queue/join."""
    return next(json.loads(entry["response_body"])["event_id"] for entry in requests_of(name)
                if entry["path"].startswith("/gradio_api/queue/join")
                and json.loads(entry["request_body"])["fn_index"] == CHAT_FN)


def completed_message(name: str) -> dict[str, Any]:
    """The chat function's ``process_completed`` message in ``<name>.sse``, read without the codec."""
    blocks = (STREAMS / f"{name}.sse").read_text(encoding="utf-8").split("\n\n")
    messages = [json.loads(block.removeprefix("data: ")) for block in blocks if block.startswith("data: ")]
    return next(message for message in messages if message["msg"] == "process_completed")


def final_answer(name: str) -> str:
    """The answer's text in the last outputs: the last chat message's text parts."""
    history = completed_message(name)["output"]["data"][1]
    return "".join(part["text"] for part in history[-1]["content"] if part["type"] == "text")


# --- the captures themselves ------------------------------------------------------------


@pytest.mark.parametrize("name", CAPTURES)
def test_the_sse_file_is_the_chat_functions_stream_in_the_requests_file(name: str) -> None:
    event_id = chat_event_id(name)
    streams = [entry["stream"] for entry in requests_of(name) if "stream" in entry]

    carrying = [stream for stream in streams if any(event_id in chunk["text"] for chunk in stream["chunks"])]

    assert len(carrying) == 1, f"{name}: {len(carrying)} streams carry the chat event {event_id}"
    text = "".join(chunk["text"] for chunk in carrying[0]["chunks"])
    assert (STREAMS / f"{name}.sse").read_text(encoding="utf-8") == text


@pytest.mark.parametrize("name", CAPTURES)
def test_every_frame_of_a_capture_is_read_and_the_chat_runs_events_have_the_profiles_fields(
    name: str,
) -> None:
    capture = decode_capture(name)

    unreadable = [(frame.describe(), str(frame.payload)[:80], decoded.note)
                  for frame, decoded in capture.recorder.decoded() if decoded.kind == "unreadable"]
    assert not unreadable, f"frames of a real Gradio 6.31.0 capture were not read: {unreadable}"
    run = capture.recorder.run_events(capture.chat_run())
    assert run, f"{name}: no events for the chat run"
    assert [problem for event in run for problem in field_problems(event)] == []


def test_the_run_is_the_event_the_chat_functions_join_was_answered_with() -> None:
    capture = decode_capture("golden-tool-run")
    event_id = chat_event_id("golden-tool-run")

    assert event_id == "6d28bf32c7c94278bf0cbdecdf21fc22"
    assert capture.chat_run() == event_id
    assert capture.codec.run_of(event_id) == event_id
    assert capture.codec.run_of("turn-1") is None
    assert capture.codec.run_of("no-such-id") is None
    sent = capture.recorder.events("sent")
    assert [(event.type, event["payload"]) for event in sent] == [
        ("user_message", {"text": "What is 17 * 23?"})]


# --- what each capture decodes to -------------------------------------------------------


def test_a_golden_tool_run_decodes_to_started_tool_deltas_completed_with_the_answer_of_the_capture() -> None:
    capture = decode_capture("golden-tool-run")
    run_id = capture.chat_run()

    run = capture.run(run_id)

    types = [event["type"] for event in run]
    assert types[:3] == ["agent_started", "tool_executing", "tool_completed"], types
    assert types[-1] == "agent_completed" and set(types[3:-1]) == {"agent_response_delta"}, types
    deltas = [event["delta"] for event in run if event["type"] == "agent_response_delta"]
    assert deltas == ["The", " answer", " is", " 391", "."]
    assert "".join(deltas) == run[-1]["final_response"] == final_answer("golden-tool-run")
    assert final_answer("golden-tool-run") == "The answer is 391."
    assert run[-1] == {"type": "agent_completed", "run_id": run_id, "final_response": "The answer is 391.",
                       "status": "success"}
    # The tool step as decoded: its name is the step's title, whole; the step's text ("17 * 23", then
    # "17 * 23 = 391") is carried as neither parameters nor results.
    execution_id = f"{run_id}:0"
    assert run[1] == {"type": "tool_executing", "run_id": run_id, "tool_name": "Used tool calculator",
                      "execution_id": execution_id}
    assert run[2] == {"type": "tool_completed", "run_id": run_id, "tool_name": "Used tool calculator",
                      "execution_id": execution_id, "success": True}
    assert check_run_sequence(capture.recorder.run_events(run_id), rules=GRADIO_RULES) == []


def test_the_tool_step_is_done_in_the_same_message_that_starts_the_answer() -> None:
    # The second process_generating replaces the step's status with "done" and adds the answer's
    # first message: one frame, two events, the tool's end first.
    capture = decode_capture("golden-tool-run")

    per_frame = [[event["type"] for event in decoded.events] for _, decoded in capture.recorder.decoded()
                 if decoded.events and decoded.events[0].get("run_id") == capture.chat_run()]

    # The first process_generating is the first to hold the chat history: the run starts there.
    assert per_frame[:2] == [["agent_started", "tool_executing"], ["tool_completed", "agent_response_delta"]]


def test_a_plain_answer_is_a_run_of_deltas_only_building_the_final_text() -> None:
    capture = decode_capture("plain-answer")
    run_id = capture.chat_run()

    run = capture.run(run_id)

    types = [event["type"] for event in run]
    assert types[0] == "agent_started" and types[-1] == "agent_completed", types
    assert set(types[1:-1]) == {"agent_response_delta"}, types
    assert not {"tool_executing", "tool_completed"} & set(types)
    deltas = [event["delta"] for event in run if event["type"] == "agent_response_delta"]
    assert deltas == ["You", " wrote", ":", " hello", " there"]
    assert "".join(deltas) == run[-1]["final_response"] == final_answer("plain-answer")
    assert final_answer("plain-answer") == "You wrote: hello there"
    assert check_run_sequence(capture.recorder.run_events(run_id), expect_success=False) == []


def test_a_chat_function_that_raises_is_an_agent_error_after_its_tool_step_started_and_never_completes(
) -> None:
    # The bundled app's handler_raises raises after the tool step started (app/app.py): the capture has
    # the pending step, then process_completed with success false, output.error null and title null.
    capture = decode_capture("handler-raises")
    run_id = capture.chat_run()
    assert completed_message("handler-raises")["success"] is False

    run = capture.run(run_id)

    assert [event["type"] for event in run] == ["agent_started", "tool_executing", "agent_error"]
    assert run[-1] == {"type": "agent_error", "run_id": run_id, "code": "ERROR", "message": "", "title": None,
                       "visible": None}
    assert "agent_completed" not in [event.type for event in capture.recorder.events()]
    assert capture.run_ids() == [run_id]
    assert check_run_sequence(capture.recorder.run_events(run_id), expect_success=False) == []


@pytest.mark.parametrize("name", ["golden-tool-run", "plain-answer"])
def test_only_the_chat_functions_event_is_a_run(name: str) -> None:
    capture = decode_capture(name)

    assert capture.run_ids() == [capture.chat_run()]
    problems = [problem for run_id in capture.run_ids()
                for problem in check_run_sequence(capture.recorder.run_events(run_id), expect_success=False)]
    assert problems == []


# --- the connection's own messages --------------------------------------------------------


@pytest.mark.parametrize(("payload", "note"), [(GRADIO_HEARTBEAT, "heartbeat"),
                                               (KEEPALIVE_FRAME, "heartbeat"),
                                               (CLOSE_STREAM, "close_stream")])
def test_heartbeat_and_close_stream_are_transport_notes_with_no_event(payload: str, note: str) -> None:
    decoded = GradioCodec().decode("received", payload)

    assert (decoded.kind, decoded.note, decoded.events) == ("transport", note, ())


def test_close_stream_in_the_captures_is_transport_and_is_bookkeeping_the_tampering_acts_on() -> None:
    # close_stream ends the queue's stream once its runs are over: a silenced run must withhold it, so
    # it is no connection note (targets/base.py CONNECTION_NOTES; the codec's docstring says so).
    for name in CAPTURES:
        closes = [decoded for frame, decoded in decode_capture(name).recorder.decoded()
                  if frame.payload == CLOSE_STREAM]
        assert closes and all((item.kind, item.note, item.events) == ("transport", "close_stream", ())
                              for item in closes), name
    assert "close_stream" not in CONNECTION_NOTES


def test_a_heartbeat_mid_run_changes_nothing_in_the_run() -> None:
    plain = decode_capture("golden-tool-run")
    page, recorder = new_feed()
    for call in wrapper_calls(requests_of("golden-tool-run")):
        page.call(call)
        if call["kind"] == "frame" and call["id"] == 0 and '"msg":"process_starts"' in call["payload"]:
            page.call({"kind": "frame", "id": call["id"], "payload": GRADIO_HEARTBEAT})
    with_heartbeat = Capture("golden-tool-run", recorder)

    assert with_heartbeat.run(with_heartbeat.chat_run()) == plain.run(plain.chat_run())
    notes = [decoded.note for _, decoded in recorder.decoded() if decoded.kind == "transport"]
    assert notes.count("heartbeat") == 1


def test_the_keepalive_is_gradios_heartbeat_the_page_does_not_answer() -> None:
    codec = GradioCodec()

    assert codec.keepalive_frame() == KEEPALIVE_FRAME
    assert codec.decode("received", codec.keepalive_frame()).note == "heartbeat"
    assert codec.keepalive_answered() is False
    assert codec.close_is_a_frame() is True
    assert codec.server_close_code(1006) is None


def test_a_heartbeat_is_a_connection_note_no_tampering_rule_acts_on() -> None:
    assert GradioCodec().decode("received", GRADIO_HEARTBEAT).note in CONNECTION_NOTES


# --- frames the codec cannot read ------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "named"),
    [('data: {"msg":', "'{\"msg\":'"),
     ('data: {"msg":\n\n', "'{\"msg\":'"),
     (MALFORMED_FRAMES[0], "'{\"msg\": \"process_starts\", \"event_id\": '"),
     (MALFORMED_FRAMES[1], "'[1, 2, 3]'"),
     (MALFORMED_FRAMES[2], "an object without a msg"),
     (MALFORMED_FRAMES[3], "e2e_unknown_event"),
     ("no data line at all\n\n", "no data line at all"),
     ('data: {"msg":"process_generating","event_id":"e1"}\n\n', "output.data")],
)
def test_a_frame_the_codec_cannot_read_is_unreadable_and_the_note_names_it(payload: str, named: str) -> None:
    decoded = GradioCodec().decode("received", payload)

    assert decoded.kind == "unreadable" and decoded.events == ()
    assert named in decoded.note, decoded.note


def test_a_cut_off_frame_mid_run_is_named_and_the_run_goes_on_to_its_answer() -> None:
    page, recorder = new_feed()
    for call in wrapper_calls(requests_of("golden-tool-run")):
        page.call(call)
        if call["kind"] == "frame" and call["id"] == 0 and '"msg":"process_starts"' in call["payload"]:
            page.call({"kind": "frame", "id": call["id"], "payload": 'data: {"msg":'})
    capture = Capture("golden-tool-run", recorder)

    junk = recorder.junk_frames()
    assert [frame.payload for frame in junk] == ['data: {"msg":']
    assert "its data is not JSON" in dict(recorder.decoded())[junk[0]].note
    run = capture.run(capture.chat_run())
    assert run[-1]["type"] == "agent_completed" and run[-1]["final_response"] == "The answer is 391."


def test_an_edit_of_a_message_the_codec_never_saw_is_unreadable_not_an_exception() -> None:
    frames = [call["payload"] for call in wrapper_calls(requests_of("golden-tool-run"))
              if call["kind"] == "frame" and call["id"] == 0]
    generating = [frame for frame in frames if '"msg":"process_generating"' in frame]
    codec = GradioCodec()
    for frame in frames[:frames.index(generating[0]) + 1]:  # up to the tool step's first message
        codec.decode("received", frame)

    decoded = codec.decode("received", generating[2])  # generating[1], which adds message 2, never came

    assert decoded.kind == "unreadable" and "append" in decoded.note


# --- encode: what the suite injects --------------------------------------------------------


def _feed_until(event_type: str) -> tuple[_Page, WebSocketRecorder]:
    page, recorder = new_feed()
    for call in wrapper_calls(requests_of("golden-tool-run")):
        page.call(call)
        if any(event.type == event_type for event in recorder.events()):
            return page, recorder
    raise AssertionError(f"golden-tool-run has no {event_type}")


@pytest.mark.parametrize("named", [True, False], ids=["run-id-given", "the-open-run"])
def test_an_agent_error_encoded_into_a_real_run_decodes_back_to_an_agent_error_ending_that_run(
    named: bool,
) -> None:
    _, recorder = _feed_until("tool_executing")
    run_id = chat_event_id("golden-tool-run")
    codec: GradioCodec = recorder.codec  # type: ignore[assignment]
    event = {"type": "agent_error", "code": "ERROR", "message": "injected failure", "recoverable": False}

    frames = codec.encode({**event, "run_id": run_id} if named else event)

    assert len(frames) == 1 and frames[0].startswith("data: ") and frames[0].endswith("\n\n")
    assert frames[0].count("\n\n") == 1  # one server-sent message, as the wrapper splits them
    message = json.loads(frames[0].removeprefix("data: "))
    assert (message["msg"], message["event_id"], message["success"]) == ("process_completed", run_id, False)
    for frame in frames:
        recorder.record("received", frame, socket=0)
    run = [item.data for item in recorder.run_events(run_id)]
    assert [item["type"] for item in run] == ["agent_started", "tool_executing", "agent_error"]
    # Gradio's plain-exception shape (show_error=False): the injected message text does not reach the page.
    assert (run[-1]["run_id"], run[-1]["code"], run[-1]["message"]) == (run_id, "ERROR", "")
    assert check_run_sequence(recorder.run_events(run_id), expect_success=False) == []


def test_an_agent_error_encoded_by_a_fresh_codec_decodes_to_an_agent_error_of_that_run() -> None:
    codec = GradioCodec()

    frames = codec.encode({"type": "agent_error", "run_id": "r-1", "code": "ERROR", "message": "boom"})
    events = [event for frame in frames for event in codec.decode("received", frame).events]

    # A run the codec has not seen start starts at its failure: the error belongs to a run.
    assert [(event["type"], event["run_id"]) for event in events] == [("agent_started", "r-1"),
                                                                      ("agent_error", "r-1")]
    assert events[-1]["code"] == "ERROR"


def test_an_agent_completed_encoded_mid_answer_completes_the_run_with_the_text_shown_so_far() -> None:
    _, recorder = _feed_until("agent_response_delta")
    run_id = chat_event_id("golden-tool-run")
    codec: GradioCodec = recorder.codec  # type: ignore[assignment]
    recorder.decoded()

    for frame in codec.encode({"type": "agent_completed", "run_id": run_id}):
        recorder.record("received", frame, socket=0)

    run = [item.data for item in recorder.run_events(run_id)]
    assert [item["type"] for item in run][-2:] == ["agent_response_delta", "agent_completed"]
    assert run[-1]["final_response"] == "The"
