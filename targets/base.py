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
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Literal, Protocol

from engine.codec import CONNECTION_NOTES, RUN_EVENTS, Decoded, Direction, FrameCodec, RunRules
from engine.http_stream import StreamPatterns
from engine.preflight import PreflightFailure
from engine.processes import AppStartFailure
from engine.settings import TargetConfig

if TYPE_CHECKING:
    from playwright.sync_api import Page

# What a profile needs, from one place (the engine's types, re-exported).
__all__ = ["CONNECTION_NOTES", "RUN_EVENTS", "AppStartFailure", "BundledApp", "Decoded", "Direction",
           "FrameCodec", "PreflightFailure", "RunRules", "StreamPatterns", "TargetConfig", "TargetProfile"]

class BundledApp(Protocol):
    """A bundled app of the profile's kind, started for a run that names no base URL."""

    backend_url: str
    log_path: Path

    def start(self, email: str, password: str) -> None:
        """``launch`` then ``wait_ready``."""
        ...

    def launch(self, email: str, password: str) -> None:
        """Start it and set ``backend_url``; it may not answer before ``wait_ready`` returns."""
        ...

    def wait_ready(self) -> None:
        """Return once it answers; ``AppStartFailure`` (one line) if it does not."""
        ...

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

    def closed_words(self, code: int) -> str:
        """How a findings line names the server side ending the connection with ``code`` mid-run."""
        if self.transport == "websocket":
            return f"the socket closed with {code}"
        if code == 1000:
            return "the answer's stream ended cleanly (1000)"
        return f"the answer's stream was cut ({code})"

    def stream_patterns(self, config: TargetConfig) -> StreamPatterns:
        """``http-stream``: which requests carry what the page sends, which responses stream to it."""
        raise NotImplementedError

    def socket_matches(self, config: TargetConfig, url: str) -> bool:
        """Whether ``url`` is the chat's WebSocket (the one recorded and tampered with)."""
        return url.split("?", 1)[0] == config.ws_url

    def block_reconnection(self, page: Page, config: TargetConfig) -> Callable[[], None] | None:
        """Keep the chat's socket down after a drop, until the returned callable lets it through again.

        None (the default): the page reconnects on a timer of its own, and the paused browser clock
        holds it (``engine/clock.py`` ``ReconnectionHold``).
        """
        return None

    def malformed_frames(self) -> tuple[str, ...]:
        """Frames a product's page must ignore, in its own protocol: cut-off, not an object, untyped,
        of an unknown kind (``e2e/test_connection.py`` injects them while idle and mid-run)."""
        raise NotImplementedError

    def sensitive_regions(self) -> tuple[str, ...]:
        """CSS selectors of regions whose text is a credential: masked in every screenshot."""
        return ()
