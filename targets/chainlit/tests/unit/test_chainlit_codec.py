"""The Chainlit frame codec on real Chainlit 2.12.0 recordings, and its encode/decode round trips."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from engine.recorder import Event, Frame, check_run_sequence, field_problems
from targets.base import Direction
from targets.chainlit import PROFILE
from targets.chainlit.codec import ChainlitCodec, Decoded

pytestmark = pytest.mark.unit

DATA = Path(__file__).parent / "data"
_LINE = re.compile(r"^\s*[\d.]+ (WS>>|WS<<|WS-OPEN) ?(.*)$")
RUN_EVENTS = ("agent_started", "tool_executing", "tool_completed", "agent_response_delta", "agent_completed",
              "agent_error")


@dataclass(frozen=True)
class Decoding:
    """One recording decoded: each frame's result, with the socket it came on."""

    frames: list[tuple[int, str, str, Decoded]]  # socket, direction, payload, decoded
    codec: ChainlitCodec

    def events(self, direction: str = "received") -> list[dict[str, Any]]:
        return [event for _, way, _, decoded in self.frames if way == direction for event in decoded.events]

    def types(self, direction: str = "received") -> list[str]:
        return [event["type"] for event in self.events(direction)]

    def run(self, run_id: str) -> list[dict[str, Any]]:
        return [event for event in self.events() if event.get("run_id") == run_id]

    def run_ids(self) -> list[str]:
        return [event["run_id"] for event in self.events() if event["type"] == "agent_started"]

    def as_recorder_events(self, run_id: str) -> list[Event]:
        # The recorder's checks take Events; the frame only gives each its position.
        return [Event(Frame(index, 0, "", "received", "", 0.0, 0.0), event, PROFILE.rules)
                for index, event in enumerate(self.run(run_id))]


def decode_recording(name: str) -> Decoding:
    codec = ChainlitCodec()
    frames: list[tuple[int, str, str, Decoded]] = []
    socket = -1
    for line in (DATA / name).read_text(encoding="utf-8").splitlines():
        match = _LINE.match(line)
        if match is None:
            continue
        marker, payload = match.groups()
        if marker == "WS-OPEN":
            socket += 1
            continue
        direction: Direction = "sent" if marker == "WS>>" else "received"
        frames.append((max(socket, 0), direction, payload, codec.decode(direction, payload)))
    assert frames, f"{name} holds no frames"
    return Decoding(frames, codec)


ALL_RECORDINGS = sorted(path.name for path in DATA.glob("*.txt"))
GOLDEN_RECORDINGS = ["frames-golden-run.txt", "bundled-golden-run.txt"]


@pytest.mark.parametrize("name", ALL_RECORDINGS)
def test_every_frame_of_a_real_recording_is_read_and_every_run_event_has_the_contract_fields(
    name: str,
) -> None:
    decoding = decode_recording(name)

    unreadable = [(payload[:80], decoded.note) for _, _, payload, decoded in decoding.frames
                  if decoded.kind == "unreadable"]
    assert not unreadable, f"frames of a real Chainlit 2.12 recording were not read: {unreadable}"
    problems = [problem for run_id in decoding.run_ids()
                for event in decoding.as_recorder_events(run_id) for problem in field_problems(event)]
    assert not problems, problems


@pytest.mark.parametrize("name", GOLDEN_RECORDINGS)
def test_a_golden_run_decodes_to_started_tool_deltas_completed_with_the_streamed_answer(name: str) -> None:
    decoding = decode_recording(name)
    run_id = decoding.run_ids()[0]

    run = decoding.run(run_id)

    types = [event["type"] for event in run]
    assert types[:3] == ["agent_started", "tool_executing", "tool_completed"], types
    assert types[-1] == "agent_completed" and set(types[3:-1]) == {"agent_response_delta"}, types
    deltas = "".join(event["delta"] for event in run if event["type"] == "agent_response_delta")
    assert deltas == run[-1]["final_response"] == "The answer is 391."
    executing, completed = run[1], run[2]
    assert executing["tool_name"] == completed["tool_name"] == "calculator"
    assert executing["execution_id"] == completed["execution_id"]
    assert completed["success"] is True and completed["results"] == {"output": "391"}
    assert completed["duration"] >= 0
    assert run[0]["task_description"] == "What is 17 * 23?"
    assert check_run_sequence(decoding.as_recorder_events(run_id), expect_success=False) == []
    sent = decoding.events("sent")
    assert [event["type"] for event in sent][0] == "user_message"
    assert sent[0]["payload"]["text"] == "What is 17 * 23?"


