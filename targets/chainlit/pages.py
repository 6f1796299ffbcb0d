"""Page objects for a Chainlit 2.x app, behind the same interface as ``pages/`` (the contract's).

Chainlit's page has no ``data-testid``. Locators are by role or label where the page
gives one; where it does not (its buttons have no accessible names, only tooltips),
by the ids and classes Chainlit's own Cypress suite relies on, each with a comment.
Checked against Chainlit 2.12.0 (see the notes on Chainlit for the evidence).

What the contract promises and Chainlit shows instead (the mapping these objects use):

- ``/login``, ``login-error``: ``/login``; a refused sign-in shows an alert "Unable
  to sign in" (and a toast "Unauthorized: credentialssignin").
- ``/chat``, ``/chat/{thread_id}``: ``/``, and ``/thread/{id}`` with a data layer only.
- ``ai-message`` *n*: the reply to the *n*-th user message, the last
  ``assistant_message`` step before the next user message.
- ``data-status="streaming"``: the run is going (the stop button is shown) and no
  later message was sent.
- ``data-status="complete"``: the answer is shown and the run is over (the send
  button is back), with no error shown.
- ``data-status="error"``: an error mark in the run's steps (the red alert icon of a
  failed step or of a ``cl.ErrorMessage``) or an error toast.
- ``data-run-id``: the run id that the profile's codec maps the steps' DOM ids
  (``step-<id>``) to (``run_of``); without it, the first step's own id.
- ``error-banner`` ``CONNECTION_LOST``: ``#session-error``, "Could not reach the
  server" (an alert).
- ``error-banner``, other codes: any error notice (an alert, an error toast, an error
  mark); Chainlit has no codes.
- ``retry-button``: none in Chainlit; a button named "Retry" in a notice, never shown.
- ``connection-status`` ``connected``: no ``#session-error`` and the page's socket.io
  WebSocket upgraded (Chainlit shows no status).
- ``connection-status`` ``reconnecting``/``disconnected``: ``#session-error`` shown
  (once the first reconnect attempt failed; a quick reconnect shows nothing).
- ``thinking-indicator``: ``.loading-cursor`` (Chainlit sends no thinking event; it
  shows a cursor until text streams).
- ``tool-indicator``: a tool step whose header reads "Using <tool>".
- ``user-menu`` shows the email: in the menu ``#user-nav-button`` opens (the button
  itself shows the first letter).
- ``sign-out-button``: that menu's item "Logout".
- ``thread-list``: none without a data layer (so no ``ThreadList`` here).
- ``INVALID_MESSAGE`` over 4000 characters: none; Chainlit sends any length.

The constructors differ from ``pages/`` (they take the page, and ``run_of``), the
methods the tests call do not.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING

import allure
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Locator, Page, WebSocket, expect

from pages.answer_watch import AnswerSpec
from pages.base import ChatPageBase, LoginPageBase, MessageListBase, RunControlsAiMessage

LOGIN_PATH = "/login"
CHAT_PATH = "/"
_AT_LOGIN = re.compile(r"/login(?:[?#].*)?$")
_AT_CHAT = re.compile(r"^[a-z]+://[^/]+/(?:thread/[^/?#]+)?(?:[?#].*)?$")
_THREAD_ID_IN_URL = re.compile(r"/thread/([^/?#]+)")
_SOCKET_PATH = "/ws/socket.io/"
# Used when a check is given no timeout: the suite's default expect timeout (E2E_EXPECT_TIMEOUT_SECONDS).
DEFAULT_TIMEOUT_MS = 10_000.0

RunOf = Callable[[str], "str | None"]

# Chainlit renders each step as ``div.step[data-step-type=...]``, all siblings in one list, and
# the step's own id on an inner element (``id="step-<id>"``, the id in the frames). No role or
# label tells a user message from an answer: data-step-type is what Chainlit's Cypress suite uses.
_STEP = "div[data-step-type]"
_USER_STEP = "div[data-step-type='user_message']"
_ERROR_MARK = "svg.lucide-circle-alert"  # the red icon of a failed step or an ErrorMessage; no role
_ERROR_TOAST = "[data-sonner-toast][data-type='error']"  # sonner's toasts: role=status, typed by attribute


# How Chainlit's page shows an answer and sends a message, for the in-page answer watch and its latency
# figures (pages/answer_watch.py). The answer's status follows the mapping in the module docstring: an
# error mark in its turn or an error toast is "error", the stop button "streaming", else "complete".
# Its run id is the answer message's own step id (the recorder maps it to its run).
CHAINLIT_ANSWER = AnswerSpec(
    selector="div[data-step-type='assistant_message']",
    text="(answer) => { const content = answer.querySelector('.message-content'); "
         "return content ? content.innerText : ''; }",
    status="(answer) => { "
           "let errored = !!document.querySelector(\"[data-sonner-toast][data-type='error']\"); "
           "for (let step = answer; step && !errored; step = step.previousElementSibling) { "
           "if (step.getAttribute('data-step-type') === 'user_message') break; "
           "errored = !!step.querySelector('svg.lucide-circle-alert'); } "
           "if (errored) return 'error'; "
           "return document.querySelector('#stop-button') ? 'streaming' : 'complete'; }",
    run_id="(answer) => { const own = answer.querySelector(\"[id^='step-']\"); "
           "return own ? own.id.slice('step-'.length) : ''; }",
    complete="(answer) => !document.querySelector('#stop-button') "
             "&& !!answer.querySelector('.message-content')",
    sent_message="(data) => typeof data === 'string' && data.startsWith('42') "
                 "&& data.includes('\"client_message\"')",
    run_frame="(data) => typeof data === 'string' && data.startsWith('42')",
)


def _turn_steps(page: Page, index: int) -> Locator:
    """The steps that follow the ``index``-th user message (0 is the oldest), up to the next one."""
    # XPath: "the siblings after user message n+1 that have n+1 user messages before them".
    position = index + 1
    return page.locator(
        f"xpath=(//div[@data-step-type='user_message'])[{position}]/following-sibling::div"
        f"[@data-step-type][count(preceding-sibling::div[@data-step-type='user_message']) = {position}]"
    )


class _SocketWatch:
    """Which of the page's socket.io WebSockets finished engine.io's upgrade (the page sent "5")."""

    _by_page: weakref.WeakKeyDictionary[Page, _SocketWatch] = weakref.WeakKeyDictionary()

    def __init__(self, page: Page) -> None:
        self.page = page
        self.sockets: list[WebSocket] = []
        self.upgraded: set[int] = set()
        page.on("websocket", self._on_websocket)

    @classmethod
    def of(cls, page: Page) -> _SocketWatch:
        # One per page, made by the first page object: it sees every socket opened after that.
        if page not in cls._by_page:
            cls._by_page[page] = cls(page)
        return cls._by_page[page]

    def _on_websocket(self, socket: WebSocket) -> None:
        if _SOCKET_PATH not in socket.url:
            return
        self.sockets.append(socket)
        key = id(socket)

        def on_sent(payload: str | bytes) -> None:
            if payload == "5":  # engine.io's upgrade: from now on the page talks over this socket
                self.upgraded.add(key)

        socket.on("framesent", on_sent)

    def is_up(self) -> bool:
        return any(id(socket) in self.upgraded and not socket.is_closed() for socket in self.sockets)

    def wait_until_up(self, timeout_ms: float) -> None:
        """Wait (on Playwright's events, never a sleep) until an upgraded socket is open."""
        deadline = time.monotonic() + timeout_ms / 1000
        while not self.is_up():
            remaining_ms = (deadline - time.monotonic()) * 1000
            if remaining_ms <= 0:
                raise AssertionError(f"the page's socket.io WebSocket ({_SOCKET_PATH}) was not up within "
                                     f"{timeout_ms / 1000:g} s: is the Chainlit server reachable?")
            pending = [socket for socket in self.sockets
                       if not socket.is_closed() and id(socket) not in self.upgraded]
            try:
                if pending:
                    pending[-1].wait_for_event("framesent", timeout=remaining_ms)
                else:
                    self.page.wait_for_event("websocket", timeout=remaining_ms)
            except PlaywrightError:
                pass  # a timeout or a closed socket: look again, the deadline decides


class LoginPage(LoginPageBase["ChatPage"]):
    path = LOGIN_PATH
    shown_url = _AT_LOGIN

    def __init__(self, page: Page) -> None:
        # A refused sign-in: an alert "Unable to sign in"; the toast beside it (role=status) must not
        # repeat what was typed either.
        super().__init__(page, email_field=page.get_by_label("Email address"),
                         password_field=page.get_by_label("Password"),
                         sign_in_button=page.get_by_role("button", name="Sign In"),
                         error=page.get_by_role("alert"),
                         also_not_revealing=page.locator("[data-sonner-toast]"))

    def chat_page(self) -> ChatPage:
        return ChatPage(self.page)


class AiMessage(RunControlsAiMessage):
    """The reply to one user message, and the state of its run as the user sees it (see the module)."""

    product = "Chainlit"
    send_button_name = "the send button"
    send_back_visible = False  # the send button comes back in place of the stop button, attached
    errors_are = "a red error mark or an error toast"
    errors_seen = "{count} error mark(s) or toast(s)"

    def __init__(self, page: Page, index: int, *, run_of: RunOf | None = None) -> None:
        self.steps = _turn_steps(page, index)
        # the newest answer of the turn: a run may show several messages, the last one is its answer
        root = self.steps.and_(page.locator("div[data-step-type='assistant_message']")).last
        super().__init__(page, index, root=root,
                         content=root.locator(".message-content"),  # the text, without the step's buttons
                         later_user_message=page.locator(_USER_STEP).nth(index + 1),
                         stop_button=page.locator("#stop-button"),  # exists only while a run is going
                         send_button=page.locator("#chat-submit"),  # the stop button replaces it in a run
                         errors=self.steps.locator(_ERROR_MARK).or_(page.locator(_ERROR_TOAST)))
        self._run_of = run_of

    def run_id(self) -> str:
        """The run this reply belongs to, by a step id of it: the answer message's own, else the turn's
        first; empty while it shows no step. The recorder maps a step id to its run (``run_of``)."""
        own = self.root.locator("[id^='step-']")
        dom_ids = own.first.evaluate_all("(nodes) => nodes.map(n => n.id)") if self.root.count() else []
        if not dom_ids:
            dom_ids = self.steps.locator("[id^='step-']").evaluate_all("(nodes) => nodes.map(n => n.id)")
        for dom_id in dom_ids:
            step_id = str(dom_id)[len("step-"):]
            run_id = self._run_of(step_id) if self._run_of else step_id
            if run_id:
                return run_id
        return ""


class MessageList(MessageListBase[AiMessage]):
    """The conversation: user messages and answers, oldest first."""

    def __init__(self, page: Page, *, run_of: RunOf | None = None) -> None:
        super().__init__(root=page.locator(_STEP).first.locator("xpath=.."),  # the steps' list: no name
                         user_messages=page.locator(_USER_STEP),
                         ai_messages=page.locator("div[data-step-type='assistant_message']"))
        self.page = page
        self._run_of = run_of

    def answer(self, index: int) -> AiMessage:
        """The reply to the ``index``-th user message (0 is the oldest); it may not exist yet."""
        return AiMessage(self.page, index, run_of=self._run_of)

    def typed_text(self, message: Locator) -> Locator:
        return message.get_by_role("article")  # Chainlit renders a message's text in role=article


class ErrorBanner:
    """What went wrong, as Chainlit tells it: no codes, so each code maps to the notice a user would see."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.session_error = page.locator("#session-error")  # "Could not reach the server", role=alert
        self.root = page.get_by_role("alert").or_(page.locator(_ERROR_TOAST)).or_(page.locator(_ERROR_MARK))
        # Chainlit offers no retry; a button of that name in a notice is what a user would look for.
        self.retry_button = self.root.get_by_role("button", name=re.compile("retry", re.IGNORECASE))

    def _notice(self, code: str) -> Locator:
        return self.session_error if code == "CONNECTION_LOST" else self.root

    @allure.step("Retry from the error banner")
    def retry(self) -> None:
        self.retry_button.click()

    @allure.step("Expect the error banner {code}")
    def expect_code(self, code: str, *, timeout: float | None = None) -> None:
        expect(self._notice(code).first, f"Chainlit has no error codes: a notice standing for {code} "
                                         "should be shown").to_be_visible(timeout=timeout)

    @allure.step("Expect the error banner {code}, as an alert")
    def expect_alert(self, code: str, *, timeout: float | None = None) -> None:
        """Shown, as an alert: assistive technology announces it (a toast is only role=status)."""
        notice = self.session_error if code == "CONNECTION_LOST" else self.page.get_by_role("alert")
        expect(notice.first, f"an alert standing for {code} should be shown").to_be_visible(timeout=timeout)

    @allure.step("Expect a retry to be offered")
    def expect_retry_offered(self, *, timeout: float | None = None) -> None:
        expect(self.retry_button.first).to_be_visible(timeout=timeout)

    @allure.step("Expect the error banner to say {pattern}")
    def expect_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.root.filter(has_text=pattern).first).to_be_visible(timeout=timeout)

    @allure.step("Expect no error banner")
    def expect_hidden(self, *, timeout: float | None = None) -> None:
        expect(self.page.get_by_role("alert").or_(self.page.locator(_ERROR_TOAST))).to_have_count(
            0, timeout=timeout)


class ConnectionStatus:
    """No connection status in Chainlit: ``#session-error`` when it cannot reach the server, else nothing."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.root = page.locator("#session-error")
        # The nearest thing to a "connected" element: the input, there once the chat is shown.
        self.connected = page.locator("#chat-input")
        self._sockets = _SocketWatch.of(page)

    @allure.step("Expect the connection {state}")
    def expect_state(self, state: str, *, timeout: float | None = None) -> None:
        if state == "connected":
            expect(self.root).to_be_hidden(timeout=timeout)
            self._sockets.wait_until_up(DEFAULT_TIMEOUT_MS if timeout is None else timeout)
        elif state in ("reconnecting", "disconnected"):
            expect(self.root, "Chainlit's 'Could not reach the server' should be shown").to_be_visible(
                timeout=timeout)
        else:
            raise ValueError(f"state {state!r}: Chainlit shows only connected, or #session-error "
                             "(reconnecting / disconnected)")

    def expect_connected(self, *, timeout: float | None = None) -> None:
        self.expect_state("connected", timeout=timeout)


class ChatPage(ChatPageBase):
    """The chat, ``/`` (``/thread/{id}`` with a data layer)."""

    answer_spec = CHAINLIT_ANSWER
    chat_path = CHAT_PATH
    shown_url = _AT_CHAT
    thread_path = "/thread/{thread_id}"
    thread_url = _THREAD_ID_IN_URL
    one_answer_per_message = True
    # Chainlit ignores Enter while it is not connected: a user waits for Send to be enabled.
    wait_for_send_enabled = True

    def __init__(self, page: Page, *, run_of: RunOf | None = None) -> None:
        self.page = page
        self.run_of = run_of
        # The textarea has no label (a placeholder only); its id is what Chainlit's Cypress suite uses.
        self.message_input = page.locator("#chat-input")
        # Icon buttons without accessible names (tooltips only): by id.
        self.send_button = page.locator("#chat-submit")
        self.stop_button = page.locator("#stop-button")
        self.messages = MessageList(page, run_of=run_of)
        self.error_banner = ErrorBanner(page)
        self.connection = ConnectionStatus(page)
        self.thinking_indicator = page.locator(".loading-cursor")  # no role: a blinking cursor
        self.tool_indicator = page.locator(".step[data-step-type='tool'] button[id^='step-']").filter(
            has_text="Using")  # the running tool step's header, "Using <tool>"
        self.new_chat_button = page.locator("#new-chat-button")
        # Chainlit asks first: "Create New Chat ... Are you sure?"
        self.new_chat_confirm = page.get_by_role("dialog").get_by_role("button", name="Confirm")
        # The avatar button shows the first letter; the identifier and "Logout" are in the menu it opens.
        self.user_menu = page.locator("#user-nav-button")
        self.user_menu_opens = self.user_menu
        self.account_shown_in = page.get_by_role("menu")
        self.sign_out_button = page.get_by_role("menuitem", name="Logout")

    def login_page(self) -> LoginPage:
        return LoginPage(self.page)

    @allure.step("Expect Send enabled")
    def expect_send_enabled(self, *, timeout: float | None = None) -> None:
        """Sending is possible again: the run is over (Chainlit enables Send only with text typed, so
        "enabled" is the send button back in place of the stop button)."""
        expect(self.send_button).to_be_attached(timeout=timeout)
        expect(self.stop_button).to_have_count(0, timeout=timeout)


if TYPE_CHECKING:
    from pages.interface import PageObjects

    def _keeps_the_interface(page: Page) -> PageObjects:
        """Never called: mypy checks here that these page objects keep the interface (pages/interface.py)."""
        return (LoginPage(page), ChatPage(page), AiMessage(page, 0), MessageList(page), ErrorBanner(page),
                ConnectionStatus(page))
