"""Page objects of the chat product, in its own vocabulary (CONTRACT.md section 5)."""

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
