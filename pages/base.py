"""Base classes of the page objects: a profile gives locators and a few facts, the methods are here.

``pages/`` (the contract's page objects) and every profile's ``targets/<name>/pages.py`` build on
these, so that the interface the tests call (``pages/interface.py``) is written once:

- ``LoginPageBase``: the sign-in form, from its four locators and where it lives;
- ``MessageListBase``: the conversation, from its user messages and answers;
- ``RunControlsAiMessage``: an answer whose state the page shows through its controls (a stop button
  while the run goes, the send button back when it is over, error marks), as products without the
  contract's ``data-status`` do;
- ``ChatPageBase``: the chat page, from its locators and a few facts (where it lives, whether it keeps
  threads, how a user signs out).

Where a product truly behaves otherwise, its page object overrides one method and says why.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Generic, Self, TypeVar

import allure
from playwright.sync_api import Locator, Page, expect

from pages.message_input import MessageInputActions

if TYPE_CHECKING:
    from pages.interface import (
        AiMessageInterface,
        ConnectionStatusInterface,
        ErrorBannerInterface,
        LoginPageInterface,
        MessageListInterface,
    )

ChatT = TypeVar("ChatT")
AnswerT = TypeVar("AnswerT")
_BLANK = re.compile(r"^\s*$")
# How long an answer may still take to appear once its run has ended on the page: only rendering.
SETTLE_MS = 2_000


class LoginPageBase(Generic[ChatT]):
    """The sign-in form. A profile passes its locators and says where the form lives."""

    #: the address that shows the form, and the pattern of the address while it is shown
    path: str = "/login"
    shown_url: re.Pattern[str] = re.compile(r"/login(?:[?#].*)?$")

    def __init__(self, page: Page, *, email_field: Locator, password_field: Locator,
                 sign_in_button: Locator, error: Locator, error_role: str | None = None,
                 also_not_revealing: Locator | None = None) -> None:
        self.page = page
        self.email_field = email_field
        self.password_field = password_field
        self.sign_in_button = sign_in_button
        self.error = error
        # the role the refusal has (the contract promises an alert); None: not checked
        self.error_role = error_role
        # other notices of a refusal that must not repeat what was typed either (a toast beside it)
        self.also_not_revealing = also_not_revealing

    def chat_page(self) -> ChatT:
        """The profile's chat page on this page, made before the form is sent (it may watch the page)."""
        raise NotImplementedError

    @allure.step("Open the sign-in page")
    def open(self) -> Self:
        self.page.goto(self.path)
        return self

    def sign_in(self, email: str, password: str) -> ChatT:
        """Sign in with these credentials; returns the chat page the user should land on."""
        chat = self.chat_page()  # first, so that it sees what the chat opens (its socket)
        self._submit(email, password)
        return chat

    def attempt_sign_in(self, email: str, password: str) -> Self:
        """Submit credentials that are expected to be refused; the user stays here."""
        self._submit(email, password)
        return self

    def _submit(self, email: str, password: str) -> None:
        # A step without parameters: allure would record the arguments of a decorated
        # method, and these are credentials.
        with allure.step("Sign in"):
            self.email_field.fill(email)
            self.password_field.fill(password)
            self.sign_in_button.click()

    @allure.step("Expect the sign-in page")
    def expect_shown(self, *, timeout: float | None = None) -> None:
        """The address is the form's and the form is there."""
        expect(self.page).to_have_url(self.shown_url, timeout=timeout)
        expect(self.sign_in_button).to_be_visible(timeout=timeout)

    @allure.step("Expect a sign-in error")
    def expect_error(self, *, timeout: float | None = None) -> None:
        expect(self.error).to_be_visible(timeout=timeout)
        if self.error_role:
            expect(self.error).to_have_attribute("role", self.error_role, timeout=timeout)
        expect(self.error).not_to_have_text(_BLANK, timeout=timeout)

    @allure.step("Expect the sign-in error to say {pattern}")
    def expect_error_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.error).to_contain_text(pattern, timeout=timeout)

    def expect_error_not_to_reveal(self, typed: str, *, timeout: float | None = None) -> None:
        """The error message (and any other notice of the refusal) does not repeat what was typed."""
        # A step without parameters: what was typed may be a password.
        with allure.step("Expect the sign-in error not to repeat what was typed"):
            expect(self.error).not_to_contain_text(typed, timeout=timeout)
            if self.also_not_revealing is not None:
                expect(self.also_not_revealing.filter(has_text=typed)).to_have_count(0, timeout=timeout)


