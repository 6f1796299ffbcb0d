"""The chat page, ``/chat`` and ``/chat/{thread_id}``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import allure
from playwright.sync_api import Page, expect

from pages.answer_watch import AnswerSpec
from pages.components import AI_MESSAGE, AiMessage, ConnectionStatus, ErrorBanner, MessageList, ThreadList
from pages.message_input import MessageInputActions

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


class ChatPage(MessageInputActions):
    answer_spec = CONTRACT_ANSWER

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

    # --- navigation -------------------------------------------------------------
    @allure.step("Open the chat")
    def open(self, thread_id: str | None = None) -> ChatPage:
        self.page.goto(f"{CHAT_PATH}/{thread_id}" if thread_id else CHAT_PATH)
        return self

    @allure.step("Start a new chat")
    def start_new_chat(self) -> ChatPage:
        self.new_chat_button.click()
        return self

    def sign_out(self) -> LoginPage:
        from pages.login_page import LoginPage  # the two pages lead to each other

        with allure.step("Sign out"):
            self.sign_out_button.click()
        return LoginPage(self.page)

    # --- writing ----------------------------------------------------------------
    @allure.step("Send: {text:.80}")
    def send(self, text: str) -> AiMessage:
        """Write ``text``, press Enter, and return the answer it starts (which appears later)."""
        next_answer = self.messages.answer(self.messages.ai_messages.count())
        self.message_input.fill(text)
        self.message_input.press("Enter")
        return next_answer

    def retry(self) -> AiMessage:
        """Click the error banner's retry, and return the answer it starts (which appears later)."""
        next_answer = self.messages.answer(self.messages.ai_messages.count())
        self.error_banner.retry()  # an Allure step of its own
        return next_answer

    # --- reading ----------------------------------------------------------------
    def thread_id(self) -> str:
        """The thread shown, from the address (``/chat/{thread_id}``); empty for a new chat."""
        match = _THREAD_ID_IN_URL.search(self.page.url)
        return match.group(1) if match else ""

    # --- checks -----------------------------------------------------------------
    @allure.step("Expect the chat page")
    def expect_shown(self, *, timeout: float | None = None) -> None:
        """The address is a chat one and the message input is there."""
        expect(self.page).to_have_url(_AT_CHAT, timeout=timeout)
        expect(self.message_input).to_be_visible(timeout=timeout)

    @allure.step("Expect the chat ready: shown and connected")
    def expect_ready(self, *, timeout: float | None = None) -> None:
        """Shown and connected: a message sent now reaches the server."""
        self.expect_shown(timeout=timeout)
        self.connection.expect_connected(timeout=timeout)

    def expect_signed_in_as(self, email: str, *, timeout: float | None = None) -> None:
        # A step without parameters: the email is a credential of the test account.
        with allure.step("Expect the user menu to show the signed-in account"):
            expect(self.user_menu).to_contain_text(email, timeout=timeout)

    @allure.step("Expect the address of a thread, /chat/{{thread_id}}")
    def expect_in_thread(self, *, timeout: float | None = None) -> None:
        """The address moved to ``/chat/{thread_id}``."""
        expect(self.page).to_have_url(_THREAD_ID_IN_URL, timeout=timeout)

    @allure.step("Expect Send enabled")
    def expect_send_enabled(self, *, timeout: float | None = None) -> None:
        expect(self.send_button).to_be_enabled(timeout=timeout)
