"""What the message input sends and refuses (CONTRACT.md 6.1)."""

from __future__ import annotations

import re

import pytest

from engine.recorder import WebSocketRecorder
from pages import ChatPage

pytestmark = pytest.mark.chat

MAX_CHARACTERS = 4000


def _sent_texts(recorder: WebSocketRecorder) -> list[str]:
    return [str((event.get("payload") or {}).get("text")) for event in recorder.sent("user_message")]


def _send_and_wait_for_its_run(chat: ChatPage, recorder: WebSocketRecorder, text: str) -> None:
    # Frames arrive in order: once this message's run has started, anything the
    # page sent before it has been recorded too.
    chat.send(text)
    recorder.wait_for("agent_started")


def test_enter_sends_the_message(
    chat_page: ChatPage, ws_recorder: WebSocketRecorder, e2e_marker: str
) -> None:
    text = f"{e2e_marker} What is 2 + 3?"
    chat_page.write(text)

    chat_page.press_enter()

    chat_page.messages.expect_user_message(text)
    chat_page.expect_input_value("")
    ws_recorder.wait_for("agent_started")
    assert _sent_texts(ws_recorder) == [text]


def test_shift_enter_adds_a_line_instead_of_sending(chat_page: ChatPage, e2e_marker: str) -> None:
    first_line, second_line = f"{e2e_marker} first line", "second line"

    chat_page.write(first_line).press_shift_enter().write(second_line)

    chat_page.expect_input_value(f"{first_line}\n{second_line}")
    chat_page.messages.expect_user_message_count(0)


def test_blank_message_is_not_sent(
    chat_page: ChatPage, ws_recorder: WebSocketRecorder, e2e_marker: str
) -> None:
    chat_page.write("   \n  ").press_enter()

    real = f"{e2e_marker} What is 1 + 1?"
    _send_and_wait_for_its_run(chat_page, ws_recorder, real)
    assert _sent_texts(ws_recorder) == [real], ("the user was never told a blank message is not sent: "
                                                "it reached the server as a message")
    chat_page.messages.expect_user_message_count(1)


def test_message_of_4001_characters_is_refused_with_a_visible_reason(
    chat_page: ChatPage, ws_recorder: WebSocketRecorder, e2e_marker: str
) -> None:
    too_long = f"{e2e_marker} ".ljust(MAX_CHARACTERS + 1, "x")

    chat_page.write(too_long).press_enter()

    chat_page.error_banner.expect_code("INVALID_MESSAGE")
    chat_page.error_banner.expect_text(re.compile(r"4[,. ]?000|too long", re.IGNORECASE))
    chat_page.messages.expect_user_message_count(0)
    real = f"{e2e_marker} What is 4 + 4?"
    _send_and_wait_for_its_run(chat_page, ws_recorder, real)
    assert _sent_texts(ws_recorder) == [real], "the over-long message reached the server"


def test_message_of_4000_characters_is_sent(
    chat_page: ChatPage, ws_recorder: WebSocketRecorder, e2e_marker: str
) -> None:
    longest = f"{e2e_marker} ".ljust(MAX_CHARACTERS, "x")

    chat_page.write(longest).press_enter()

    chat_page.messages.expect_user_message_count(1)
    ws_recorder.wait_for("agent_started")
    assert [len(text) for text in _sent_texts(ws_recorder)] == [MAX_CHARACTERS]