def test_the_bundled_apps_answer_without_a_tool_is_a_run_of_deltas_only() -> None:
    decoding = decode_recording("bundled-golden-run.txt")
    second = decoding.run_ids()[1]

    types = [event["type"] for event in decoding.run(second)]

    assert types[0] == "agent_started" and types[-1] == "agent_completed"
    assert "tool_executing" not in types
    assert decoding.run(second)[-1]["final_response"] == "You wrote: hello there"


def test_transport_and_bookkeeping_frames_never_count_as_the_agent_saying_something() -> None:
    decoding = decode_recording("frames-golden-run.txt")

    notes = {decoded.note for _, _, _, decoded in decoding.frames if decoded.kind == "transport"}

    assert {"probe", "upgrade", "noop", "task_start", "task_end", "clear_ask", "first_interaction",
            "connection_successful"} <= notes
    # on_chat_start's run step is Chainlit's, not an answer to the user
    assert any(note.startswith("new_message outside a run (run 'on_chat_start')") for note in notes)
    assert all(not decoded.events for _, _, _, decoded in decoding.frames if decoded.kind == "transport")


@pytest.mark.parametrize("name", ["frames-handler-raises.txt", "bundled-handler-raises.txt"])
def test_a_handler_that_raises_is_an_agent_error_with_the_exception_text(name: str) -> None:
    decoding = decode_recording(name)

    run = decoding.run(decoding.run_ids()[0])

    assert [event["type"] for event in run] == ["agent_started", "agent_error"]
    assert run[-1]["code"] == "AGENT_FAILED" and "deliberate failure" in run[-1]["message"]


def test_a_failing_tool_step_completes_unsuccessfully_then_the_run_errs() -> None:
    decoding = decode_recording("bundled-tool-raises.txt")

    run = decoding.run(decoding.run_ids()[0])

    assert [event["type"] for event in run] == ["agent_started", "tool_executing", "tool_completed",
                                                 "agent_error"]
    assert run[2]["success"] is False and "calculator step" in run[2]["results"]["output"]


def test_stop_names_the_open_run_and_its_end_is_an_agent_error_saying_it_was_stopped() -> None:
    decoding = decode_recording("bundled-silent-then-stopped.txt")
    stopped = decoding.run_ids()[0]

    stops = [event for event in decoding.events("sent") if event["type"] == "stop_agent"]

    assert [stop["payload"]["run_id"] for stop in stops] == [stopped]
    run = decoding.run(stopped)
    assert [event["type"] for event in run] == ["agent_started", "agent_error"]
    assert "stopped" in run[-1]["message"]
    # "Task manually stopped." is sent with no parent: it belongs to no run
    assert any(decoded.note.startswith("new_message outside a run") for _, _, _, decoded in decoding.frames)


def test_a_silent_agent_under_a_fast_forwarded_clock_gives_only_its_start() -> None:
    decoding = decode_recording("bundled-silent-clock-keepalive.txt")

    assert decoding.types() == ["agent_started"]
    sockets = {socket for socket, _, _, _ in decoding.frames}
    assert sockets == {0}, "the socket was replaced: the keep-alive failed"
    pongs = [payload for _, way, payload, _ in decoding.frames if way == "sent" and payload == "3"]
    assert len(pongs) == 5


# a drop while a 4 s tool runs; the clock fast-forwarded 60 s with no keep-alive while an 8 s tool runs
@pytest.mark.parametrize("name", ["bundled-drop-and-reconnect.txt", "bundled-fast-forward-60s-mid-run.txt"])
def test_a_run_that_goes_on_through_a_quick_reconnect_is_decoded_across_both_sockets(name: str) -> None:
    decoding = decode_recording(name)
    first = decoding.run_ids()[0]

    by_socket = {(socket, event["type"]) for socket, _, _, decoded in decoding.frames
                 for event in decoded.events if event.get("run_id") == first}

    assert (0, "agent_started") in by_socket and (0, "tool_executing") in by_socket
    assert (1, "tool_completed") in by_socket and (1, "agent_completed") in by_socket
    assert decoding.run(first)[-1]["final_response"] == "The answer is 42."


@pytest.mark.parametrize("name", ["frames-connection-dropped.txt", "bundled-drop-polling-blocked.txt"])
def test_a_run_whose_tail_was_sent_while_no_socket_was_up_never_ends(name: str) -> None:
    decoding = decode_recording(name)
    lost, *later = decoding.run_ids()

    types = [event["type"] for event in decoding.run(lost)]

    assert types[:2] == ["agent_started", "tool_executing"]
    assert "agent_completed" not in types and "agent_error" not in types
    # the next message is answered (the notes' recording stops before that run's end)
    assert later and "agent_response_delta" in [event["type"] for event in decoding.run(later[0])]


