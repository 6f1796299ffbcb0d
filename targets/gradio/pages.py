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
from typing import TYPE_CHECKING

import allure
from playwright.sync_api import Locator, Page, expect

from pages.answer_watch import AnswerSpec
from pages.base import ChatPageBase, LoginPageBase, MessageListBase, RunControlsAiMessage

CHAT_PATH = "/"
# What the page has shown settles within this: a check of how it was shown waits no longer.
SHOWN_GRACE_MS = 1000
_AT_ROOT = re.compile(r"^[a-z]+://[^/]+/(?:[?#].*)?$")

_USER_ROW = "div.message-row.user-row"
_BOT = "[data-testid='bot']"
_ANSWER = "[data-testid='bot']:not(:has(.thought-group))"
_ERROR_TOAST = "[data-testid='toast-body'].error"
# Gradio titles it "Connection Lost" in its code, but the toast shows "Error" and this message:
_CONNECTION_LOST_TOAST = "[data-testid='toast-body']:has-text('Connection to the server was lost')"
_STATUS_ERROR = ".block:has([data-testid='bot'], .bubble-wrap) .error"
_MESSAGE_BOX = "textarea[data-testid='textbox']"
# The run is over on the page: the chatbot's "Error" label, or the submit button shown again (Gradio hides
# it while a run goes).
_RUN_OVER = f"{_STATUS_ERROR}:visible, [data-testid='submit-button']:visible"

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


class LoginPage(LoginPageBase["ChatPage"]):
    path = CHAT_PATH
    shown_url = _AT_ROOT

    def __init__(self, page: Page) -> None:
        super().__init__(page, email_field=page.get_by_label("username"),
                         password_field=page.get_by_label("password"),
                         sign_in_button=page.get_by_role("button", name="Login"),
                         error=page.locator(".creds"))  # "Incorrect Credentials"; no role

    def chat_page(self) -> ChatPage:
        return ChatPage(self.page)


class AiMessage(RunControlsAiMessage):
    """The reply to one user message, and its run as the user sees it (see the module)."""

    product = "Gradio"
    send_button_name = "the submit button"
    send_back_visible = True
    errors_are = "an error toast or the chatbot's 'Error' label"
    errors_seen = errors_are
    # Gradio shows the answer's text in the update that carries it, before the run's end: rendering only.
    settle_ms = SHOWN_GRACE_MS

    def __init__(self, page: Page, index: int) -> None:
        self.rows = _turn_rows(page, index)
        root = self.rows.locator(_ANSWER).last
        super().__init__(page, index, root=root, content=root.locator(".message-content"),
                         later_user_message=page.locator(_USER_ROW).nth(index + 1),
                         stop_button=page.get_by_test_id("stop-button"),
                         send_button=page.get_by_test_id("submit-button"),
                         errors=page.locator(_ERROR_TOAST).or_(page.locator(_STATUS_ERROR)))

    def run_id(self) -> str:
        return f"turn-{self.index}"


class MessageList(MessageListBase[AiMessage]):
    def __init__(self, page: Page) -> None:
        super().__init__(root=page.locator(".message-wrap"), user_messages=page.get_by_test_id("user"),
                         ai_messages=page.locator(_ANSWER))
        self.page = page

    def answer(self, index: int) -> AiMessage:
        return AiMessage(self.page, index)

    def typed_text(self, message: Locator) -> Locator:
        return message.locator(".message-content .md > *")  # Gradio renders it as Markdown, in a paragraph

    @allure.step("Expect the last user message exactly as typed: {text:.80}")
    def expect_last_user_message_as_typed(self, text: str, *, timeout: float | None = None) -> None:
        """The newest user message shows exactly ``text``, with no element inside its paragraph.

        Gradio renders every message as Markdown: markup turns into elements as the message is first
        shown. So, unlike the base, the elements are judged within ``SHOWN_GRACE_MS`` of the paragraph's
        showing (red now, not at the timeout), and the text after.
        """
        shown = self.typed_text(self.user_messages.last)
        expect(shown.first).to_be_visible(timeout=timeout)
        expect(shown.locator("*"), f"{self.user_message_name} should hold text only, no elements"
               ).to_have_count(0, timeout=SHOWN_GRACE_MS)
        expect(shown).to_have_text(text, timeout=timeout)


