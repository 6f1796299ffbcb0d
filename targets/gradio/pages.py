"""Page objects for a Gradio 6.x ``gr.ChatInterface`` behind ``launch(auth=...)``, with the interface of
``pages/``.

Locators are Gradio's own test ids where it has them (``textbox``, ``submit-button``,
``stop-button``, ``user``, ``bot``, ``toast-body``, which Gradio's own Playwright tests use),
else labels and roles. Checked against Gradio 6.31.0 (targets/gradio/OBSERVED.md).

What the contract promises and Gradio shows instead (the mapping these objects use):

- ``/login``, ``/chat``: both at ``/``. Signed out, ``/`` shows Gradio's login form (``username``,
  ``password``, "Login"); a refusal shows "Incorrect Credentials" (``.creds``, not an alert).
- ``ai-message`` *n*: the reply to the *n*-th user message: its last ``bot`` bubble that is not a
  tool step (a tool step is a bubble with a ``.thought-group``, its ``metadata.title``).
- ``data-status="streaming"``: the stop button is shown and no later message was sent.
- ``data-status="complete"``: the answer is shown, the run is over (the submit button back),
  and no error is shown.
- ``data-status="error"``: an error toast, or the chatbot's status label "Error".
- ``data-run-id``: ``turn-<n>``; the recorder maps it to the run Gradio started for that
  message (the codec's ``run_of``: the event id the queue's join answered).
- ``error-banner`` ``CONNECTION_LOST``: the error toast "Connection to the server was lost.
  Attempting reconnection..." (titled "Connection Lost" in Gradio's code; it shows "Error"); other
  codes: an error toast
  (Gradio has no codes); ``retry-button``: the chat's own "Retry" button.
- ``connection-status``: none. ``connected``: the message box is shown and no connection-lost
  toast; ``reconnecting``: that toast is shown.
- ``thinking-indicator``: the pending bubble; ``tool-indicator``: a tool step still spinning.
- ``new-chat-button``: the chatbot's "Clear" button. ``user-menu``, ``sign-out-button``: none
  (Gradio's page names no account and has no sign-out control; ``/logout`` exists).
"""

from __future__ import annotations

import re

import allure
from playwright.sync_api import Locator, Page, expect

from pages.answer_watch import AnswerSpec
from pages.message_input import MessageInputActions

CHAT_PATH = "/"
# What the page has shown settles within this: a check of how it was shown waits no longer.
SHOWN_GRACE_MS = 1000
_AT_ROOT = re.compile(r"^[a-z]+://[^/]+/(?:[?#].*)?$")
_SETTLE_MS = 2_000

_USER_ROW = "div.message-row.user-row"
_BOT = "[data-testid='bot']"
_ANSWER = "[data-testid='bot']:not(:has(.thought-group))"
_ERROR_TOAST = "[data-testid='toast-body'].error"
# Gradio titles it "Connection Lost" in its code, but the toast shows "Error" and this message:
_CONNECTION_LOST_TOAST = "[data-testid='toast-body']:has-text('Connection to the server was lost')"
_STATUS_ERROR = ".block:has([data-testid='bot'], .bubble-wrap) .error"

GRADIO_ANSWER = AnswerSpec(
    selector=_ANSWER,
    text="(answer) => { const content = answer.querySelector('.message-content'); "
         "return content ? content.innerText : ''; }",
    status="(answer) => { if (document.querySelector(\"[data-testid='toast-body'].error\")) return 'error'; "
           "return document.querySelector(\"[data-testid='stop-button']\") ? 'streaming' : 'complete'; }",
    run_id="(answer) => { const users = [...document.querySelectorAll(\"[data-testid='user']\")]; "
           "const before = users.filter((user) => user.compareDocumentPosition(answer) & 4).length; "
           "return before ? 'turn-' + (before - 1) : ''; }",
    complete="(answer) => !document.querySelector(\"[data-testid='stop-button']\") "
             "&& !!answer.querySelector('.message-content')",
    sent_message="(data) => { const body = JSON.parse(data); return Array.isArray(body.data) "
                 "&& (typeof body.data[0] === 'string' || typeof (body.data[0] || {}).text === 'string'); }",
    run_frame="(data) => typeof data === 'string' && data.includes('\"process_')",
)


