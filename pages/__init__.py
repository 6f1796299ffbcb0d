"""Page objects of the chat product, in its own vocabulary (CONTRACT.md section 5)."""

from typing import TYPE_CHECKING

from playwright.sync_api import Page

from pages.answer_watch import AnswerSample, AnswerSpec, AnswerTiming, AnswerWatch, TimingUnavailable
from pages.chat_page import ChatPage
from pages.components import AiMessage, ConnectionStatus, ErrorBanner, MessageList, ThreadList
from pages.login_page import LoginPage

__all__ = [
    "AiMessage",
    "AnswerSample",
    "AnswerSpec",
    "AnswerTiming",
    "AnswerWatch",
    "ChatPage",
    "ConnectionStatus",
    "ErrorBanner",
    "LoginPage",
    "MessageList",
    "ThreadList",
    "TimingUnavailable",
]


if TYPE_CHECKING:
    from pages.interface import PageObjects

    def _keeps_the_interface(page: Page) -> PageObjects:
        """Never called: mypy checks here that these page objects keep the interface (pages/interface.py)."""
        root = page.locator("body")
        return (LoginPage(page), ChatPage(page), AiMessage(root), MessageList(root), ErrorBanner(root),
                ConnectionStatus(root))