class MessageListBase(Generic[AnswerT]):
    """The conversation, oldest first. A profile passes where its messages are, and says how the
    ``index``-th answer is found (``answer``)."""

    #: what the page calls a user message, for the failure messages
    user_message_name: str = "the user message"

    def __init__(self, *, root: Locator, user_messages: Locator, ai_messages: Locator) -> None:
        self.root = root
        self.user_messages = user_messages
        self.ai_messages = ai_messages

    def answer(self, index: int) -> AnswerT:
        """The ``index``-th answer (0 is the oldest); it may not exist yet."""
        raise NotImplementedError

    def typed_text(self, message: Locator) -> Locator:
        """Where a user message shows the text the user typed (the message itself, unless the product
        wraps it)."""
        return message

    @allure.step("Expect the user message {text:.80}")
    def expect_user_message(self, text: str, *, timeout: float | None = None) -> None:
        expect(self.user_messages.filter(has_text=text).first).to_be_visible(timeout=timeout)

    @allure.step("Expect the last user message exactly as typed: {text:.80}")
    def expect_last_user_message_as_typed(self, text: str, *, timeout: float | None = None) -> None:
        """The newest user message shows exactly ``text``, markup included, and holds no element."""
        shown = self.typed_text(self.user_messages.last)
        expect(shown).to_have_text(text, timeout=timeout)
        # "*" is any element: text the page turned into markup would create one.
        only_text = f"{self.user_message_name} should hold text only, no elements"
        expect(shown.locator("*"), only_text).to_have_count(0, timeout=timeout)

    @allure.step("Expect {count} user message(s)")
    def expect_user_message_count(self, count: int, *, timeout: float | None = None) -> None:
        expect(self.user_messages).to_have_count(count, timeout=timeout)

    @allure.step("Expect {count} answer(s)")
    def expect_answer_count(self, count: int, *, timeout: float | None = None) -> None:
        expect(self.ai_messages).to_have_count(count, timeout=timeout)

    @allure.step("Expect an answer showing {text:.80}")
    def expect_answer_with_text(self, text: str, *, timeout: float | None = None) -> None:
        expect(self.ai_messages.filter(has_text=text).first).to_be_visible(timeout=timeout)


class AnswerShortcuts:
    """``expect_streaming`` and ``expect_complete``, for an answer with ``expect_status``."""

    def expect_status(self, status: str, *, timeout: float | None = None) -> None:
        raise NotImplementedError

    def expect_streaming(self, *, timeout: float | None = None) -> None:
        self.expect_status("streaming", timeout=timeout)

    def expect_complete(self, *, timeout: float | None = None) -> None:
        self.expect_status("complete", timeout=timeout)


