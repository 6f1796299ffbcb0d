"""Component objects for the regions of the chat page (CONTRACT.md section 5)."""

from __future__ import annotations

import re
from collections.abc import Sequence

import allure
from playwright.sync_api import Locator, expect

from pages.base import AnswerShortcuts, MessageListBase
from pages.waiting import wait_attached

AI_MESSAGE = "ai-message"
USER_MESSAGE = "user-message"
# An answer in one of these states will not change any more (CONTRACT.md section 5).
TERMINAL_STATUSES = ("complete", "error")


def _attribute_is(name: str, value: str) -> str:
    # The contract names data attributes, not roles: an attribute selector is the
    # only way to say "the thread item with this id".
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'[{name}="{escaped}"]'


def _first_sign(wanted: Locator, instead: Sequence[Locator], *, timeout: float | None) -> bool | None:
    """Wait, through Playwright's auto-waiting, until ``wanted`` or one of ``instead`` is in the page.

    True: ``wanted`` came; False: something of ``instead`` came first (the page gave up);
    None: neither within ``timeout``.
    """
    either = wanted
    for sign in instead:
        either = either.or_(sign)
    if not wait_attached(either, timeout=timeout):
        return None
    return wanted.count() > 0


class AiMessage(AnswerShortcuts):
    """One answer in the message list; ``data-status`` is streaming, complete or error.

    A check that waits for the answer fails as soon as the page has given up on it
    (the answer ended in another terminal status, or ``error_banner`` appeared),
    quoting what the user saw, instead of waiting out its whole timeout.
    """

    def __init__(self, root: Locator, *, error_banner: Locator | None = None) -> None:
        self.root = root
        self.error_banner = error_banner

    def run_id(self) -> str:
        return self.root.get_attribute("data-run-id") or ""

    def status(self) -> str:
        return self.root.get_attribute("data-status") or ""

    def text(self) -> str:
        """The answer as the user sees it."""
        return self.root.inner_text()

    def _with_status(self, status: str) -> Locator:
        return self.root.and_(self.root.page.locator(_attribute_is("data-status", status)))

    def _given_up(self, *, unless_status: str | None = None) -> list[Locator]:
        """What the page shows when this answer will not come: another terminal status, the error banner."""
        signs = [self._with_status(status) for status in TERMINAL_STATUSES if status != unless_status]
        if self.error_banner is not None and unless_status != "error":
            signs.append(self.error_banner.filter(visible=True))
        return signs

    def shown(self) -> str:
        """What the user sees of this answer and of the error banner, right now (no waiting)."""
        statuses = self.root.evaluate_all("(nodes) => nodes.map((node) => node.getAttribute('data-status'))")
        answer = f"ai-message data-status={statuses[0]!r}" if statuses else "no such ai-message yet"
        if self.error_banner is None:
            return answer
        banners = self.error_banner.filter(visible=True).evaluate_all(
            "(nodes) => nodes.map((node) => [node.getAttribute('data-error-code'), node.innerText])")
        if not banners:
            return f"{answer}; no error-banner"
        code, text = banners[0]
        return f"{answer}; error-banner {code} {' '.join(str(text).split())!r}"

    def _expect(self, wanted: Locator, what: str, *, unless_status: str | None,
                timeout: float | None) -> None:
        came = _first_sign(wanted, self._given_up(unless_status=unless_status), timeout=timeout)
        if came is None:
            within = f" within {timeout / 1000:g} s" if timeout is not None else ""
            raise AssertionError(f"the ai-message should {what}: it did not{within}; the page shows "
                                 f"{self.shown()}")
        if not came:
            raise AssertionError(f"the ai-message should {what}, but the page gave up on it first (another "
                                 f"terminal status or the error banner): {self.shown()}")

    @allure.step("Expect the answer to become {status}")
    def expect_status(self, status: str, *, timeout: float | None = None) -> None:
        """``data-status`` becomes ``status``; fails at once if the answer ends otherwise or the banner."""
        self._expect(self._with_status(status), f"become {status}",
                     unless_status=status if status in TERMINAL_STATUSES else None, timeout=timeout)

    @allure.step("Expect the answer to match {pattern}")
    def expect_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        # The first sign only decides whether to go on; the check itself is Playwright's own.
        loose = pattern if isinstance(pattern, re.Pattern) else re.compile(re.escape(pattern))
        self._expect(self.root.filter(has_text=loose), f"match {pattern!r}", unless_status="complete",
                     timeout=timeout)
        expect(self.root).to_have_text(pattern, timeout=timeout)


