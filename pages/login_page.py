"""The sign-in page, ``/login``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from playwright.sync_api import Page

from pages.base import LoginPageBase

if TYPE_CHECKING:
    from pages.chat_page import ChatPage

LOGIN_PATH = "/login"


class LoginPage(LoginPageBase["ChatPage"]):
    path = LOGIN_PATH

    def __init__(self, page: Page) -> None:
        # The contract names these by test id only (no labels are promised); the refusal is an alert.
        super().__init__(page, email_field=page.get_by_test_id("email-field"),
                         password_field=page.get_by_test_id("password-field"),
                         sign_in_button=page.get_by_test_id("sign-in-button"),
                         error=page.get_by_test_id("login-error"), error_role="alert")

    def chat_page(self) -> ChatPage:
        from pages.chat_page import ChatPage  # the two pages lead to each other

        return ChatPage(self.page)