def _turn_rows(page: Page, index: int) -> Locator:
    """The message rows after the ``index``-th user message (0 is the oldest), up to the next one."""
    position = index + 1
    row = "div[contains(concat(' ', @class, ' '), ' message-row ')]"
    user = "contains(concat(' ', @class, ' '), ' user-row ')"
    return page.locator(f"xpath=(//{row}[{user}])[{position}]/following-sibling::{row}"
                        f"[count(preceding-sibling::{row}[{user}]) = {position}]")


class LoginPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.email_field = page.get_by_label("username")
        self.password_field = page.get_by_label("password")
        self.sign_in_button = page.get_by_role("button", name="Login")
        self.error = page.locator(".creds")  # "Incorrect Credentials"; no role

    @allure.step("Open the sign-in page")
    def open(self) -> LoginPage:
        self.page.goto(CHAT_PATH)
        return self

    def sign_in(self, email: str, password: str) -> ChatPage:
        self._submit(email, password)
        return ChatPage(self.page)

    def attempt_sign_in(self, email: str, password: str) -> LoginPage:
        self._submit(email, password)
        return self

    def _submit(self, email: str, password: str) -> None:
        with allure.step("Sign in"):  # no parameters: these are credentials
            self.email_field.fill(email)
            self.password_field.fill(password)
            self.sign_in_button.click()

    @allure.step("Expect the sign-in page")
    def expect_shown(self, *, timeout: float | None = None) -> None:
        expect(self.page).to_have_url(_AT_ROOT, timeout=timeout)
        expect(self.sign_in_button).to_be_visible(timeout=timeout)

    @allure.step("Expect a sign-in error")
    def expect_error(self, *, timeout: float | None = None) -> None:
        expect(self.error).to_be_visible(timeout=timeout)
        expect(self.error).not_to_have_text(re.compile(r"^\s*$"), timeout=timeout)

    @allure.step("Expect the sign-in error to say {pattern}")
    def expect_error_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.error).to_contain_text(pattern, timeout=timeout)

    def expect_error_not_to_reveal(self, typed: str, *, timeout: float | None = None) -> None:
        with allure.step("Expect the sign-in error not to repeat what was typed"):
            expect(self.error).not_to_contain_text(typed, timeout=timeout)


class AiMessage:
    """The reply to one user message, and its run as the user sees it (see the module)."""

    def __init__(self, page: Page, index: int) -> None:
        self.page = page
        self.index = index
        self.rows = _turn_rows(page, index)
        self.root = self.rows.locator(_ANSWER).last
        self.content = self.root.locator(".message-content")
        self._later_user_message = page.locator(_USER_ROW).nth(index + 1)
        self._stop_button = page.get_by_test_id("stop-button")
        self._submit_button = page.get_by_test_id("submit-button")
        self._errors = page.locator(_ERROR_TOAST).or_(page.locator(_STATUS_ERROR))

    def run_id(self) -> str:
        return f"turn-{self.index}"

    def status(self) -> str:
        if self._errors.count():
            return "error"
        if self._stop_button.count() and not self._later_user_message.count():
            return "streaming"
        return "complete" if self.root.count() else ""

    def text(self) -> str:
        return self.content.inner_text().strip()

    @allure.step("Expect the answer to become {status}")
    def expect_status(self, status: str, *, timeout: float | None = None) -> None:
        if status == "streaming":
            expect(self._later_user_message, "no message should have been sent after it").to_have_count(
                0, timeout=timeout)
            expect(self._stop_button, "the run should be going (the stop button shown)").to_be_visible(
                timeout=timeout)
        elif status == "complete":
            # Fails at the first sign: the run ended (the submit button back) with no answer, or an error.
            expect(self.content.or_(self._stop_button).or_(self._errors).first,
                   "the run should start (the stop button shown) or answer").to_be_visible(timeout=timeout)
            expect(self._submit_button.or_(self._later_user_message).or_(self._errors).first,
                   "the run should be over (the submit button back)").to_be_visible(timeout=timeout)
            if self._errors.count():
                raise AssertionError("the answer should become complete, but the page gave up on it first: "
                                     "it shows an error (an error toast or the chatbot's 'Error' label)")
            expect(self.content, "the run ended (the submit button is back) without an answer shown"
                   ).to_be_visible(timeout=_SETTLE_MS)
        elif status == "error":
            expect(self._errors.first, "the run should show an error (an error toast or the chatbot's "
                                       "'Error' label)").to_be_visible(timeout=timeout)
        else:
            raise ValueError(f"status {status!r}: Gradio shows streaming, complete or error")

    def expect_streaming(self, *, timeout: float | None = None) -> None:
        self.expect_status("streaming", timeout=timeout)

    def expect_complete(self, *, timeout: float | None = None) -> None:
        self.expect_status("complete", timeout=timeout)

    @allure.step("Expect the answer to match {pattern}")
    def expect_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.content).to_have_text(pattern, timeout=timeout)


