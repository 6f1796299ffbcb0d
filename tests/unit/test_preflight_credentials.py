"""The contract's credential check (targets/contract/preflight.py): one POST, a line that says why."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from engine.preflight import PreflightFailure, mask_email
from targets.contract import preflight
from targets.contract.preflight import check_credentials

AUTH_URL = "http://127.0.0.1:8081"
EMAIL, PASSWORD = "qa.lead@example.com", "s3cret-Pa55"


class FakeAuth:
    """Stands in for ``httpx.post``: records each POST and returns ``response``."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        self.response = httpx.Response(500)

    def post(self, url: str, *, json: dict[str, str], timeout: float) -> httpx.Response:
        self.posts.append({"url": url, "json": json})
        return self.response


@pytest.fixture
def auth(monkeypatch: pytest.MonkeyPatch) -> FakeAuth:
    fake = FakeAuth()
    monkeypatch.setattr(preflight.httpx, "post", fake.post)
    return fake


def test_accepted_credentials_pass_with_a_single_post(auth):
    auth.response = httpx.Response(200, json={"access_token": "x", "token_type": "bearer"})

    check_credentials(AUTH_URL, EMAIL, PASSWORD)

    assert auth.posts == [{"url": f"{AUTH_URL}/auth/login", "json": {"email": EMAIL, "password": PASSWORD}}]


def test_a_refusal_names_the_masked_email_and_the_answer_but_not_the_password(auth):
    auth.response = httpx.Response(401, json={"detail": "Invalid email or password"})

    with pytest.raises(PreflightFailure) as raised:
        check_credentials(AUTH_URL, EMAIL, PASSWORD)

    line = str(raised.value)
    assert line == (f"preflight failed: POST {AUTH_URL}/auth/login: signing in as q…@example.com "
                    "(E2E_USER_EMAIL) was refused: HTTP 401 'Invalid email or password'; check "
                    "E2E_USER_EMAIL and E2E_USER_PASSWORD (the password is not shown); "
                    "no further attempt was made")
    assert len(auth.posts) == 1
    assert PASSWORD not in line and EMAIL not in line


def test_a_locked_account_says_so_with_retry_after(auth):
    locked = {"detail": "Too many failed sign-in attempts; try again in 42 seconds"}
    auth.response = httpx.Response(429, headers={"Retry-After": "42"}, json=locked)

    with pytest.raises(PreflightFailure, match=r"refused: HTTP 429, Retry-After 42 s 'Too many failed.*"
                                               r"the account is locked after failed sign-ins"):
        check_credentials(AUTH_URL, EMAIL, PASSWORD)
    assert len(auth.posts) == 1


def test_an_answer_that_echoes_the_password_is_redacted(auth):
    auth.response = httpx.Response(403, text=f"no such password: {PASSWORD}")

    with pytest.raises(PreflightFailure) as raised:
        check_credentials(AUTH_URL, EMAIL, PASSWORD)

    assert PASSWORD not in str(raised.value) and "no such password: <redacted>" in str(raised.value)


def test_an_unreachable_auth_service_is_named(monkeypatch):
    def refuse(url: str, **_: Any) -> httpx.Response:
        raise httpx.ConnectError("[Errno 111] Connection refused")

    monkeypatch.setattr(preflight.httpx, "post", refuse)

    with pytest.raises(PreflightFailure, match=r"POST http://127.0.0.1:8081/auth/login: cannot connect"):
        check_credentials(AUTH_URL, EMAIL, PASSWORD)


@pytest.mark.parametrize("email, masked", [("qa@example.com", "q…@example.com"), ("x", "x…"),
                                           ("@example.com", "…@example.com")])
def test_mask_email_keeps_the_first_letter_and_the_domain(email, masked):
    assert mask_email(email) == masked
