"""Tampering with the chat page's WebSocket: drop, hold back, inject, close, and lift (issue 5).

The page's socket is routed through Playwright (``page.route_web_socket``) to the
real server, registered before the page opens it. Both directions are forwarded
unless a rule says otherwise, and the recorder is fed from here with exactly what
the page was handed: for a routed socket Playwright's ``page.on("websocket")``
reports the server's originals instead (see fixtures/README.md).

What a test can ask for (``ws_tamper``):

- ``drop_server_frames(from_event=|after_event=|from_start_of_run=True)``: from the
  trigger on, every server frame on that socket is dropped, until lifted or the
  socket closes. The rule engages once: a later socket (a reconnect) is untouched.
- ``hold_server_frames(event_type, after_event=, release_after=)``: frames held back
  and handed over, in order, right after the first ``release_after`` frame, or on
  ``lift()``.
- ``inject_server_frame(frame, after_event=)``: a frame (an object, or raw text such
  as malformed JSON) handed to the page now, or right after the first frame of a type.
- ``close_from_server(code, reason, after_event=)``: the page sees the server close
  with ``code`` (1006, 1011, 1008, ...); the real server connection is closed too.
- ``lift()``: every rule; held frames are handed over.

Two consequences keep a simulation coherent with the real server behind it:

- A run the tampering silenced (frames dropped) or ended (an injected
  ``agent_completed``/``agent_error``) stays so: its later frames are dropped even
  after ``lift()``. The real server is still running it; letting its tail through
  would show the page a run that the scenario says never answered.
- For the same reason, a ``user_message`` the page sends while the server is still
  busy with a silenced run (it takes one run at a time) goes to the server when that
  run has ended there. The page sent it at once and the recorder says so.

A rule that never matched a frame makes the test an error in the fixture's
tear-down: a tampering test that tampered with nothing has shown nothing.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, WebSocket, WebSocketRoute

from engine.codec import CONNECTION_NOTES, RUN_EVENTS, Decoded, FrameCodec
from engine.recorder import TERMINAL_EVENTS, WebSocketRecorder, frame_waiter

Payload = str | bytes
# A frame to inject: a JSON object, raw text or bytes, or a function of the frame that
# triggered the injection (its parsed JSON), e.g. to name the run that frame belongs to.
FrameToInject = Mapping[str, Any] | Payload | Callable[[dict[str, Any]], Mapping[str, Any] | Payload]


class RouteSide(Protocol):
    """One side of a routed socket: what ``WebSocketRoute`` offers (a fake stands in for it in unit tests)."""

    def send(self, message: Payload) -> None: ...

    def close(self, *, code: int | None = None, reason: str | None = None) -> None: ...


def run_event(event_type: str, *, of: Mapping[str, Any], **fields: Any) -> dict[str, Any]:
    """A run event of the contract for the run ``of`` belongs to (same run_id and thread_id)."""
    return {
        "type": event_type,
        "timestamp": datetime.now(UTC).isoformat(),
        "run_id": of.get("run_id"),
        "thread_id": of.get("thread_id"),
        **fields,
    }


def _first_event(decoded: Decoded) -> dict[str, Any] | None:
    return decoded.events[0] if decoded.events else None


def _type_of(data: Mapping[str, Any] | None) -> str | None:
    value = data.get("type") if data is not None else None
    return value if isinstance(value, str) else None


def _run_id_of(data: Mapping[str, Any] | None) -> str | None:
    value = data.get("run_id") if data is not None else None
    return value if isinstance(value, str) else None


def _describe(decoded: Decoded, payload: Payload) -> str:
    if decoded.kind == "events":
        return "+".join(str(_type_of(event)) for event in decoded.events) or f"raw {payload!r:.60}"
    if decoded.kind == "transport":
        return f"({decoded.note or 'transport'})"
    return f"raw {payload!r:.60}"


# How many round trips to the page a keep-alive may take to be answered (each is a millisecond or so).
KEEPALIVE_ROUND_TRIPS = 500

# --- the connections ------------------------------------------------------------------


@dataclass(frozen=True)
class _Close:
    code: int
    reason: str
    close_server: bool  # False when the server closed first


@dataclass(eq=False)
class _ServerRun:
    """The run the server is busy with on one connection, as far as its frames tell."""

    run_id: str | None = None
    silenced: bool = False


@dataclass(eq=False)
class _Connection:
    socket: int  # the recorder's index
    page_side: RouteSide
    server_side: RouteSide
    closed: bool = False
    to_page: deque[Payload | _Close] = field(default_factory=deque)
    to_server: deque[Payload] = field(default_factory=deque)
    pumping_to_page: bool = False
    pumping_to_server: bool = False
    server_run: _ServerRun | None = None
    waiting_for_server: deque[Payload] = field(default_factory=deque)
    server_side_closed: bool = False  # the server ended it while the page was kept waiting


# --- rules ------------------------------------------------------------------------------


@dataclass(eq=False)
class TamperRule:
    """One thing the test asked the tampering to do; ``matched`` counts the frames it acted on."""

    description: str
    matched: int = 0
    lifted: bool = False

    def on_server_frame(self, connection: _Connection, event_type: str | None) -> str | None:
        """``"drop"``, ``"hold"`` or None (hand it over) for a server frame about to reach the page."""
        return None

    def after_delivery(self, tamper: SocketTamper, connection: _Connection, data: dict[str, Any] | None,
                       event_type: str | None) -> None:
        """A server frame of ``event_type`` has just been handed to the page."""

    def on_user_message(self, connection: _Connection) -> None:
        """The page sent a user_message on ``connection``."""

    def on_close(self, tamper: SocketTamper, connection: _Connection) -> None:
        """``connection`` closed."""

    def on_open(self, tamper: SocketTamper, connection: _Connection) -> None:
        """``connection`` opened."""

    def lift(self, tamper: SocketTamper) -> None:
        self.lifted = True


@dataclass(eq=False)
class _DropRule(TamperRule):
    from_event: str | None = None
    after_event: str | None = None
    from_start_of_run: bool = False
    engaged_on: int | None = None  # the socket it engaged on

    def on_server_frame(self, connection: _Connection, event_type: str | None) -> str | None:
        if self.lifted:
            return None
        if self.engaged_on is None and self.from_event is not None and event_type == self.from_event:
            self.engaged_on = connection.socket
        if self.engaged_on == connection.socket:
            self.matched += 1
            return "drop"
        return None

    def after_delivery(self, tamper: SocketTamper, connection: _Connection, data: dict[str, Any] | None,
                       event_type: str | None) -> None:
        if not self.lifted and self.engaged_on is None and event_type == self.after_event:
            self.engaged_on = connection.socket

    def on_user_message(self, connection: _Connection) -> None:
        if not self.lifted and self.engaged_on is None and self.from_start_of_run:
            self.engaged_on = connection.socket

    def on_close(self, tamper: SocketTamper, connection: _Connection) -> None:
        if self.engaged_on == connection.socket:
            self.lifted = True  # spent: its socket is gone, a reconnect starts afresh


@dataclass(eq=False)
class _HoldRule(TamperRule):
    event_type: str | None = None  # None: every frame
    after_event: str | None = None  # None: from the start
    release_after: str | None = None  # None: until lift()
    engaged_on: int | None = None
    held: list[tuple[_Connection, Payload]] = field(default_factory=list)

    def on_server_frame(self, connection: _Connection, event_type: str | None) -> str | None:
        if self.lifted:
            return None
        if self.engaged_on is None and self.after_event is None:
            self.engaged_on = connection.socket
        if self.engaged_on != connection.socket or event_type == self.release_after:
            return None
        if self.event_type is None or event_type == self.event_type:
            self.matched += 1
            return "hold"
        return None

    def after_delivery(self, tamper: SocketTamper, connection: _Connection, data: dict[str, Any] | None,
                       event_type: str | None) -> None:
        if self.lifted:
            return
        if self.engaged_on is None and event_type == self.after_event:
            self.engaged_on = connection.socket
        elif self.engaged_on == connection.socket and self.release_after is not None \
                and event_type == self.release_after:
            self.lift(tamper)

    def on_close(self, tamper: SocketTamper, connection: _Connection) -> None:
        if self.engaged_on == connection.socket:
            self.lifted = True
            self.held.clear()  # nowhere to hand them to

    def lift(self, tamper: SocketTamper) -> None:
        if self.lifted:
            return
        self.lifted = True
        held, self.held = self.held, []
        for connection, payload in held:
            tamper.log_action(f"released {tamper.excerpt(payload)} ({self.description})")
            tamper.enqueue(connection, payload)


@dataclass(eq=False)
class _ActionRule(TamperRule):
    """Inject a frame or close the socket right after the first server frame of a type."""

    after_event: str = ""
    inject: FrameToInject | None = None
    close: tuple[int, str] | None = None

    def after_delivery(self, tamper: SocketTamper, connection: _Connection, data: dict[str, Any] | None,
                       event_type: str | None) -> None:
        if self.lifted or event_type != self.after_event:
            return
        self.lifted = True
        self.matched += 1
        if self.inject is not None:
            tamper.inject_on(connection, self.inject, trigger=data or {})
        if self.close is not None:
            tamper.close_on(connection, *self.close)


@dataclass(eq=False)
class _OnOpenRule(TamperRule):
    """Inject a frame as the next connection opens: "now" on a transport that is closed while idle (an HTTP
    stream opens for a run), so the page reads it before anything the server says."""

    inject: FrameToInject | None = None

    def on_open(self, tamper: SocketTamper, connection: _Connection) -> None:
        if self.lifted or self.inject is None:
            return
        self.lifted = True
        self.matched += 1
        tamper.inject_on(connection, self.inject, trigger={})


# --- the controller ----------------------------------------------------------------------


class SocketTamper:
    """The rules for the test's routed socket, and the pipes that carry its frames both ways."""

    def __init__(self, recorder: WebSocketRecorder, codec: FrameCodec | None = None) -> None:
        self.recorder = recorder
        # Its own instance of the target's codec: frames are read here as they arrive, in the
        # order the server sent them, which is not the order the recorder reads them in.
        self.codec: FrameCodec = codec or type(recorder.codec)()
        self.rules: list[TamperRule] = []
        self.connections: list[_Connection] = []
        self.actions: list[str] = []  # what the tampering did, in order, for the report
        self._silenced_runs: set[str] = set()
        self._keepalives_unanswered = 0
        self._page: Page | None = None
        # True where connections open for a run and close after it (HTTP streams): "now" while idle is
        # the next connection's start.
        self._opens_per_run = False

    # --- wiring ---------------------------------------------------------------------------
    def route(self, page: Page, ws_url: str, matches: Callable[[str], bool] | None = None) -> None:
        """Route the page's sockets to ``ws_url`` (or those ``matches`` picks) through this tampering;
        call it before the page loads."""
        self._page = page
        matching = matches or (lambda url: url.split("?", 1)[0] == ws_url)
        page.route_web_socket(matching, self._on_page_socket)
        # Playwright still reports routed sockets: waiting on their frames lets a test wait for
        # what the tampering hands the page (``ws_recorder.wait_for``) without sleeping.
        sockets: list[WebSocket] = []
        page.on("websocket", lambda socket: sockets.append(socket) if matching(socket.url) else None)
        self.recorder.wait_for_any_frame = frame_waiter(page, sockets)

    def attach_page(self, page: Page, wait_for_any_frame: Callable[[float], None]) -> None:
        """For a transport that wires its connections itself (``engine/http_stream.py``): the page, and
        how a test waits for what the tampering hands it."""
        self._page = page
        self.recorder.wait_for_any_frame = wait_for_any_frame
        self._opens_per_run = True

    def _on_page_socket(self, page_side: WebSocketRoute) -> None:
        server_side = page_side.connect_to_server()
        connection = self.open_connection(page_side.url, page_side, server_side)
        # Handlers on both sides turn Playwright's own forwarding off: everything goes through here.
        page_side.on_message(lambda payload: self.from_page(connection, payload))
        server_side.on_message(lambda payload: self.from_server(connection, payload))
        page_side.on_close(lambda code, reason: self.page_closed(connection, code, reason))
        server_side.on_close(lambda code, reason: self.server_closed(connection, code, reason))

    def open_connection(self, url: str, page_side: RouteSide, server_side: RouteSide) -> _Connection:
        connection = _Connection(self.recorder.open_socket(url), page_side, server_side)
        self.connections.append(connection)
        for rule in list(self.rules):
            rule.on_open(self, connection)
        self._pump_all()
        return connection

    # --- what a test asks for ------------------------------------------------------------------
    def drop_server_frames(self, *, from_event: str | None = None, after_event: str | None = None,
                           from_start_of_run: bool = False) -> TamperRule:
        """Drop every server frame from ``from_event`` on (itself included), after ``after_event``,
        or from the page's next ``user_message`` on."""
        chosen = [name for name, value in (("from_event", from_event), ("after_event", after_event),
                                           ("from_start_of_run", from_start_of_run)) if value]
        if len(chosen) != 1:
            raise ValueError(f"name exactly one of from_event, after_event, from_start_of_run; got {chosen}")
        if from_event:
            description = f"drop every server frame from {from_event} on"
        elif after_event:
            description = f"drop every server frame after {after_event}"
        else:
            description = "drop every server frame from the start of the next run"
        return self._add(_DropRule(description, from_event=from_event, after_event=after_event,
                                   from_start_of_run=from_start_of_run))

    def hold_server_frames(self, event_type: str | None = None, *, after_event: str | None = None,
                           release_after: str | None = None) -> TamperRule:
        """Hold back server frames (of ``event_type``, or all) from now or after ``after_event``;
        hand them over right after the first ``release_after`` frame, or on ``lift()``."""
        what = f"{event_type} frames" if event_type else "every server frame"
        when = f" after {after_event}" if after_event else ""
        until = f" until {release_after} has been delivered" if release_after else " until lifted"
        return self._add(_HoldRule(f"hold back {what}{when}{until}", event_type=event_type,
                                   after_event=after_event, release_after=release_after))

    def inject_server_frame(self, frame: FrameToInject, *,
                            after_event: str | None = None) -> TamperRule | None:
        """Hand the page ``frame`` as if the server sent it: now, or right after the first ``after_event``.

        An injected ``agent_completed`` or ``agent_error`` ends its run for the page: the
        real server's later frames of that run are dropped (the contract puts the
        terminal event last).
        """
        if after_event is None:
            if self._opens_per_run and not any(not each.closed for each in self.connections):
                return self._add(_OnOpenRule(f"inject {self._label(frame)} as the next stream opens",
                                             inject=frame))
            self.inject_on(self._current_connection("inject a frame"), frame, trigger={})
            self._pump_all()
            return None
        return self._add(_ActionRule(f"inject {self._label(frame)} after {after_event}",
                                     after_event=after_event, inject=frame))

    def _label(self, frame: FrameToInject) -> str:
        if callable(frame):
            return "a computed frame"
        if isinstance(frame, str | bytes):
            return self.excerpt(frame)
        return str(_type_of(frame))

    def close_from_server(self, code: int, reason: str = "", *,
                          after_event: str | None = None) -> TamperRule | None:
        """Close the page's socket as the server would, with ``code``: now, or right after ``after_event``."""
        if after_event is None:
            self.close_on(self._current_connection(f"close with {code}"), code, reason)
            self._pump_all()
            return None
        return self._add(_ActionRule(f"close with {code} after {after_event}", after_event=after_event,
                                     close=(code, reason)))

    def lift(self) -> None:
        """Stop tampering: every rule is lifted and held frames are handed over, in order."""
        for rule in self.rules:
            if not rule.lifted:
                self.log_action(f"lifted: {rule.description}")
                rule.lift(self)
        self._pump_all()

    def expect_acted(self, rule: TamperRule, *, timeout: float) -> None:
        """Wait until ``rule`` has acted on a server frame (``timeout`` seconds at most), never sleeping.

        A test that silences the server must not move the browser clock on before the tampering
        did anything: a server slow to send the run's first frame (a busy machine) shows the page
        the same silence for another reason, and a rule that never matched makes the test an error
        in the fixture's tear-down. The wait is on the transport's frames (dropped ones included:
        a routed WebSocket reports the server's originals, an HTTP stream's wrapper signals every
        message it was handed a verdict on).
        """
        deadline = time.monotonic() + timeout
        while rule.matched == 0:
            if rule.lifted:  # its socket closed, or the test lifted it: it can no longer act, so no wait
                raise AssertionError(f"the tampering's rule ended before it acted ({rule.description}): "
                                     f"{self.report()}; frames: {self.recorder.summary()}")
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.recorder.wait_for_any_frame is None:
                raise AssertionError(f"the tampering never acted ({rule.description}) within {timeout:g} s: "
                                     f"the server sent no frame for it; frames: {self.recorder.summary()}")
            self.recorder.wait_for_any_frame(remaining)

    def unmatched_rules(self) -> list[TamperRule]:
        return [rule for rule in self.rules if rule.matched == 0]

    def report(self) -> str:
        rules = "\n".join(f"- {rule.description}: matched {rule.matched} frame(s), "
                          + ("no longer active" if rule.lifted else "still active") for rule in self.rules)
        return f"rules:\n{rules or '- none'}\nactions:\n" + "\n".join(self.actions or ["none"])

    # --- the pipes ------------------------------------------------------------------------------
    def keep_alive(self) -> bool:
        """Hand the page the transport's keep-alive (if its protocol has one), as the server would.

        The browser clock moved far ahead would otherwise fire the transport's own
        heartbeat timeout, and the page would reconnect for that reason instead of
        showing what the test is about. The page's answer is not passed on: the
        server did not ask for it. False when the protocol has none.
        """
        frame = self.codec.keepalive_frame()
        open_connections = [connection for connection in self.connections if not connection.closed]
        if frame is None or not open_connections or self._page is None:
            return False
        answered = self.codec.keepalive_answered()
        if answered:
            self._keepalives_unanswered += 1
        self.log_action("handed the page the transport's keep-alive (the browser clock is moved ahead)")
        self.enqueue(open_connections[-1], frame)
        self._pump_all()
        if not answered:
            return True  # a heartbeat the page does not answer: handed over is all there is to it
        # The page must have handled it before the clock moves: its answer says so. Each round trip
        # to the page lets Playwright hand that answer to from_page; nothing here sleeps.
        for _ in range(KEEPALIVE_ROUND_TRIPS):
            if not self._keepalives_unanswered:
                return True
            self._page.evaluate("0")
        raise AssertionError(f"the page did not answer the transport's keep-alive within "
                             f"{KEEPALIVE_ROUND_TRIPS} round trips; frames: {self.recorder.summary()}")

    def from_page(self, connection: _Connection, payload: Payload) -> None:
        self.recorder.record("sent", payload, socket=connection.socket)
        decoded = self.codec.decode("sent", payload)
        if decoded.kind == "transport" and decoded.note == "pong" and self._keepalives_unanswered:
            self._keepalives_unanswered -= 1
            return  # the answer to a keep-alive the tampering sent, not the server
        if _type_of(_first_event(decoded)) == "user_message":
            for rule in self.rules:
                rule.on_user_message(connection)
            if connection.server_run is not None and connection.server_run.silenced:
                self.log_action("a user_message waits until the server has ended the run it is silently "
                                "busy with")
                connection.waiting_for_server.append(payload)
                return
            self._start_server_run(connection)
        self._to_server(connection, payload)

    def from_server(self, connection: _Connection, payload: Payload) -> None:
        decoded = self.codec.decode("received", payload)
        if decoded.kind == "transport" and decoded.note in CONNECTION_NOTES:
            # The connection's own frames (keep-alive, upgrade, acks): no rule acts on them.
            self.enqueue(connection, payload)
            self._pump_all()
            return
        data = _first_event(decoded)
        event_type, run_id = _type_of(data), _run_id_of(data)
        server_run = connection.server_run
        if server_run is not None and server_run.run_id is None and run_id and event_type in RUN_EVENTS:
            server_run.run_id = run_id

        verdict, rule = self._verdict(connection, event_type, run_id)
        reason = rule.description if rule is not None else "its run was silenced or ended by the tampering"
        if verdict == "drop":
            self.log_action(f"dropped {_describe(decoded, payload)} ({reason})")
            if run_id:
                self._silenced_runs.add(run_id)
            if server_run is not None and (run_id is None or run_id == server_run.run_id):
                server_run.silenced = True
        elif verdict == "hold" and isinstance(rule, _HoldRule):
            self.log_action(f"held back {_describe(decoded, payload)} ({reason})")
            rule.held.append((connection, payload))
        else:
            # Every decision this frame leads to (a rule engaging, held frames released, a
            # frame injected) is queued before the pump below yields to the next handler.
            self.enqueue(connection, payload)
            for each in list(self.rules):
                each.after_delivery(self, connection, data, event_type)
        self._note_run_end(connection, event_type, run_id)
        self._pump_all()

    def _verdict(self, connection: _Connection, event_type: str | None,
                 run_id: str | None) -> tuple[str | None, TamperRule | None]:
        for rule in self.rules:
            verdict = rule.on_server_frame(connection, event_type)
            if verdict is not None:
                return verdict, rule
        if run_id is not None and run_id in self._silenced_runs:
            return "drop", None
        return None, None

    def _start_server_run(self, connection: _Connection) -> None:
        silenced = any(isinstance(rule, _DropRule) and not rule.lifted
                       and rule.engaged_on == connection.socket for rule in self.rules)
        connection.server_run = _ServerRun(silenced=silenced)

    def _note_run_end(self, connection: _Connection, event_type: str | None, run_id: str | None) -> None:
        server_run = connection.server_run
        if server_run is None:
            return
        ended = (event_type in TERMINAL_EVENTS and run_id is not None and run_id == server_run.run_id) or (
            event_type == "error" and server_run.run_id is None)  # the server refused the message
        if not ended:
            return
        connection.server_run = None
        if connection.waiting_for_server:
            self.log_action("the server ended the silenced run: the waiting user_message goes to it now")
            self._start_server_run(connection)
            self._to_server(connection, connection.waiting_for_server.popleft())

    def enqueue(self, connection: _Connection, payload: Payload) -> None:
        """Queue ``payload`` for the page, after whatever is already on its way (sent by ``_pump_all``)."""
        connection.to_page.append(payload)

    def inject_on(self, connection: _Connection, frame: FrameToInject, *, trigger: dict[str, Any]) -> None:
        chosen = frame(trigger) if callable(frame) else frame
        if isinstance(chosen, str | bytes):  # raw: exactly these bytes, e.g. a malformed frame
            payloads: list[Payload] = [chosen]
            data = _first_event(self.codec.decode("received", chosen))
        else:  # an event of the vocabulary, in the target's own protocol
            data = dict(chosen)
            payloads = list(self.codec.encode(data))
        run_id = _run_id_of(data)
        if _type_of(data) in TERMINAL_EVENTS and run_id:
            self._silenced_runs.add(run_id)
        for payload in payloads:
            self.log_action(f"injected {self.excerpt(payload)}")
            self.enqueue(connection, payload)

    def close_on(self, connection: _Connection, code: int, reason: str) -> None:
        self.log_action(f"closing the page's socket {connection.socket} from the server side with {code}")
        connection.to_page.append(_Close(code, reason, close_server=True))

    def _pump_all(self) -> None:
        for connection in self.connections:
            self._pump_to_page(connection)

    def _pump_to_page(self, connection: _Connection) -> None:
        # Playwright runs each handler in its own greenlet and a send may yield to the next
        # one: a single pump per direction keeps the page's frames in the order decided here.
        if connection.pumping_to_page:
            return
        connection.pumping_to_page = True
        try:
            while connection.to_page and not connection.closed:
                item = connection.to_page.popleft()
                if isinstance(item, _Close):
                    self._close(connection, item.code, item.reason, close_page=True,
                                close_server=item.close_server)
                    continue
                self.recorder.record("received", item, socket=connection.socket)
                try:
                    connection.page_side.send(item)
                except PlaywrightError as error:  # the page went away (navigation, closed context)
                    self.log_action(f"could not hand {self.excerpt(item)} to the page: {error.message}")
        finally:
            connection.pumping_to_page = False

    def _to_server(self, connection: _Connection, payload: Payload) -> None:
        connection.to_server.append(payload)
        if connection.pumping_to_server:
            return
        connection.pumping_to_server = True
        try:
            while connection.to_server and not connection.closed:
                try:
                    connection.server_side.send(connection.to_server.popleft())
                except PlaywrightError as error:
                    self.log_action(f"could not forward a frame to the server: {error.message}")
        finally:
            connection.pumping_to_server = False

    # --- closes ------------------------------------------------------------------------------------
    def page_closed(self, connection: _Connection, code: int | None, reason: str | None) -> None:
        """The page closed its socket: tell the server."""
        if not connection.closed:
            self._close(connection, code, reason or "", close_page=False, close_server=True)

    def server_closed(self, connection: _Connection, code: int | None, reason: str | None) -> None:
        """The server closed: the page sees it after the frames already on their way.

        Where the end of a connection is part of what the server says (an HTTP stream ends with its
        run), a run the tampering silenced keeps the page's side open: the page sees a silent server,
        not one that hung up.
        """
        if connection.closed:
            return
        silencing = any(isinstance(rule, _DropRule) and not rule.lifted
                        and rule.engaged_on == connection.socket for rule in self.rules)
        if self.codec.close_is_a_frame() and (silencing or (connection.server_run is not None
                                                             and connection.server_run.silenced)):
            self.log_action(f"withheld the server's end of {connection.socket} from the page (its run is "
                            "silenced)")
            connection.server_side_closed = True
            return
        if not connection.closed:
            connection.to_page.append(_Close(code or 1006, reason or "", close_server=False))
            self._pump_all()

    def _close(self, connection: _Connection, code: int | None, reason: str, *, close_page: bool,
               close_server: bool) -> None:
        connection.closed = True
        self.recorder.record_close(connection.socket, code)
        for rule in self.rules:
            rule.on_close(self, connection)
        sides: list[tuple[RouteSide, int | None]] = []
        if close_page:
            sides.append((connection.page_side, code))
        if close_server:
            sides.append((connection.server_side, self.codec.server_close_code(code) if code else None))
        for side, side_code in sides:
            try:
                side.close(code=side_code, reason=reason)
            except PlaywrightError as error:  # that side is already gone
                self.log_action(f"closing a side of socket {connection.socket}: {error.message}")

    # --- helpers -------------------------------------------------------------------------------------
    def excerpt(self, payload: Payload) -> str:
        """What a frame is, for the tampering's log (read by a fresh codec: describing changes nothing)."""
        return _describe(type(self.codec)().decode("received", payload), payload)

    def log_action(self, text: str) -> None:
        self.actions.append(text)

    def _add(self, rule: TamperRule) -> TamperRule:
        self.rules.append(rule)
        self.log_action(f"rule: {rule.description}")
        return rule

    def _current_connection(self, doing: str) -> _Connection:
        open_connections = [connection for connection in self.connections if not connection.closed]
        if not open_connections:
            raise AssertionError(f"cannot {doing}: the page has no open routed WebSocket "
                                 f"({len(self.connections)} opened so far)")
        return open_connections[-1]
