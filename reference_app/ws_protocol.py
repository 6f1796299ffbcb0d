"""Client-to-server frames of the WebSocket protocol, parsed and checked.

Anything that is not exactly one of the three known messages raises
``InvalidMessage`` with a reason a person can act on; the connection answers it
with an ``INVALID_MESSAGE`` error and stays open. Reasons never repeat the
user's text.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

KNOWN_TYPES = ("user_message", "stop_agent", "ping")
_THREAD_ID = re.compile(r"^[0-9a-f]{32}$")
_MAX_ID_CHARS = 128


class InvalidMessage(ValueError):
    """A client frame the protocol does not allow; the message says why."""


@dataclass(frozen=True)
class UserMessage:
    message_id: str
    text: str
    thread_id: str | None


@dataclass(frozen=True)
class StopAgent:
    run_id: str


@dataclass(frozen=True)
class Ping:
    pass


ClientMessage = UserMessage | StopAgent | Ping


def _identifier(container: dict[str, Any], name: str, where: str) -> str:
    value = container.get(name)
    if not isinstance(value, str) or not 0 < len(value) <= _MAX_ID_CHARS:
        raise InvalidMessage(f"{where}{name} must be a string of 1 to {_MAX_ID_CHARS} characters")
    return value


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    payload = message.get("payload")
    if not isinstance(payload, dict):
        raise InvalidMessage(f"{message['type']} needs a payload object")
    return payload


def parse_client_message(frame: str | bytes | None, *, max_text_chars: int,
                         max_frame_chars: int) -> ClientMessage:
    """The message in one WebSocket frame, or ``InvalidMessage``."""
    if not isinstance(frame, str):
        raise InvalidMessage("frames must be JSON text, not binary")
    if len(frame) > max_frame_chars:
        raise InvalidMessage(f"frame longer than {max_frame_chars} characters")
    try:
        message = json.loads(frame)
    except json.JSONDecodeError:
        raise InvalidMessage("frame is not valid JSON") from None
    if not isinstance(message, dict):
        raise InvalidMessage("a message must be a JSON object")
    message_type = message.get("type")
    if not isinstance(message_type, str):
        raise InvalidMessage("a message needs a string field 'type'")
    if message_type not in KNOWN_TYPES:
        shown = message_type if len(message_type) <= 40 else message_type[:40] + "…"
        raise InvalidMessage(f"unknown message type {shown!r}; known types: {', '.join(KNOWN_TYPES)}")

    if message_type == "ping":
        return Ping()
    if message_type == "stop_agent":
        return StopAgent(run_id=_identifier(_payload(message), "run_id", "payload."))

    message_id = _identifier(message, "message_id", "")
    payload = _payload(message)
    text = payload.get("text")
    if not isinstance(text, str):
        raise InvalidMessage("payload.text must be a string")
    if not text.strip():
        raise InvalidMessage("payload.text must not be blank")
    if len(text) > max_text_chars:
        raise InvalidMessage(f"payload.text is {len(text)} characters long; the limit is {max_text_chars}")
    thread_id = payload.get("thread_id")
    if thread_id is not None and (not isinstance(thread_id, str) or not _THREAD_ID.match(thread_id)):
        raise InvalidMessage("payload.thread_id must be null (a new thread) or the id of one of your threads")
    return UserMessage(message_id=message_id, text=text, thread_id=thread_id)
