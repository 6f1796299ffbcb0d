"""What a user does with a chat's message input, the same on every product's chat page.

A mixin for the ``ChatPage`` of every target profile (``pages/chat_page.py``,
``targets/*/pages.py``): it needs ``page``, ``message_input``, ``send_button`` and
``answer_spec``, which each product's page object finds its own way.
"""

from __future__ import annotations

from typing import Self

import allure
from playwright.sync_api import Locator, Page, expect

from pages.answer_watch import AnswerSpec, AnswerWatch

# Resolves in a task the page queues after those already queued (a message channel, which the browser
# clock does not fake): by then the page has run what a key or a click before it set going.
_PAGE_CAUGHT_UP = """() => new Promise(done => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => done(null);
    channel.port2.postMessage(null);
})"""


class MessageInputActions:
    page: Page
    message_input: Locator
    send_button: Locator
    answer_spec: AnswerSpec

    @allure.step("Reload the page")
    def reload(self) -> Self:
        self.page.reload()
        return self

    @allure.step("Write: {text:.80}")
    def write(self, text: str) -> Self:
        """Add ``text`` at the cursor of the message input, as typing or pasting would, without sending."""
        self.message_input.focus()
        self.page.keyboard.insert_text(text)
        return self

    @allure.step("Press Enter")
    def press_enter(self) -> Self:
        self.message_input.press("Enter")
        self.let_the_page_catch_up()
        return self

    @allure.step("Press Shift+Enter")
    def press_shift_enter(self) -> Self:
        self.message_input.press("Shift+Enter")
        self.let_the_page_catch_up()
        return self

    @allure.step("Click Send")
    def click_send(self) -> Self:
        self.send_button.click()
        self.let_the_page_catch_up()
        return self

    def let_the_page_catch_up(self) -> None:
        """Return once the page has handled the last key or click, as it has before a user acts again.

        No sleep: it ends as soon as the page gets to it. Without it, a message written at once after
        Enter can reach the page before the page reads its box, and one bundled product then sent the
        second text in place of the first (9 of 60 probe runs, 6 of 40 of them under load; none of 70
        with this, 40 of them under load).
        """
        self.page.evaluate(_PAGE_CAUGHT_UP)

    @allure.step("Watch the answer as it streams")
    def watch_answers(self) -> AnswerWatch:
        """Start recording every visible state of the newest answer and the socket's frames (page clock)."""
        return AnswerWatch(self.page, self.answer_spec).start()

    @allure.step("Expect the message input to hold {value:.80}")
    def expect_input_value(self, value: str, *, timeout: float | None = None) -> None:
        expect(self.message_input).to_have_value(value, timeout=timeout)