class ErrorBanner:
    """Gradio's error toasts: no codes, so each code maps to the toast a user would see."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator(_ERROR_TOAST)
        self.retry_button = page.get_by_role("button", name="Retry")  # the chat's own retry, on its answer

    def _notice_css(self, code: str) -> str:
        return _CONNECTION_LOST_TOAST if code == "CONNECTION_LOST" else _ERROR_TOAST

    def _notice(self, code: str) -> Locator:
        return self.page.locator(self._notice_css(code))

    def _expect_notice(self, code: str, timeout: float | None) -> Locator:
        """The toast for ``code``, shown within ``timeout``, or red as soon as the run ended without it.

        No wait outlasts the moment the page has shown another outcome: a run that is over on the page
        (the chatbot's "Error" label, or the submit button back) with no toast has ended unannounced.
        Gradio shows its error toast in the same update that ends the run, so the toast gets
        ``SHOWN_GRACE_MS`` after that, not the rest of ``timeout``. While the run still looks as if it
        were going, the whole ``timeout`` is given.
        """
        notice = self._notice(code).first
        expected = f"an error toast standing for {code} should be shown"
        either = self.page.locator(f"{self._notice_css(code)}:visible, {_RUN_OVER}")
        expect(either.first, expected).to_be_attached(timeout=timeout)
        if not notice.is_visible():
            expect(notice, f"{expected}: the run ended on the page (the chatbot's 'Error' label or the "
                           "submit button shown) with no toast, "
                           f"and none followed within {SHOWN_GRACE_MS / 1000:g} s").to_be_visible(
                timeout=SHOWN_GRACE_MS)
        return notice

    @allure.step("Retry from the error banner")
    def retry(self) -> None:
        self.retry_button.last.click()

    @allure.step("Expect the error banner {code}")
    def expect_code(self, code: str, *, timeout: float | None = None) -> None:
        self._expect_notice(code, timeout)  # Gradio has no error codes: a toast stands for each

    @allure.step("Expect the error banner {code}, as an alert")
    def expect_alert(self, code: str, *, timeout: float | None = None) -> None:
        """The toast, announced: an element with role=alert holds it (or it is one)."""
        notice = self._expect_notice(code, timeout)
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
        self.connected = page.locator(_MESSAGE_BOX)

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


class ChatPage(ChatPageBase):
    """The chat at ``/`` (Gradio keeps no threads)."""

    answer_spec = GRADIO_ANSWER
    chat_path = CHAT_PATH
    shown_url = _AT_ROOT
    thread_path = None
    thread_url = None
    no_threads = "Gradio keeps no threads"
    one_answer_per_message = True
    retry_replaces_answer = True  # Gradio's Retry sends the last message again in place of its answer
    sign_out_path = "/logout"  # Gradio has no control for it
    no_account_shown = "Gradio's page shows no signed-in account (no user menu)"

    def __init__(self, page: Page) -> None:
        self.page = page
        self.message_input = page.locator(_MESSAGE_BOX)
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

    def login_page(self) -> LoginPage:
        return LoginPage(self.page)

    def send(self, text: str) -> AiMessage:
        """As the base; the answer also knows when its run is over though its stop button was never seen.

        ChatInterface disables the message box as its first step, shows the user's message as its second,
        and enables the box again only as its last. So this message shown with the box enabled means the
        run is over (a run that breaks at once, as with malformed frames, can end between two polls).
        Not for a retry: there the message is shown before the box is disabled again.
        """
        answer = super().send(text)
        assert isinstance(answer, AiMessage)
        shown = self.page.get_by_test_id("user").nth(answer.index)
        answer.run_over = self.page.locator("body").filter(has=shown).locator(f"{_MESSAGE_BOX}:enabled")
        return answer

    @allure.step("Expect Send enabled")
    def expect_send_enabled(self, *, timeout: float | None = None) -> None:
        """The submit button is back in place of the stop button (Gradio hides it while a run goes)."""
        expect(self.send_button).to_be_visible(timeout=timeout)
        expect(self.stop_button).to_have_count(0, timeout=timeout)


if TYPE_CHECKING:
    from pages.interface import PageObjects

    def _keeps_the_interface(page: Page) -> PageObjects:
        """Never called: mypy checks here that these page objects keep the interface (pages/interface.py)."""
        return (LoginPage(page), ChatPage(page), AiMessage(page, 0), MessageList(page), ErrorBanner(page),
                ConnectionStatus(page))
