"""The sign-in page, ``/login``."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import allure
from playwright.sync_api import Page, expect

if TYPE_CHECKING:
    from pages.chat_page import ChatPage

LOGIN_PATH = "/login"
_AT_LOGIN = re.compile(r"/login(?:[?#].*)?$")


class LoginPage:
    def __init__(self, page: Page) -> None:
        self.page = page
        # The contract names these by test id only (no labels are promised).
        self.email_field = page.get_by_test_id("email-field")
        self.password_field = page.get_by_test_id("password-field")
        self.sign_in_button = page.get_by_test_id("sign-in-button")
        self.error = page.get_by_test_id("login-error")

    @allure.step("Open the sign-in page")
    def open(self) -> LoginPage:
        self.page.goto(LOGIN_PATH)
        return self

    def sign_in(self, email: str, password: str) -> ChatPage:
        """Sign in with these credentials; returns the chat page the user should land on."""
        from pages.chat_page import ChatPage  # the two pages lead to each other

        self._submit(email, password)
        return ChatPage(self.page)

    def attempt_sign_in(self, email: str, password: str) -> LoginPage:
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
        """The address is /login and the form is there."""
        expect(self.page).to_have_url(_AT_LOGIN, timeout=timeout)
        expect(self.sign_in_button).to_be_visible(timeout=timeout)

    @allure.step("Expect a sign-in error")
    def expect_error(self, *, timeout: float | None = None) -> None:
        expect(self.error).to_be_visible(timeout=timeout)
        expect(self.error).to_have_attribute("role", "alert", timeout=timeout)
        expect(self.error).not_to_have_text(re.compile(r"^\s*$"), timeout=timeout)

    @allure.step("Expect the sign-in error to say {pattern}")
    def expect_error_text(self, pattern: str | re.Pattern[str], *, timeout: float | None = None) -> None:
        expect(self.error).to_contain_text(pattern, timeout=timeout)

    def expect_error_not_to_reveal(self, typed: str, *, timeout: float | None = None) -> None:
        """The error message does not repeat what was typed (e.g. the password)."""
        # A step without parameters: what was typed may be a password.
        with allure.step("Expect the sign-in error not to repeat what was typed"):
            expect(self.error).not_to_contain_text(typed, timeout=timeout)