class MessageList:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator(".message-wrap")
        self.user_messages = page.get_by_test_id("user")
        self.ai_messages = page.locator(_ANSWER)

    def answer(self, index: int) -> AiMessage:
        return AiMessage(self.page, index)

    @allure.step("Expect the user message {text:.80}")
    def expect_user_message(self, text: str, *, timeout: float | None = None) -> None:
        expect(self.user_messages.filter(has_text=text).first).to_be_visible(timeout=timeout)

    @allure.step("Expect the last user message exactly as typed: {text:.80}")
    def expect_last_user_message_as_typed(self, text: str, *, timeout: float | None = None) -> None:
        """The newest user message shows exactly ``text``: Gradio renders it as Markdown in a paragraph,
        so what is checked is that paragraph's text, with no element inside it."""
        shown = self.user_messages.last.locator(".message-content .md > *")
        # Once the message is shown, markup rendered in it is the outcome: red now, not at the timeout.
        expect(shown.first).to_be_visible(timeout=timeout)
        expect(shown.locator("*"), "the user message should hold text only, no elements").to_have_count(
            0, timeout=SHOWN_GRACE_MS)
        expect(shown).to_have_text(text, timeout=timeout)

    @allure.step("Expect {count} user message(s)")
    def expect_user_message_count(self, count: int, *, timeout: float | None = None) -> None:
        expect(self.user_messages).to_have_count(count, timeout=timeout)

    @allure.step("Expect {count} answer(s)")
    def expect_answer_count(self, count: int, *, timeout: float | None = None) -> None:
        expect(self.ai_messages).to_have_count(count, timeout=timeout)

    @allure.step("Expect an answer showing {text:.80}")
    def expect_answer_with_text(self, text: str, *, timeout: float | None = None) -> None:
        expect(self.ai_messages.filter(has_text=text).first).to_be_visible(timeout=timeout)


class ErrorBanner:
    """Gradio's error toasts: no codes, so each code maps to the toast a user would see."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.connection_lost = page.locator(_CONNECTION_LOST_TOAST)
        self.root = page.locator(_ERROR_TOAST)
        self.retry_button = page.get_by_role("button", name="Retry")  # the chat's own retry, on its answer

    def _notice(self, code: str) -> Locator:
        return self.connection_lost if code == "CONNECTION_LOST" else self.root

    @allure.step("Retry from the error banner")
    def retry(self) -> None:
        self.retry_button.last.click()

    @allure.step("Expect the error banner {code}")
    def expect_code(self, code: str, *, timeout: float | None = None) -> None:
        expect(self._notice(code).first, f"Gradio has no error codes: an error toast standing for {code} "
                                         "should be shown").to_be_visible(timeout=timeout)

    @allure.step("Expect the error banner {code}, as an alert")
    def expect_alert(self, code: str, *, timeout: float | None = None) -> None:
        """The toast, announced: an element with role=alert holds it (or it is one)."""
        notice = self._notice(code).first
        expect(notice, f"an error toast standing for {code} should be shown").to_be_visible(timeout=timeout)
        announced = self.page.get_by_role("alert").filter(has=notice).or_(
            notice.and_(self.page.get_by_role("alert")))
        # Once the toast is shown, how it is announced is part of how it was shown: red now.
        expect(announced.first, f"the {code} toast should be announced (role=alert)").to_be_attached(
            timeout=SHOWN_GRACE_MS)

    @allure.step("Expect a retry to be offered")
    def expect_retry_offered(self, *, timeout: float | None = None) -> None:
        expect(self.retry_button.last).to_be_visible(timeout=timeout)

    @allure.step("Expect the error banner to say {pattern}")
    def expect_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.root.filter(has_text=pattern).first).to_be_visible(timeout=timeout)

    @allure.step("Expect no error banner")
    def expect_hidden(self, *, timeout: float | None = None) -> None:
        expect(self.root).to_have_count(0, timeout=timeout)


class ConnectionStatus:
    """No connection status in Gradio: the toast "Connection Lost" when the stream was cut, else nothing."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator(_CONNECTION_LOST_TOAST)
        self.connected = page.locator("textarea[data-testid='textbox']")

    @allure.step("Expect the connection {state}")
    def expect_state(self, state: str, *, timeout: float | None = None) -> None:
        if state == "connected":
            expect(self.root).to_have_count(0, timeout=timeout)
            expect(self.connected).to_be_visible(timeout=timeout)
        elif state in ("reconnecting", "disconnected"):
            expect(self.root, "Gradio's 'Connection Lost' toast should be shown").to_be_visible(
                timeout=timeout)
        else:
            raise ValueError(f"state {state!r}: Gradio shows only its page, or 'Connection Lost'")

    def expect_connected(self, *, timeout: float | None = None) -> None:
        self.expect_state("connected", timeout=timeout)