class RunControlsAiMessage(AnswerShortcuts):
    """The reply to the ``index``-th user message, its state read from the page's controls.

    - streaming: the stop button is shown and no later message was sent;
    - complete: the answer is shown and the run is over (the send button back), with no error shown;
    - error: one of ``errors`` is shown.

    A profile passes the locators and names them for the failure messages.
    """

    #: the product, for a status it does not show
    product: str = "the product"
    #: what the send button is called on this page, and whether "back" means visible or only attached
    send_button_name: str = "the send button"
    send_back_visible: bool = True
    #: what ``errors`` stands for, and what a failure says it saw (``{count}``: how many)
    errors_are: str = "an error notice"
    errors_seen: str = "{count} error notice(s)"
    #: how long the answer may still take to appear once the run is over on the page
    settle_ms: float = SETTLE_MS

    def __init__(self, page: Page, index: int, *, root: Locator, content: Locator,
                 later_user_message: Locator, stop_button: Locator, send_button: Locator,
                 errors: Locator) -> None:
        self.page = page
        self.index = index
        self.root = root
        self.content = content  # the answer's text, without the message's buttons
        self._later_user_message = later_user_message
        self._stop_button = stop_button
        self._send_button = send_button
        self._errors = errors
        # A sign that the run is already over on the page, for a run so short that its stop button
        # may never be seen; None where the page shows none (a profile sets it, see expect_status).
        self.run_over: Locator | None = None

    def run_id(self) -> str:
        raise NotImplementedError

    def status(self) -> str:
        """streaming, complete, error, or "" while there is nothing of it (no waiting)."""
        if self._errors.count():
            return "error"
        if self._stop_button.count() and not self._later_user_message.count():
            return "streaming"
        return "complete" if self.root.count() else ""

    def text(self) -> str:
        """The answer as the user sees it."""
        return self.content.inner_text().strip()

    @allure.step("Expect the answer to become {status}")
    def expect_status(self, status: str, *, timeout: float | None = None) -> None:
        if status == "streaming":
            expect(self._later_user_message, "no message should have been sent after it").to_have_count(
                0, timeout=timeout)
            expect(self._stop_button, "the run should be going (the stop button shown)").to_be_visible(
                timeout=timeout)
        elif status == "complete":
            # Fails at the first sign, as the contract's pages do: the run started (its stop button,
            # or already its answer or an error), then it ended (the send button back); an end with no
            # answer shown, or with an error, is the page having given up, and is told at once.
            started = self.content.or_(self._stop_button).or_(self._errors)
            if self.run_over is not None:  # a run over before its stop button was seen: told at once
                started = started.or_(self.run_over)
            expect(started.first, "the run should start (the stop button shown) or answer").to_be_visible(
                timeout=timeout)
            over = expect(self._send_button.or_(self._later_user_message).or_(self._errors).first,
                          f"the run should be over ({self.send_button_name} back)")
            if self.send_back_visible:
                over.to_be_visible(timeout=timeout)
            else:
                over.to_be_attached(timeout=timeout)
            if self._errors.count():
                seen = self.errors_seen.format(count=self._errors.count())
                raise AssertionError("the answer should become complete, but the page gave up on it first: "
                                     f"it shows an error ({seen})")
            expect(self.content, f"the run ended ({self.send_button_name} is back) without an answer shown"
                   ).to_be_visible(timeout=self.settle_ms)
        elif status == "error":
            expect(self._errors.first, f"the run should show an error ({self.errors_are})").to_be_visible(
                timeout=timeout)
        else:
            raise ValueError(f"status {status!r}: {self.product} shows streaming, complete or error")

    @allure.step("Expect the answer to match {pattern}")
    def expect_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.content).to_have_text(pattern, timeout=timeout)


