"""What a target profile is: the one place that knows one kind of chat product.

The tests in ``e2e/`` speak one vocabulary: page objects with the interface of
``pages/`` (``LoginPage``, ``ChatPage``, ``AiMessage`` ...), and the run events of
the contract (``agent_started``, ``agent_thinking``, ``tool_executing``,
``tool_completed``, ``agent_response_delta``, ``agent_completed``, ``agent_error``;
the page's ``user_message`` and ``stop_agent``). A profile translates: its page
objects find the product's own elements, and its frame codec turns the product's
wire frames into those events and back. Everything else (the recorder, the
tampering, the clock, the evidence, the promises table, the truth gate) is shared.

A newcomer adding a product writes one folder under ``targets/`` with a
``TargetProfile`` in its ``__init__.py`` and registers its name in
``targets/__init__.py``; see ``targets/GUIDE.md``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal, Protocol

from engine.http_stream import StreamPatterns
from fixtures.embedded_app import AppStartFailure
from fixtures.preflight import PreflightFailure
from fixtures.settings import TargetConfig

if TYPE_CHECKING:
    from playwright.sync_api import Page

__all__ = ["AppStartFailure", "BundledApp", "Decoded", "FrameCodec", "PreflightFailure", "RunRules",
           "StreamPatterns", "TargetConfig", "TargetProfile"]

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


class BundledApp(Protocol):
    """A bundled app of the profile's kind, started for a run that names no base URL."""

    backend_url: str
    log_path: Path

    def start(self, email: str, password: str) -> None: ...

    def stop(self) -> None: ...

    def remove_workdir(self) -> None: ...

    def describe(self) -> str:
        """One line for the terminal: what was started, where, and its log."""
        ...


class TargetProfile:
    """One kind of product. Subclass it in ``targets/<name>/__init__.py``; see targets/GUIDE.md."""

    #: the name given to ``--target``
    name: str = ""
    #: what kind of product, for reports ("Acme Chat 3.x")
    title: str = ""
    #: the module holding the page objects: ``LoginPage``, ``ChatPage`` (and their components)
    pages: ModuleType
    #: the run events its protocol has, and the fields the suite checks
    rules: RunRules
    #: words that name this product or its protocol (its name, its transport library's): they appear in
    #: code only inside the profile's own folder (tests/unit/test_product_words.py), and in the
    #: registry's one line
    product_words: tuple[str, ...] = ()
    #: whether ``nox -s findings`` and the bench run the suite against its bundled app (a product whose
    #: findings are recorded in ``expected-promises.json`` beside it)
    has_findings: bool = False
    #: the bench's target: its suite ``-n 2`` takes at most this many times the contract suite's wall time
    speed_target_ratio: float | None = None
    #: tests whose promise the product cannot make at all: ``"e2e/test_x.py::test_name": "why"``.
    #: Declared, never inferred at run time; shown in the promises table and the report.
    not_applicable: Mapping[str, str] = {}

    def preflight(self, base_url: str, *, source: str, patience_seconds: float) -> TargetConfig:
        """Is the product up, and is it this kind of product? Raises PreflightFailure in one line."""
        raise NotImplementedError

    def check_credentials(self, config: TargetConfig, email: str, password: str) -> None:
        """One sign-in attempt outside the browser; raises PreflightFailure if it is refused."""
        raise NotImplementedError

    def new_codec(self) -> FrameCodec:
        raise NotImplementedError

    def bundled_app(self, root: Path) -> BundledApp:
        """The app started when no base URL is given."""
        raise NotImplementedError

    #: how the page talks to the product: ``websocket`` (the chat's socket, ``socket_matches``) or
    #: ``http-stream`` (requests it sends and responses streamed back, ``stream_patterns``)
    transport: Literal["websocket", "http-stream"] = "websocket"

    def stream_patterns(self, config: TargetConfig) -> StreamPatterns:
        """``http-stream``: which requests carry what the page sends, which responses stream to it."""
        raise NotImplementedError

    def socket_matches(self, config: TargetConfig, url: str) -> bool:
        """Whether ``url`` is the chat's WebSocket (the one recorded and tampered with)."""
        return url.split("?", 1)[0] == config.ws_url

    def block_reconnection(self, page: Page, config: TargetConfig) -> Callable[[], None] | None:
        """Keep the chat's socket down after a drop, until the returned callable lets it through again.

        None (the default): the page reconnects on a timer of its own, and the paused browser clock
        holds it (``fixtures/clock.py`` ``ReconnectionHold``).
        """
        return None

    def malformed_frames(self) -> tuple[str, ...]:
        """Frames a product's page must ignore, in its own protocol: cut-off, not an object, untyped,
        of an unknown kind (``e2e/test_connection.py`` injects them while idle and mid-run)."""
        raise NotImplementedError

    def sensitive_regions(self) -> tuple[str, ...]:
        """CSS selectors of regions whose text is a credential: masked in every screenshot."""
        return ()