class ChatPage(MessageInputActions):
    """The chat at ``/`` (Gradio keeps no threads)."""

    answer_spec = GRADIO_ANSWER

    def __init__(self, page: Page) -> None:
        self.page = page
        self.message_input = page.locator("textarea[data-testid='textbox']")
        self.send_button = page.get_by_test_id("submit-button")
        self.stop_button = page.get_by_test_id("stop-button")
        self.messages = MessageList(page)
        self.error_banner = ErrorBanner(page)
        self.connection = ConnectionStatus(page)
        self.thinking_indicator = page.locator(".message.bot.pending, [aria-label='Loading response']")
        self.tool_indicator = page.locator(".thought-group .loading-spinner")
        self.new_chat_button = page.get_by_role("button", name="Clear")
        self.user_menu = page.locator("[data-e2e-gradio-has-no-user-menu]")
        self.sign_out_button = page.locator("[data-e2e-gradio-has-no-sign-out]")

    @allure.step("Open the chat")
    def open(self, thread_id: str | None = None) -> ChatPage:
        if thread_id:
            raise ValueError("Gradio keeps no threads: there is no thread to open")
        self.page.goto(CHAT_PATH)
        return self

    @allure.step("Start a new chat")
    def start_new_chat(self) -> ChatPage:
        self.new_chat_button.click()
        return self

    def sign_out(self) -> LoginPage:
        with allure.step("Sign out (Gradio has no control for it: its /logout address)"):
            self.page.goto("/logout")
        return LoginPage(self.page)

    @allure.step("Send: {text:.80}")
    def send(self, text: str) -> AiMessage:
        next_answer = self.messages.answer(self.messages.user_messages.count())
        self.message_input.fill(text)
        self.message_input.press("Enter")
        return next_answer

    def retry(self) -> AiMessage:
        """Click the chat's Retry: Gradio sends the last message again in place of its answer."""
        index = max(self.messages.user_messages.count() - 1, 0)
        self.error_banner.retry()
        return self.messages.answer(index)

    def thread_id(self) -> str:
        return ""

    @allure.step("Expect the chat page")
    def expect_shown(self, *, timeout: float | None = None) -> None:
        expect(self.page).to_have_url(_AT_ROOT, timeout=timeout)
        expect(self.message_input).to_be_visible(timeout=timeout)

    @allure.step("Expect the chat ready: shown and connected")
    def expect_ready(self, *, timeout: float | None = None) -> None:
        self.expect_shown(timeout=timeout)
        self.connection.expect_connected(timeout=timeout)

    def expect_signed_in_as(self, email: str, *, timeout: float | None = None) -> None:
        with allure.step("Expect the page to show the signed-in account"):
            raise AssertionError("Gradio's page shows no signed-in account (no user menu)")

    @allure.step("Expect the address of a thread")
    def expect_in_thread(self, *, timeout: float | None = None) -> None:
        raise AssertionError("Gradio keeps no threads: its address stays /")

    @allure.step("Expect Send enabled")
    def expect_send_enabled(self, *, timeout: float | None = None) -> None:
        expect(self.send_button).to_be_visible(timeout=timeout)
        expect(self.stop_button).to_have_count(0, timeout=timeout)
