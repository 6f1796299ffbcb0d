"""The user's text is shown as typed: markup in a message stays text (CONTRACT.md 6.2, 6.8)."""

from __future__ import annotations

import pytest

from fixtures.witness import missed
from pages import ChatPage

pytestmark = pytest.mark.chat

MARKUP = '<b data-e2e="markup">bold</b>'


def test_markup_in_a_message_is_shown_as_text(chat_page: ChatPage, e2e_marker: str) -> None:
    text = f"{e2e_marker} {MARKUP} What is 5 + 5?"

    answer = chat_page.send(text)

    with missed("the user did not see their message as typed: the page turned the markup in it into markup"):
        chat_page.messages.expect_last_user_message_as_typed(text)
    answer.expect_complete()


def test_markup_in_a_message_is_still_text_after_a_reload(chat_page: ChatPage, e2e_marker: str) -> None:
    text = f"{e2e_marker} {MARKUP} What is 6 + 6?"
    chat_page.send(text).expect_complete()
    chat_page.expect_in_thread()

    chat_page.reload()

    chat_page.messages.expect_last_user_message_as_typed(text)
