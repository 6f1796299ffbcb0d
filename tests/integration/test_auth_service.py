"""The auth service over real HTTP (contract section 2)."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt

from tests.integration.helpers import RunningApp, sign_in


def _login(app: RunningApp, email: str, password: str) -> httpx.Response:
    return httpx.post(f"{app.auth_url}/auth/login", json={"email": email, "password": password})


def _unknown_email() -> str:
    return f"nobody-{uuid.uuid4().hex[:8]}@example.test"


def test_health(app: RunningApp):
    response = httpx.get(f"{app.auth_url}/health")

    assert (response.status_code, response.json()) == (200, {"status": "ok", "service": "auth"})


def test_sign_in_returns_signed_tokens(app: RunningApp):
    body = sign_in(app, app.email, app.password)

    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    claims = jwt.decode(body["access_token"], app.jwt_secret, algorithms=["HS256"],
                        issuer="reference-app-auth")
    assert claims["type"] == "access" and claims["sub"] and claims["iat"] <= time.time() < claims["exp"]
    assert jwt.decode(body["refresh_token"], app.jwt_secret, algorithms=["HS256"],
                      issuer="reference-app-auth")["type"] == "refresh"


def test_unknown_email_and_wrong_password_get_the_same_401(app: RunningApp, make_user):
    email, _ = make_user()

    wrong_password = _login(app, email, "wrong-password")
    unknown_email = _login(app, _unknown_email(), "wrong-password")

    assert wrong_password.status_code == unknown_email.status_code == 401
    assert wrong_password.json() == unknown_email.json() == {"detail": "Invalid email or password"}


def test_malformed_body_is_422_naming_the_field_without_echoing_the_password(app: RunningApp):
    password = "Sup3r-Secret-" + uuid.uuid4().hex

    missing_email = httpx.post(f"{app.auth_url}/auth/login", json={"password": password})
    wrong_type = httpx.post(f"{app.auth_url}/auth/login", json={"email": ["a"], "password": password})
    not_json = httpx.post(f"{app.auth_url}/auth/login", content=f'{{"password": "{password}",',
                          headers={"Content-Type": "application/json"})

    assert missing_email.status_code == wrong_type.status_code == not_json.status_code == 422
    assert missing_email.json()["detail"][0]["loc"] == ["body", "email"]
    assert wrong_type.json()["detail"][0]["loc"] == ["body", "email"]
    for response in (missing_email, wrong_type, not_json):
        assert password not in response.text


def test_password_of_the_wrong_type_is_not_echoed_either(app: RunningApp):
    response = httpx.post(f"{app.auth_url}/auth/login",
                          json={"email": _unknown_email(), "password": 918273645})

    assert response.status_code == 422 and "918273645" not in response.text
    assert response.json()["detail"][0]["loc"] == ["body", "password"]


def test_sixth_attempt_after_five_failures_is_429_with_retry_after(app: RunningApp):
    email = _unknown_email()

    failures = [_login(app, email, "guess").status_code for _ in range(5)]
    refused = _login(app, email, "guess")

    assert failures == [401] * 5
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 60


def test_the_limit_holds_even_for_the_right_password(app: RunningApp, make_user):
    email, password = make_user()
    for _ in range(5):
        _login(app, email, "guess")

    assert _login(app, email, password).status_code == 429


def test_a_successful_sign_in_resets_the_failure_count(app: RunningApp, make_user):
    email, password = make_user()
    before = [_login(app, email, "guess").status_code for _ in range(4)]

    success = _login(app, email, password)
    after = [_login(app, email, "guess").status_code for _ in range(4)]

    # without the reset, the 6th failure (the 2nd after the success) would be 429
    assert before == after == [401] * 4 and success.status_code == 200


def test_refresh_gives_a_new_access_token(app: RunningApp):
    tokens = sign_in(app, app.email, app.password)

    response = httpx.post(f"{app.auth_url}/auth/refresh", json={"refresh_token": tokens["refresh_token"]})

    assert response.status_code == 200
    new_access = response.json()["access_token"]
    claims = jwt.decode(new_access, app.jwt_secret, algorithms=["HS256"], issuer="reference-app-auth")
    assert claims["type"] == "access"
    me = httpx.get(f"{app.auth_url}/auth/me", headers={"Authorization": f"Bearer {new_access}"})
    assert me.status_code == 200


def test_refresh_refuses_an_access_token_and_junk(app: RunningApp, access_token: str):
    for token in (access_token, "junk"):
        response = httpx.post(f"{app.auth_url}/auth/refresh", json={"refresh_token": token})
        assert response.status_code == 401


def test_me_names_the_signed_in_user(app: RunningApp, access_token: str):
    response = httpx.get(f"{app.auth_url}/auth/me", headers={"Authorization": f"Bearer {access_token}"})

    assert response.status_code == 200
    assert response.json()["email"] == app.email and response.json()["id"]


def test_me_refuses_no_token_a_refresh_token_and_a_forged_one(app: RunningApp):
    tokens = sign_in(app, app.email, app.password)
    forged = jwt.encode({**jwt.decode(tokens["access_token"], options={"verify_signature": False})},
                        "not-the-secret-of-this-app-" + uuid.uuid4().hex, algorithm="HS256")

    for token in (None, tokens["refresh_token"], forged):
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        assert httpx.get(f"{app.auth_url}/auth/me", headers=headers).status_code == 401


def test_cors_allows_any_origin(app: RunningApp):
    response = httpx.options(f"{app.auth_url}/auth/login", headers={
        "Origin": "http://ui.example.test", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})

    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"
