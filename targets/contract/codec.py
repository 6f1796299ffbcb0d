"""The contract's frames (CONTRACT.md section 4): flat JSON objects with a ``type``: the vocabulary."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from targets.base import Decoded, Direction, RunRules

# CONTRACT.md section 4: the five critical events, fields every run event carries, then each type's own.
CONTRACT_RULES = RunRules(
    critical_events=("agent_started", "agent_thinking", "tool_executing", "tool_completed",
                     "agent_completed"),
    common_fields=("type", "timestamp", "run_id", "thread_id"),
    event_fields={
        "agent_started": ("agent_name", "task_description", "user_id"),
        "agent_thinking": ("reasoning",),
        "tool_executing": ("tool_name", "parameters", "execution_id"),
        "tool_completed": ("tool_name", "results", "duration", "execution_id", "success"),
        "agent_response_delta": ("delta",),
        "agent_completed": ("status", "final_response"),
        "agent_error": ("code", "message", "recoverable"),
    },
    error_codes=("AGENT_TIMEOUT", "TOOL_FAILED", "AGENT_FAILED"),
)

# Frames of the connection itself, not of any run: the handshake and the keep-alive.
TRANSPORT_TYPES = frozenset({"connection_established", "ping", "pong"})

# Close codes a client may put in a close frame (RFC 6455 7.4): others, such as 1006,
# only ever describe a connection that ended without one.
SENDABLE_CLOSE_CODES = frozenset({1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011})


class ContractCodec:
    """Identity: a JSON object is one event; anything else (binary, junk, a list) is unreadable."""

    def decode(self, direction: Direction, payload: str | bytes) -> Decoded:
        if not isinstance(payload, str):
            return Decoded("unreadable", note=f"a binary frame of {len(payload)} bytes")
        try:
            value = json.loads(payload)
        except ValueError:
            return Decoded("unreadable", note=f"not JSON: {payload!r:.80}")
        if not isinstance(value, dict):
            return Decoded("unreadable", note=f"JSON but not an object: {payload!r:.80}")
        if value.get("type") in TRANSPORT_TYPES:
            return Decoded("transport", note=str(value["type"]))
        return Decoded("events", (value,))

    def encode(self, event: Mapping[str, Any]) -> list[str]:
        return [json.dumps(dict(event))]

    def run_of(self, any_id: str) -> str | None:
        return any_id or None  # an ai-message's data-run-id is the run's own id

    def keepalive_frame(self) -> str | None:
        return None  # the contract's socket has no heartbeat that a moved clock could break

    def keepalive_answered(self) -> bool:
        return True

    def close_is_a_frame(self) -> bool:
        return False

    def server_close_code(self, code: int) -> int | None:
        return code if code in SENDABLE_CLOSE_CODES else None


# Frames the contract's page ignores (CONTRACT.md section 4): cut-off JSON, JSON that is not an object,
# an object without a type, a type the contract does not know.
MALFORMED_FRAMES = (
    '{"type": "agent_started", "run_id": ',
    "[1, 2, 3]",
    '{"no_type": "an object without a type"}',
    json.dumps({"type": "e2e_unknown_event", "detail": "a type the contract does not know"}),
)