class ChatPageBase(MessageInputActions):
    """The chat page. A profile's ``__init__`` sets the locators and components the interface names
    (``message_input``, ``send_button``, ``messages``, ``error_banner``, ``connection``,
    ``thinking_indicator``, ``tool_indicator``, ``new_chat_button``, ``user_menu``, ``sign_out_button``),
    its class the facts below, and ``login_page()`` the way back to its sign-in page."""

    messages: MessageListInterface
    error_banner: ErrorBannerInterface
    connection: ConnectionStatusInterface
    new_chat_button: Locator
    user_menu: Locator
    sign_out_button: Locator

    #: where the chat is, and the pattern of its address while it is shown
    chat_path: str = "/chat"
    shown_url: re.Pattern[str] = re.compile(r"/chat(?:/[^/?#]+)?(?:[?#].*)?$")
    #: a thread's address (``{thread_id}``) and the pattern that reads its id; None: no threads, because
    #: ``no_threads`` (the reason, in words)
    thread_path: str | None = "/chat/{thread_id}"
    thread_url: re.Pattern[str] | None = re.compile(r"/chat/([^/?#]+)")
    no_threads: str = ""
    #: True: the ``n``-th answer is the reply to the ``n``-th user message (a refused message still has
    #: one); False: answers are counted on their own
    one_answer_per_message: bool = False
    #: True: a retry sends the last message again in place of its answer; False: it adds an answer
    retry_replaces_answer: bool = False
    #: True: a user waits for Send to be enabled before pressing Enter (the page ignores it before)
    wait_for_send_enabled: bool = False
    #: a dialog's button that confirms a new chat, where the page asks first
    new_chat_confirm: Locator | None = None
    #: the control that opens the menu holding ``sign_out_button`` (and the account), if any
    user_menu_opens: Locator | None = None
    #: where the account shows once ``user_menu_opens`` was clicked (None: in ``user_menu`` itself)
    account_shown_in: Locator | None = None
    #: no control to sign out: the address that does it
    sign_out_path: str | None = None
    #: why the page cannot show the signed-in account, where it cannot
    no_account_shown: str = ""

    def login_page(self) -> LoginPageInterface:
        """The profile's sign-in page on this page."""
        raise NotImplementedError

    # --- navigation -------------------------------------------------------------
    @allure.step("Open the chat")
    def open(self, thread_id: str | None = None) -> Self:
        if thread_id and self.thread_path is None:
            raise ValueError(f"{self.no_threads}: there is no thread to open")
        self.page.goto(self.thread_path.format(thread_id=thread_id) if thread_id and self.thread_path
                       else self.chat_path)
        return self

    @allure.step("Start a new chat")
    def start_new_chat(self) -> Self:
        self.new_chat_button.click()
        if self.new_chat_confirm is not None:
            self.new_chat_confirm.click()
        return self

    def sign_out(self) -> LoginPageInterface:
        if self.sign_out_path:
            with allure.step(f"Sign out (no control for it: its {self.sign_out_path} address)"):
                self.page.goto(self.sign_out_path)
            return self.login_page()
        with allure.step("Sign out"):
            if self.user_menu_opens is not None:
                self.user_menu_opens.click()
            self.sign_out_button.click()
        return self.login_page()

    # --- writing ----------------------------------------------------------------
    def _next_answer_index(self) -> int:
        answers = self.messages.user_messages if self.one_answer_per_message else self.messages.ai_messages
        return answers.count()

    @allure.step("Send: {text:.80}")
    def send(self, text: str) -> AiMessageInterface:
        """Write ``text``, press Enter, and return the answer it starts (which appears later)."""
        next_answer = self.messages.answer(self._next_answer_index())
        self.message_input.fill(text)
        if self.wait_for_send_enabled:
            expect(self.send_button).to_be_enabled()
        self.message_input.press("Enter")
        self.let_the_page_catch_up()
        return next_answer

    def retry(self) -> AiMessageInterface:
        """Click the error banner's retry, and return the answer it starts (which appears later)."""
        if self.retry_replaces_answer:
            index = max(self.messages.user_messages.count() - 1, 0)
        else:
            index = self._next_answer_index()
        next_answer = self.messages.answer(index)
        self.error_banner.retry()  # an Allure step of its own
        return next_answer

    # --- reading ----------------------------------------------------------------
    def thread_id(self) -> str:
        """The thread shown, from the address; empty for a new chat, or where there are no threads."""
        match = self.thread_url.search(self.page.url) if self.thread_url else None
        return match.group(1) if match else ""

    # --- checks -----------------------------------------------------------------
    @allure.step("Expect the chat page")
    def expect_shown(self, *, timeout: float | None = None) -> None:
        """The address is a chat one and the message input is there."""
        expect(self.page).to_have_url(self.shown_url, timeout=timeout)
        expect(self.message_input).to_be_visible(timeout=timeout)

    @allure.step("Expect the chat ready: shown and connected")
    def expect_ready(self, *, timeout: float | None = None) -> None:
        """Shown and connected: a message sent now reaches the server."""
        self.expect_shown(timeout=timeout)
        self.connection.expect_connected(timeout=timeout)

    def expect_signed_in_as(self, email: str, *, timeout: float | None = None) -> None:
        # A step without parameters: the email is a credential of the test account.
        with allure.step("Expect the user menu to show the signed-in account"):
            if self.no_account_shown:
                raise AssertionError(self.no_account_shown)
            if self.user_menu_opens is None or self.account_shown_in is None:
                expect(self.user_menu).to_contain_text(email, timeout=timeout)
                return
            self.user_menu_opens.click()
            expect(self.account_shown_in).to_contain_text(email, timeout=timeout)
            self.page.keyboard.press("Escape")
            expect(self.account_shown_in).to_be_hidden(timeout=timeout)  # closed again, as the user left it

    @allure.step("Expect the address of a thread")
    def expect_in_thread(self, *, timeout: float | None = None) -> None:
        if self.thread_url is None:
            raise AssertionError(f"{self.no_threads}: its address stays {self.chat_path}")
        expect(self.page).to_have_url(self.thread_url, timeout=timeout)

    @allure.step("Expect Send enabled")
    def expect_send_enabled(self, *, timeout: float | None = None) -> None:
        expect(self.send_button).to_be_enabled(timeout=timeout)