@pytest.mark.parametrize(
    ("payload", "note"),
    [("2", "ping"), ("3", "pong"), ("2probe", "probe"), ("3probe", "probe"), ("5", "upgrade"), ("6", "noop"),
     ('0{"sid":"x","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}', "open"),
     ("1", "close"), ('40{"sid":"abc"}', "connect"), ("41", "disconnect"), ('431["ok"]', "ack"),
     ('42["task_end",{}]', "task_end"), ('42["token_usage",12]', "token_usage"),
     ('42["toast",{"message":"saved","type":"info"}]', "toast info")],
)
def test_transport_frames_are_named_and_carry_no_event(payload: str, note: str) -> None:
    decoded = ChainlitCodec().decode("received", payload)

    assert (decoded.kind, decoded.note, decoded.events) == ("transport", note, ())


def test_a_refused_socket_is_a_connect_error_naming_the_servers_reason() -> None:
    decoded = ChainlitCodec().decode("received", '44{"message":"authentication failed"}')

    assert decoded.kind == "transport" and decoded.note.startswith("connect_error")
    assert "authentication failed" in decoded.note


@pytest.mark.parametrize(
    ("direction", "payload", "named"),
    [("received", b"\x04binary", "binary"),
     ("received", "", "empty"),
     ("received", "x", "engine.io"),
     ("received", "49", "socket.io"),
     ("received", '42["new_message",{"id":', "does not parse"),
     ("received", '42{"type":"agent_started"}', "JSON array"),
     ("received", '42["e2e_made_up_event",{}]', "e2e_made_up_event"),
     ("received", '42["new_message","a string"]', "not an object"),
     ("received", '451-["new_message",{"_placeholder":true,"num":0}]', "binary event"),
     ("sent", '42["e2e_unknown_client_event"]', "e2e_unknown_client_event"),
     ("sent", '42["client_message",{"message":{}}]', "message.output")],
)
def test_a_frame_the_codec_cannot_read_is_unreadable_and_the_note_names_it(
    direction: Any, payload: str | bytes, named: str
) -> None:
    decoded = ChainlitCodec().decode(direction, payload)

    assert decoded.kind == "unreadable" and not decoded.events
    assert named in decoded.note and repr(payload)[:20] in decoded.note


def test_run_of_maps_the_answer_the_tool_and_the_dom_id_to_the_run() -> None:
    decoding = decode_recording("frames-golden-run.txt")
    run = decoding.run(decoding.run_ids()[0])
    run_id, tool_id, answer_id = run[0]["run_id"], run[1]["execution_id"], run[3]["message_id"]

    assert decoding.codec.run_of(run_id) == run_id
    assert decoding.codec.run_of(tool_id) == run_id
    assert decoding.codec.run_of(answer_id) == run_id
    assert decoding.codec.run_of(f"step-{answer_id}") == run_id
    assert decoding.codec.run_of("no-such-id") is None


def test_the_keepalive_frame_is_the_servers_ping() -> None:
    codec = ChainlitCodec()

    assert codec.keepalive_frame() == "2"
    assert codec.decode("received", codec.keepalive_frame()).note == "ping"


# --- round trips ----------------------------------------------------------------------


def _feed(codec: ChainlitCodec, frames: list[str], direction: Any = "received") -> list[dict[str, Any]]:
    decoded = [codec.decode(direction, frame) for frame in frames]
    assert all(item.kind != "unreadable" for item in decoded), [item.note for item in decoded]
    return [event for item in decoded for event in item.events]


def test_a_whole_run_encoded_then_decoded_gives_the_same_events_back() -> None:
    codec = ChainlitCodec()
    sent = _feed(codec, codec.encode({"type": "user_message", "message_id": "m-1", "user_id": "qa",
                                      "payload": {"text": "What is 2 + 2?", "thread_id": "t-1"}}), "sent")
    assert sent[0]["type"] == "user_message" and sent[0]["payload"] == {"text": "What is 2 + 2?",
                                                                         "thread_id": "t-1"}
    base = {"run_id": "r-1", "thread_id": "t-1", "timestamp": "2026-12-01T09:00:00+00:00"}
    script: list[dict[str, Any]] = [
        {**base, "type": "agent_started", "agent_name": "on_message"},
        {**base, "type": "tool_executing", "tool_name": "calculator", "parameters": {"input": "2 + 2"},
         "execution_id": "x-1"},
        {**base, "type": "tool_completed", "tool_name": "calculator", "results": {"output": "4"},
         "execution_id": "x-1", "success": True, "timestamp": "2026-12-01T09:00:01+00:00"},
        {**base, "type": "agent_response_delta", "delta": "It is"},
        {**base, "type": "agent_response_delta", "delta": " 4."},
        {**base, "type": "agent_completed", "status": "success", "final_response": "It is 4."},
    ]

    decoded = [event for vocabulary in script for event in _feed(codec, codec.encode(vocabulary))]

    assert [event["type"] for event in decoded] == [event["type"] for event in script]
    for original, back in zip(script, decoded, strict=True):
        for key in ("run_id", "thread_id", "tool_name", "execution_id", "parameters", "results", "delta",
                    "success", "final_response", "status"):
            if key in original:
                assert back[key] == original[key], (original["type"], key)
    assert decoded[0]["task_description"] == "What is 2 + 2?" and decoded[0]["user_id"] == "qa"
    assert decoded[2]["duration"] == 1.0
    assert codec.run_of("x-1") == "r-1"


