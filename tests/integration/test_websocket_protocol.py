"""The WebSocket handshake and the client messages the server refuses (contract section 4)."""

from __future__ import annotations

import asyncio
import time
import uuid

import jwt
import pytest
from websockets.asyncio.client import connect

from tests.integration.helpers import ChatSocket, RunningApp, close_code_for, sign_in, subprotocols_for


def _token(app: RunningApp, *, secret: str | None = None, lifetime: int = 600, token_type: str = "access",
           subject: str | None = None) -> str:
    now = int(time.time())
    claims = {"iss": "reference-app-auth", "sub": subject or "0" * 32, "iat": now - 10, "exp": now + lifetime,
              "type": token_type}
    return jwt.encode(claims, secret or app.jwt_secret, algorithm="HS256")


def test_handshake_selects_jwt_auth(app: RunningApp, access_token: str):
    async def scenario() -> str | None:
        async with connect(app.ws_url, subprotocols=subprotocols_for(access_token)) as connection:  # type: ignore[arg-type]
            await connection.recv()
            return connection.subprotocol

    assert asyncio.run(scenario()) == "jwt-auth"


@pytest.mark.parametrize("case", ["missing", "malformed", "expired", "forged", "refresh_type",
                                  "no_subprotocol"])
def test_a_bad_token_is_closed_with_1008(app: RunningApp, case: str):
    user_id = sign_in(app, app.email, app.password)
    claims = jwt.decode(user_id["access_token"], options={"verify_signature": False})
    subject = claims["sub"]
    subprotocols = {
        "missing": subprotocols_for(None),
        "malformed": subprotocols_for("not-a-jwt"),
        "expired": subprotocols_for(_token(app, lifetime=-60, subject=subject)),
        "forged": subprotocols_for(_token(app, secret=f"someone-elses-secret-{uuid.uuid4().hex}",
                                          subject=subject)),
        "refresh_type": subprotocols_for(user_id["refresh_token"]),
        "no_subprotocol": [],
    }[case]

    assert asyncio.run(close_code_for(app.ws_url, subprotocols)) == 1008


def test_a_valid_token_signed_by_the_app_is_accepted(app: RunningApp):
    # the counterpart of the 1008 cases: the same hand-made token with the right secret passes
    subject = jwt.decode(sign_in(app, app.email, app.password)["access_token"],
                         options={"verify_signature": False})["sub"]

    async def scenario() -> dict:
        chat = await ChatSocket.open(app.ws_url, _token(app, subject=subject))
        pong = await chat.ping()
        await chat.close()
        return pong

    assert asyncio.run(scenario()) == {"type": "pong"}


def _user_message(payload: str) -> str:
    return '{"type": "user_message", "message_id": "m1", "payload": ' + payload + "}"


INVALID_FRAMES: dict[str, str | bytes] = {
    "junk": "this is not JSON {",
    "not_an_object": "[1, 2, 3]",
    "no_type": '{"payload": {}}',
    "unknown_type": '{"type": "launch_rockets"}',
    "no_payload": '{"type": "user_message", "message_id": "m1"}',
    "no_message_id": '{"type": "user_message", "payload": {"text": "hi", "thread_id": null}}',
    "text_not_a_string": _user_message('{"text": 5, "thread_id": null}'),
    "blank_text": _user_message('{"text": "   ", "thread_id": null}'),
    "too_long": _user_message('{"text": "' + "x" * 4001 + '", "thread_id": null}'),
    "bad_thread_id": _user_message('{"text": "hi", "thread_id": 7}'),
    "unknown_thread": _user_message('{"text": "hi", "thread_id": "' + uuid.uuid4().hex + '"}'),
    "binary_frame": b'{"type": "ping"}',
    "stop_without_run_id": '{"type": "stop_agent", "payload": {}}',
}


@pytest.mark.parametrize("name", sorted(INVALID_FRAMES))
def test_invalid_message_is_answered_and_the_connection_stays_open(app: RunningApp, access_token: str,
                                                                   name: str):
    async def scenario() -> tuple[dict, dict]:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.send(INVALID_FRAMES[name])
        error = await chat.next_frame()
        pong = await chat.ping()
        await chat.close()
        return error, pong

    error, pong = asyncio.run(scenario())

    assert error["type"] == "error" and error["code"] == "INVALID_MESSAGE" and error["message"]
    assert pong == {"type": "pong"}


def test_text_of_exactly_4000_characters_is_accepted(app: RunningApp, access_token: str):
    async def scenario() -> dict:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask("y" * 4000)
        events = await chat.run_events()
        await chat.close()
        return events[-1]

    final = asyncio.run(scenario())

    assert final["type"] == "agent_completed"
    assert final["final_response"] == "Your message has 1 word and 4000 characters."


def test_the_invalid_message_does_not_echo_the_users_text(app: RunningApp, access_token: str):
    secret_text = "my-private-note-" + "z" * 4000

    async def scenario() -> dict:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask(secret_text)
        error = await chat.next_frame()
        await chat.close()
        return error

    error = asyncio.run(scenario())

    assert error["code"] == "INVALID_MESSAGE" and "4000" in error["message"]
    assert "my-private-note" not in error["message"]
