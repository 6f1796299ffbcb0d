"""Threads: a new chat is listed at once, and a reloaded thread shows its history (CONTRACT.md 6.2, 6.8)."""

from __future__ import annotations

import pytest

from engine.recorder import WebSocketRecorder
from pages import ChatPage

pytestmark = pytest.mark.chat


def test_new_chat_appears_in_the_thread_list_without_a_reload(chat_page: ChatPage, e2e_marker: str) -> None:
    chat_page.start_new_chat()

    chat_page.send(f"{e2e_marker} What is 6 * 7?")

    chat_page.expect_in_thread()
    chat_page.threads.expect_thread(chat_page.thread_id())


def test_reloading_a_thread_shows_its_earlier_messages(
    chat_page: ChatPage, ws_recorder: WebSocketRecorder, e2e_marker: str
) -> None:
    prompt = f"{e2e_marker} What is 9 * 9?"
    answer = chat_page.send(prompt)
    answer.expect_complete()
    final_response = ws_recorder.wait_for("agent_completed", run_id=answer.run_id())["final_response"]
    chat_page.expect_in_thread()

    chat_page.reload()

    chat_page.messages.expect_user_message(prompt)
    chat_page.messages.expect_answer_with_text(final_response)