def test_an_agent_error_injected_into_a_real_run_ends_that_run_keeping_its_step() -> None:
    codec = ChainlitCodec()
    lines = (DATA / "frames-golden-run.txt").read_text(encoding="utf-8").splitlines()
    for line in lines:  # up to the tool step's start
        match = _LINE.match(line)
        if match and match.group(1) != "WS-OPEN":
            codec.decode("sent" if match.group(1) == "WS>>" else "received", match.group(2))
            if '"type":"tool"' in match.group(2):
                break
    run_id = "ea31297b-8bda-4dfc-9656-2d3d506ebe3e"

    frames = codec.encode({"type": "agent_error", "run_id": run_id, "code": "AGENT_FAILED",
                           "message": "injected failure", "recoverable": False})

    assert frames[-1] == '42["task_end",{}]'
    assert '"name":"on_message"' in frames[0]
    assert '"parentId":"4e171ec4-b5f4-44f3-8176-2c407ba21a19"' in frames[0]
    events = _feed(codec, frames)
    assert [(event["type"], event["run_id"], event["message"]) for event in events] == [
        ("agent_error", run_id, "injected failure")]


def test_completion_without_deltas_shows_the_whole_answer_first() -> None:
    codec = ChainlitCodec()
    _feed(codec, codec.encode({"type": "agent_started", "run_id": "r-2", "thread_id": "t"}))

    events = _feed(codec, codec.encode({"type": "agent_completed", "run_id": "r-2", "thread_id": "t",
                                        "status": "success", "final_response": "Done."}))

    assert [(event["type"], event.get("delta"), event.get("final_response")) for event in events] == [
        ("agent_response_delta", "Done.", None), ("agent_completed", None, "Done.")]


def test_stop_agent_encodes_as_chainlits_stop_and_thinking_as_nothing() -> None:
    codec = ChainlitCodec()

    assert codec.encode({"type": "stop_agent", "payload": {"run_id": "r"}}) == ['42["stop"]']
    assert codec.encode({"type": "agent_thinking", "run_id": "r", "reasoning": "hm"}) == []
    with pytest.raises(ValueError, match="e2e_unknown"):
        codec.encode({"type": "e2e_unknown"})


def test_a_tool_step_whose_update_comes_before_its_new_message_is_completed_then_executing() -> None:
    # What the page sees when the tampering holds the tool's new_message back until its update passed.
    lines = [line for line in (DATA / "frames-golden-run.txt").read_text(encoding="utf-8").splitlines()
             if (match := _LINE.match(line)) and match.group(1) != "WS-OPEN"]
    payloads = [(_LINE.match(line).group(1), _LINE.match(line).group(2)) for line in lines]  # type: ignore[union-attr]
    tool_new = next(index for index, (_, payload) in enumerate(payloads)
                    if payload.startswith('42["new_message"') and '"type":"tool"' in payload)
    tool_update = next(index for index, (_, payload) in enumerate(payloads)
                       if payload.startswith('42["update_message"') and '"type":"tool"' in payload)
    payloads.insert(tool_update, payloads.pop(tool_new))  # the new_message now comes right after the update
    codec = ChainlitCodec()

    events = [event for marker, payload in payloads
              for event in codec.decode("sent" if marker == "WS>>" else "received", payload).events]

    types = [event["type"] for event in events if event["type"].startswith("tool_")]
    assert types == ["tool_completed", "tool_executing"], types
    run = [Event(Frame(index, 0, "", "received", "", 0.0, 0.0), event, PROFILE.rules)
           for index, event in enumerate(events) if event.get("run_id") and event["type"] != "user_message"]
    assert any("has no earlier tool_executing" in problem for problem in check_run_sequence(run))
