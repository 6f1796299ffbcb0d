"""Checking what a client sends over the WebSocket."""

from __future__ import annotations

import json
import uuid

import pytest

from reference_app.ws_protocol import InvalidMessage, Ping, StopAgent, UserMessage, parse_client_message


def parse(frame: str | bytes | dict) -> object:
    text = json.dumps(frame) if isinstance(frame, dict) else frame
    return parse_client_message(text, max_text_chars=4000, max_frame_chars=64 * 1024)


def user_message(text: object = "hi", thread_id: object = None, **extra: object) -> dict:
    return {"type": "user_message", "message_id": "m-1", "payload": {"text": text, "thread_id": thread_id},
            **extra}


def test_the_three_messages():
    thread_id = uuid.uuid4().hex

    expected = UserMessage("m-1", "What is 17 * 23?", thread_id)

    assert parse(user_message("What is 17 * 23?", thread_id)) == expected
    assert parse({"type": "stop_agent", "payload": {"run_id": "r-1"}}) == StopAgent("r-1")
    assert parse({"type": "ping"}) == Ping()


def test_text_is_kept_exactly_as_sent():
    text = "  <b>bold</b>'; DROP TABLE messages;--\n\tline two  "

    assert parse(user_message(text)).text == text  # type: ignore[attr-defined]


def test_4000_characters_pass_and_4001_do_not():
    assert parse(user_message("x" * 4000))

    with pytest.raises(InvalidMessage, match="4001 characters long; the limit is 4000"):
        parse(user_message("x" * 4001))


@pytest.mark.parametrize("frame, reason", [
    ("{not json", "not valid JSON"),
    (b'{"type": "ping"}', "not binary"),
    ('"ping"', "JSON object"),
    ("[]", "JSON object"),
    ({"payload": {}}, "field 'type'"),
    ({"type": 7}, "field 'type'"),
    ({"type": "launch"}, "unknown message type 'launch'"),
    ({"type": "user_message", "payload": {"text": "hi"}}, "message_id"),
    ({"type": "user_message", "message_id": "", "payload": {"text": "hi"}}, "message_id"),
    ({"type": "user_message", "message_id": "m"}, "payload object"),
    ({"type": "user_message", "message_id": "m", "payload": "hi"}, "payload object"),
    (user_message(None), "payload.text must be a string"),
    (user_message(""), "must not be blank"),
    (user_message(" \n "), "must not be blank"),
    (user_message("hi", 42), "thread_id"),
    (user_message("hi", "../../etc/passwd"), "thread_id"),
    ({"type": "stop_agent", "payload": {}}, "run_id"),
    ({"type": "stop_agent", "payload": {"run_id": 5}}, "run_id"),
    ({"type": "stop_agent"}, "payload object"),
])
def test_invalid_frames_say_why(frame, reason):
    with pytest.raises(InvalidMessage, match=reason):
        parse(frame)


def test_an_oversized_frame_is_refused_before_parsing():
    with pytest.raises(InvalidMessage, match="longer than"):
        parse_client_message("x" * 101, max_text_chars=4000, max_frame_chars=100)


def test_a_long_unknown_type_is_not_repeated_in_full():
    with pytest.raises(InvalidMessage) as refused:
        parse({"type": "x" * 500})

    assert len(str(refused.value)) < 200
