"""Each server-side fault switch really breaks what it says (the truth gate relies on them)."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.integration.helpers import (
    SHORT_AGENT_TIMEOUT_ENV,
    SHORT_AGENT_TIMEOUT_SECONDS,
    ChatSocket,
    RunningApp,
    check_run_contract,
    sign_in,
    types_of,
)

MISBEHAVING = ("skip_thinking", "wrong_final_response", "no_thread_history", "config_wrong_auth_port",
               "tool_events_out_of_order", "ui_no_watchdog", "ui_renders_html", "auth_accepts_any_password")
# long enough past the short agent timeout of the silent apps that a rescue would have arrived
SILENCE_SECONDS = SHORT_AGENT_TIMEOUT_SECONDS * 3


def mint_access_token(app: RunningApp) -> str:
    """An access token for the seeded user without the auth service (which ``auth_down`` removes)."""
    from reference_app.db import Database
    from reference_app.security import Tokens

    database = Database(app.database_url)
    try:
        user = database.find_user_by_email(app.email)
    finally:
        database.dispose()
    assert user is not None
    return Tokens(secret=app.jwt_secret, issuer="reference-app-auth", access_seconds=600,
                  refresh_seconds=600).issue(user.id, "access")


def _one_run(app: RunningApp, token: str, text: str = "What is 17 * 23?",
             extra_frames: int = 0) -> list[dict]:
    async def scenario() -> list[dict]:
        chat = await ChatSocket.open(app.ws_url, token)
        await chat.ask(text)
        events = await chat.run_events()
        events += [await chat.next_frame() for _ in range(extra_frames)]
        await chat.close()
        return events

    return asyncio.run(scenario())


def _silence_after(app: RunningApp, token: str, text: str) -> tuple[list[dict], dict]:
    """Frames received within SILENCE_SECONDS after asking, then the answer to a ping."""
    async def scenario() -> tuple[list[dict], dict]:
        chat = await ChatSocket.open(app.ws_url, token)
        await chat.ask(text)
        frames = []
        try:
            while True:
                frames.append(await chat.next_frame(timeout=SILENCE_SECONDS))
        except TimeoutError:
            pass
        pong = await chat.ping()
        await chat.close()
        return frames, pong

    return asyncio.run(scenario())


@pytest.fixture(scope="module")
def misbehaving(launch) -> RunningApp:
    """An app with several independent server faults (and two UI ones) switched on."""
    return launch(faults=MISBEHAVING)


@pytest.fixture(scope="module")
def misbehaving_run(misbehaving: RunningApp) -> tuple[RunningApp, str, list[dict]]:
    token = sign_in(misbehaving, misbehaving.email, misbehaving.password)["access_token"]
    return misbehaving, token, _one_run(misbehaving, token)


def test_skip_thinking_sends_no_agent_thinking(misbehaving_run):
    _, _, events = misbehaving_run

    assert "agent_thinking" not in types_of(events) and events[-1]["type"] == "agent_completed"


def test_tool_events_out_of_order_breaks_the_contract_order(misbehaving_run):
    _, _, events = misbehaving_run

    assert types_of(events).index("tool_completed") < types_of(events).index("tool_executing")
    with pytest.raises(AssertionError, match="tool_completed .* has no earlier tool_executing"):
        check_run_contract(events)


def test_wrong_final_response_differs_from_the_streamed_answer(misbehaving_run):
    _, _, events = misbehaving_run
    streamed = "".join(event["delta"] for event in events if event["type"] == "agent_response_delta")

    assert streamed == "The answer is 391."
    assert events[-1]["final_response"] != streamed


def test_no_thread_history_stores_nothing(misbehaving_run):
    app, token, events = misbehaving_run

    messages = httpx.get(f"{app.backend_url}/api/threads/{events[0]['thread_id']}/messages",
                         headers={"Authorization": f"Bearer {token}"})

    assert messages.status_code == 200 and messages.json() == []


def test_config_wrong_auth_port_points_the_ui_at_nothing(misbehaving: RunningApp):
    config = httpx.get(f"{misbehaving.backend_url}/config").json()

    assert config["auth_url"] != misbehaving.auth_url
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{config['auth_url']}/health")


def test_auth_accepts_any_password_lets_a_known_account_in_and_still_refuses_an_unknown_one(
    misbehaving: RunningApp,
):
    login_url = f"{misbehaving.auth_url}/auth/login"

    known = httpx.post(login_url, json={"email": misbehaving.email, "password": "not-the-password"})
    unknown = httpx.post(login_url, json={"email": "nobody@example.invalid", "password": "not-the-password"})

    assert known.status_code == 200 and known.json()["token_type"] == "bearer"
    assert unknown.status_code == 401


def test_faults_script_lists_only_the_ui_faults(misbehaving: RunningApp):
    script = httpx.get(f"{misbehaving.backend_url}/static/faults.js").text

    assert script.strip() == 'window.APP_FAULTS = ["ui_no_watchdog", "ui_renders_html"];'


def test_duplicate_events_sends_every_event_twice(launch):
    app = launch(faults=("duplicate_events",))
    token = sign_in(app, app.email, app.password)["access_token"]

    events = _one_run(app, token, extra_frames=1)

    kinds = types_of(events)
    assert kinds[-2:] == ["agent_completed", "agent_completed"]
    assert kinds[0::2] == kinds[1::2]


def test_agent_silent_after_started_is_not_rescued_by_the_agent_timeout(launch):
    app = launch(faults=("agent_silent_after_started",), env=SHORT_AGENT_TIMEOUT_ENV)
    token = sign_in(app, app.email, app.password)["access_token"]

    frames, pong = _silence_after(app, token, "What is 17 * 23?")

    assert types_of(frames) == ["agent_started"]
    assert pong == {"type": "pong"}


def test_the_same_slow_run_without_the_fault_is_rescued_by_the_agent_timeout(launch):
    # the control for the test above: same timeout, a hanging tool, and AGENT_TIMEOUT does arrive
    app = launch(env=SHORT_AGENT_TIMEOUT_ENV)
    token = sign_in(app, app.email, app.password)["access_token"]

    events = _one_run(app, token, "[slow] What is 17 * 23?")

    assert types_of(events)[0] == "agent_started"
    assert events[-1]["type"] == "agent_error" and events[-1]["code"] == "AGENT_TIMEOUT"


@pytest.fixture(scope="module")
def silent_without_auth(launch) -> RunningApp:
    return launch(faults=("agent_silent_before_started", "auth_down"), env=SHORT_AGENT_TIMEOUT_ENV)


def test_agent_silent_before_started_sends_nothing_at_all(silent_without_auth: RunningApp):
    token = mint_access_token(silent_without_auth)

    frames, pong = _silence_after(silent_without_auth, token, "What is 1 + 1?")

    assert frames == []
    assert pong == {"type": "pong"}


def test_auth_down_degrades_backend_health(silent_without_auth: RunningApp):
    response = httpx.get(f"{silent_without_auth.backend_url}/health")

    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["auth"] == {"url": silent_without_auth.auth_url, "reachable": False}
    with pytest.raises(httpx.ConnectError):
        httpx.post(f"{silent_without_auth.auth_url}/auth/login", json={"email": "a", "password": "b"})
