"""The chat page, ``/chat`` and ``/chat/{thread_id}``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from playwright.sync_api import Page

from pages.answer_watch import AnswerSpec
from pages.base import ChatPageBase
from pages.components import AI_MESSAGE, ConnectionStatus, ErrorBanner, MessageList, ThreadList

if TYPE_CHECKING:
    from pages.login_page import LoginPage

CHAT_PATH = "/chat"
_AT_CHAT = re.compile(r"/chat(?:/[^/?#]+)?(?:[?#].*)?$")
_THREAD_ID_IN_URL = re.compile(r"/chat/([^/?#]+)")

# How the contract's page shows an answer and sends a message (CONTRACT.md sections 4 and 5), for the
# in-page answer watch and its latency figures. The watch runs inside the page, where only a CSS
# selector reaches a test id; frames are the contract's flat JSON with a `type` (a run's carry `run_id`).
CONTRACT_ANSWER = AnswerSpec(
    selector=f'[data-testid="{AI_MESSAGE}"]',
    text="(answer) => answer.innerText",
    status="(answer) => answer.getAttribute('data-status') || ''",
    run_id="(answer) => answer.getAttribute('data-run-id') || ''",
    complete="(answer) => answer.getAttribute('data-status') === 'complete'",
    attributes=("data-status", "data-run-id"),
    sent_message="(data) => JSON.parse(data).type === 'user_message'",
    run_frame="(data) => typeof JSON.parse(data).run_id === 'string'",
)


class ChatPage(ChatPageBase):
    answer_spec = CONTRACT_ANSWER
    chat_path = CHAT_PATH
    shown_url = _AT_CHAT
    thread_path = CHAT_PATH + "/{thread_id}"
    thread_url = _THREAD_ID_IN_URL

    def __init__(self, page: Page) -> None:
        self.page = page
        self.message_input = page.get_by_label("Message input")
        self.send_button = page.get_by_role("button", name="Send message")
        self.error_banner = ErrorBanner(page.get_by_test_id("error-banner"))
        # An answer's checks fail as soon as the banner says the page gave up on it.
        self.messages = MessageList(page.get_by_test_id("message-list"), error_banner=self.error_banner.root)
        self.connection = ConnectionStatus(page.get_by_test_id("connection-status"))
        self.threads = ThreadList(page.get_by_test_id("thread-list"))
        self.thinking_indicator = page.get_by_test_id("thinking-indicator")
        self.tool_indicator = page.get_by_test_id("tool-indicator")
        self.new_chat_button = page.get_by_test_id("new-chat-button")
        self.user_menu = page.get_by_test_id("user-menu")
        self.sign_out_button = page.get_by_test_id("sign-out-button")

    def login_page(self) -> LoginPage:
        from pages.login_page import LoginPage  # the two pages lead to each other

        return LoginPage(self.page)
