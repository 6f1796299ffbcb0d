"""The run vocabulary and what a frame codec is: written once, for every product and transport.

A target profile's codec (``targets/<name>/codec.py``) turns its product's wire frames into these
events and back; the recorder, the tampering and the checks read only these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

Direction = Literal["sent", "received"]

# The suite's run vocabulary (the contract's event names: CONTRACT.md section 4).
RUN_STARTED = "agent_started"
THINKING = "agent_thinking"
TOOL_EXECUTING = "tool_executing"
TOOL_COMPLETED = "tool_completed"
DELTA = "agent_response_delta"
COMPLETED = "agent_completed"
ERROR = "agent_error"
RUN_EVENTS = (RUN_STARTED, THINKING, TOOL_EXECUTING, TOOL_COMPLETED, DELTA, COMPLETED, ERROR)


# Transport notes of frames that belong to the connection itself (handshake, keep-alive, upgrade,
# acknowledgements): the tampering never drops or holds them, or the connection itself would break.
# A codec's other transport frames (a product's bookkeeping, such as a run's closing notice or an answer
# sent whole after its stream) are no run events either, but the tampering's rules apply to them: a
# silenced run must not end on the page because its bookkeeping slipped through.
CONNECTION_NOTES = frozenset({
    "open", "close", "ping", "pong", "probe", "upgrade", "noop", "connect", "disconnect", "ack", "binary ack",
    "connection_established", "heartbeat",
})


@dataclass(frozen=True)
class Decoded:
    """What one wire frame means to the suite.

    ``events``: run-vocabulary events (dicts with a ``type``), usually one.
    ``transport``: keep-alive, upgrade, acknowledgement or bookkeeping frames of the
    product's protocol; never "the agent said something", never dropped or held by
    the tampering. ``note`` says which.
    ``unreadable``: the codec cannot read it; ``note`` says why, naming the frame.
    """

    kind: Literal["events", "transport", "unreadable"]
    events: tuple[dict[str, Any], ...] = ()
    note: str = ""


class FrameCodec(Protocol):
    """Wire frames to the run vocabulary and back. One instance per recording: it may keep state."""

    def decode(self, direction: Direction, payload: str | bytes) -> Decoded: ...

    def encode(self, event: Mapping[str, Any]) -> list[str]:
        """The wire frames that make the page see ``event`` (a run-vocabulary dict), for injection."""
        ...

    def run_of(self, any_id: str) -> str | None:
        """The run id that an id seen in the page (a run's, or a message's of that run) belongs to."""
        ...

    def keepalive_frame(self) -> str | None:
        """A server-to-page frame that keeps the transport alive while the browser clock is moved, or None."""
        ...

    def server_close_code(self, code: int) -> int | None:
        """The close code to put on the real server's leg when the page is shown ``code`` (None: no code)."""
        ...

    def keepalive_answered(self) -> bool:
        """Whether the page answers ``keepalive_frame`` (a pong the tampering swallows), or only takes it."""
        ...

    def close_is_a_frame(self) -> bool:
        """Whether the server's end of a connection is part of a run (an HTTP stream ends with its run), so
        that a silenced run withholds it from the page; False for a WebSocket."""
        ...


@dataclass(frozen=True)
class RunRules:
    """Which run events a product's protocol has, and which fields the suite may require of them."""

    # Events a successful run must carry, in the vocabulary.
    critical_events: tuple[str, ...]
    # Fields every run event carries, and each type's own (checked only where listed).
    common_fields: tuple[str, ...] = ()
    event_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Error codes an agent_error may carry; empty: any.
    error_codes: tuple[str, ...] = ()

    @property
    def events(self) -> tuple[str, ...]:
        """Every run event the protocol has at all."""
        return tuple(name for name in RUN_EVENTS if name in self.event_fields or name in self.critical_events)
