"""Signing in and out (CONTRACT.md sections 5, 6.6 and 6.9), and the WebSocket's door."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

import pytest
from playwright.sync_api import Page

from engine.evidence import attach_screenshot
from engine.settings import SuiteSettings
from fixtures.websocket import OpenSocket
from pages import LoginPage

pytestmark = pytest.mark.auth


def _nobody() -> str:
    # An address that cannot exist: a failed sign-in never counts against the
    # shared QA account's rate limit.
    return f"nobody-{uuid.uuid4().hex[:12]}@example.invalid"


@pytest.mark.smoke
def test_valid_credentials_land_on_chat_with_the_email_in_the_user_menu(
    login_page: LoginPage, suite_settings: SuiteSettings
) -> None:
    chat = login_page.sign_in(suite_settings.email, suite_settings.password)

    chat.expect_ready()
    chat.expect_signed_in_as(suite_settings.email)
    attach_screenshot(chat.page, "signed in")


def test_unknown_address_is_refused_with_login_error_and_stays_on_login(login_page: LoginPage) -> None:
    login_page.attempt_sign_in(_nobody(), f"wrong-{secrets.token_hex(6)}")

    login_page.expect_error()
    login_page.expect_shown()
    attach_screenshot(login_page.page, "login error shown")


def test_unknown_address_refusal_does_not_repeat_the_typed_password(login_page: LoginPage) -> None:
    typed_password = f"typed-{secrets.token_hex(6)}"

    login_page.attempt_sign_in(_nobody(), typed_password)

    login_page.expect_error()
    login_page.expect_error_not_to_reveal(typed_password)
    attach_screenshot(login_page.page, "login error shown")


def test_wrong_password_for_the_known_account_is_refused_without_a_session_and_the_right_one_gets_in(
    login_page: LoginPage, suite_settings: SuiteSettings, refused_sign_in_of_the_account: None,
    target_pages: Any,
) -> None:
    # The only test that offers the real account a wrong password: once per run, at once followed by
    # a successful sign-in, so the shared account stays far from its lockout (refused_sign_in_of_the_account).
    login_page.attempt_sign_in(suite_settings.email, f"wrong-{secrets.token_hex(6)}")

    login_page.expect_error()
    login_page.expect_shown()
    attach_screenshot(login_page.page, "login error shown")
    target_pages.ChatPage(login_page.page).open()
    login_page.expect_shown()
    chat = login_page.sign_in(suite_settings.email, suite_settings.password)
    chat.expect_ready()


def test_chat_while_signed_out_goes_to_login(signed_out_page: Page, target_pages: Any) -> None:
    target_pages.ChatPage(signed_out_page).open()

    target_pages.LoginPage(signed_out_page).expect_shown()
    attach_screenshot(signed_out_page, "sent to sign-in")


def test_sign_out_returns_to_login_and_chat_then_goes_to_login(
    login_page: LoginPage, suite_settings: SuiteSettings, target_pages: Any
) -> None:
    # Signs in on its own rather than reusing the worker's saved session, which
    # signing out could end for the tests still to come.
    chat = login_page.sign_in(suite_settings.email, suite_settings.password)
    chat.expect_ready()

    login = chat.sign_out()

    login.expect_shown()
    target_pages.ChatPage(login.page).open()
    login.expect_shown()
    attach_screenshot(login.page, "signed out, chat sent to sign-in")


@pytest.mark.websocket
def test_websocket_with_a_forged_token_is_closed_with_1008(
    login_page: LoginPage, open_socket_from_page: OpenSocket, forged_access_token: str
) -> None:
    outcome = open_socket_from_page(login_page.page, ["jwt-auth", f"jwt-auth.{forged_access_token}"])

    assert outcome.close_code == 1008, (
        f"a forged token must be closed with 1008, got {outcome.close_code} ({outcome.close_reason!r}); "
        f"frames received first: {outcome.received}"
    )
