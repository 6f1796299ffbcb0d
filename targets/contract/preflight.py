"""The contract's preflight (CONTRACT.md section 3): the backend's ``/health`` and ``GET /config``, the
auth service's ``/health``, and one ``POST /auth/login`` with the run's credentials."""

from __future__ import annotations

import httpx

from engine.preflight import PROBE_TIMEOUT_SECONDS, PreflightFailure, mask_email
from engine.preflight import probe_cause as _cause
from engine.settings import TargetConfig


def read_target_config(base_url: str, *, timeout: float = 5.0) -> TargetConfig:
    """``GET {base_url}/config``; raises httpx.HTTPError or ValueError naming what is wrong."""
    url = f"{base_url.rstrip('/')}/config"
    response = httpx.get(url, timeout=timeout)
    response.raise_for_status()
    body = response.json()
    if not isinstance(body, dict):
        raise ValueError(f"the answer is not a JSON object: {response.text[:200]!r}")
    missing = [key for key in ("auth_url", "ws_url", "watchdog_seconds") if key not in body]
    if missing:
        raise ValueError(f"the answer lacks {', '.join(missing)}: {response.text[:200]!r}")
    return TargetConfig(
        auth_url=str(body["auth_url"]).rstrip("/"),
        ws_url=str(body["ws_url"]),
        watchdog_seconds=float(body["watchdog_seconds"]),
    )



def run_preflight(base_url: str, *, source: str) -> TargetConfig:
    """Check the backend's /health and /config and the auth service's /health; returns the config.

    ``source`` says where the URL came from, for the hint ("--base-url", "the bundled app").
    """
    base_url = base_url.rstrip("/")
    _expect_healthy(f"{base_url}/health", "backend",
                    hint=f"is the chat backend running there? (from {source})")

    config_url = f"{base_url}/config"
    try:
        config = read_target_config(base_url, timeout=PROBE_TIMEOUT_SECONDS)
    except (httpx.HTTPError, ValueError) as error:
        raise PreflightFailure(config_url, _cause(error), "the backend must implement GET /config "
                               "(CONTRACT.md section 3)") from None

    _expect_healthy(f"{config.auth_url}/health", "auth",
                    hint=f"is the auth service running? (its URL comes from GET {config_url})")
    return config


def _expect_healthy(url: str, service: str, *, hint: str) -> None:
    try:
        response = httpx.get(url, timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        raise PreflightFailure(url, _cause(error), hint) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    status = body.get("status") if isinstance(body, dict) else None
    if response.status_code == 200 and status == "ok":
        return
    cause = f"HTTP {response.status_code}, status {status!r}"
    if service == "backend" and status == "degraded":
        auth = body.get("auth") if isinstance(body, dict) else None
        auth_url = auth.get("url") if isinstance(auth, dict) else None
        raise PreflightFailure(url, f"{cause}: the backend cannot reach the auth service at {auth_url}",
                               "start the auth service or fix the backend's auth URL")
    raise PreflightFailure(url, cause, hint)


# --- the credentials, with a single sign-in (issue 11) --------------------------------------------

# What of the target's answer the line quotes: enough to tell "wrong password" from "locked".
ANSWER_CHARS = 200


def check_credentials(auth_url: str, email: str, password: str) -> None:
    """One ``POST {auth_url}/auth/login`` with the run's credentials; raises PreflightFailure unless 200.

    A single attempt, so this check can never lock the account (CONTRACT.md section 2: 5 failures
    within 60 s); when it succeeds it is the successful sign-in that resets the account's failure
    count before any test offers a wrong password. The line names the email (masked: it is a
    credential of the shared account) and what the target answered, never the password.
    """
    url = f"{auth_url.rstrip('/')}/auth/login"
    try:
        response = httpx.post(url, json={"email": email, "password": password}, timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        raise PreflightFailure(f"POST {url}", _cause(error), "is the auth service running? (its URL comes "
                               "from the target's GET /config)") from None
    if response.status_code == 200:
        return
    answered = _answer(response, password)
    refused = f"signing in as {mask_email(email)} (E2E_USER_EMAIL) was refused: {answered}"
    if response.status_code == 429:
        hint = ("the account is locked after failed sign-ins: wait for it (Retry-After) before the next run; "
                "no further attempt was made")
    elif response.status_code in (400, 401, 403, 422):
        hint = ("check E2E_USER_EMAIL and E2E_USER_PASSWORD (the password is not shown); "
                "no further attempt was made")
    else:
        hint = "the auth service failed to sign the account in; no further attempt was made"
    raise PreflightFailure(f"POST {url}", refused, hint)


def _answer(response: httpx.Response, password: str) -> str:
    """``HTTP 401 'Invalid email or password'``: status, Retry-After and the body's detail, password-free."""
    try:
        body = response.json()
    except ValueError:
        body = None
    detail = body.get("detail") if isinstance(body, dict) else None
    text = detail if isinstance(detail, str) else " ".join(response.text.split())
    if password:
        text = text.replace(password, "<redacted>")
    text = text[:ANSWER_CHARS]
    retry_after = response.headers.get("Retry-After")
    wait = f", Retry-After {retry_after} s" if retry_after else ""
    return f"HTTP {response.status_code}{wait} {text!r}" if text else f"HTTP {response.status_code}{wait}"