class MessageList(MessageListBase[AiMessage]):
    """The conversation: ``user-message`` and ``ai-message`` items, oldest first."""

    user_message_name = "the user-message"

    def __init__(self, root: Locator, *, error_banner: Locator | None = None) -> None:
        super().__init__(root=root, user_messages=root.get_by_test_id(USER_MESSAGE),
                         ai_messages=root.get_by_test_id(AI_MESSAGE))
        self.error_banner = error_banner  # where the page says it gave up on an answer

    def answer(self, index: int) -> AiMessage:
        """The ``index``-th answer (0 is the oldest); it may not exist yet."""
        return AiMessage(self.ai_messages.nth(index), error_banner=self.error_banner)


class ErrorBanner:
    """``error-banner``: what went wrong, by ``data-error-code``, with a retry where it makes sense."""

    def __init__(self, root: Locator) -> None:
        self.root = root
        self.retry_button = root.get_by_test_id("retry-button")

    @allure.step("Retry from the error banner")
    def retry(self) -> None:
        self.retry_button.click()

    @allure.step("Expect the error banner {code}")
    def expect_code(self, code: str, *, timeout: float | None = None) -> None:
        expect(self.root).to_be_visible(timeout=timeout)
        expect(self.root).to_have_attribute("data-error-code", code, timeout=timeout)

    @allure.step("Expect the error banner {code}, as an alert")
    def expect_alert(self, code: str, *, timeout: float | None = None) -> None:
        """Shown with ``code``, as an alert: assistive technology announces it."""
        self.expect_code(code, timeout=timeout)
        expect(self.root).to_have_attribute("role", "alert", timeout=timeout)

    @allure.step("Expect a retry to be offered")
    def expect_retry_offered(self, *, timeout: float | None = None) -> None:
        expect(self.retry_button).to_be_visible(timeout=timeout)

    @allure.step("Expect the error banner to say {pattern}")
    def expect_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.root).to_contain_text(pattern, timeout=timeout)

    @allure.step("Expect no error banner")
    def expect_hidden(self, *, timeout: float | None = None) -> None:
        expect(self.root).to_be_hidden(timeout=timeout)


class ConnectionStatus:
    """``connection-status``: connecting, connected, reconnecting or disconnected."""

    def __init__(self, root: Locator) -> None:
        self.root = root
        self.connected = root.and_(root.page.locator(_attribute_is("data-state", "connected")))

    @allure.step("Expect the connection {state}")
    def expect_state(self, state: str, *, timeout: float | None = None) -> None:
        expect(self.root).to_have_attribute("data-state", state, timeout=timeout)

    def expect_connected(self, *, timeout: float | None = None) -> None:
        self.expect_state("connected", timeout=timeout)


class ThreadList:
    """``thread-list``: the user's chats, each a ``thread-item`` with ``data-thread-id``."""

    def __init__(self, root: Locator) -> None:
        self.root = root
        self.items = root.get_by_test_id("thread-item")

    def item(self, thread_id: str) -> Locator:
        return self.items.and_(self.root.page.locator(_attribute_is("data-thread-id", thread_id)))

    @allure.step("Open a chat from the thread list")
    def open(self, thread_id: str) -> None:
        self.item(thread_id).click()

    @allure.step("Expect thread {thread_id} in the thread list")
    def expect_thread(self, thread_id: str, *, timeout: float | None = None) -> None:
        expect(self.item(thread_id), f"thread {thread_id} should be in the thread list").to_be_visible(
            timeout=timeout
        )
