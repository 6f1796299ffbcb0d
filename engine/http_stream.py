"""The ``http-stream`` transport: answers streamed as the body of a ``fetch`` response (server-sent events).

Why an in-page wrapper of ``window.fetch``, not Playwright's routing and not a proxy:

- ``route.fulfill`` takes a whole body, so a routed stream reaches the page at once, after
  the run ended (microsoft/playwright#33564); ``page.on("response")`` reads a body only
  once it ended. Neither can show the page a stream as it streams, let alone tamper with it.
- A loopback proxy would see real bytes, but it stands between the browser and every
  request of the product (cookies, redirects, the front-end bundle) and needs a port,
  a process and the product's URL rewritten. What a cut looks like to the page is what
  the page's reader sees: ``read()`` rejects with a ``TypeError`` and the request is gone.
  The wrapper gives the page exactly that (its stream errors, the real request is aborted
  so the server sees the disconnect too), so the proxy's one advantage is not needed.

So an init script (before the product's own scripts; products look ``fetch`` up when they
call it) replaces ``window.fetch``. A request whose URL the profile names as a *send*
(``request_matches``) is passed through, its body noted as a frame the page sent. A
response the profile names as a *stream* (``stream_matches``) is read by the wrapper;
the page gets a ``Response`` over a stream of the suite's own, into which each
server-sent message (text up to a blank line) is put:

- recording only: at once, by the wrapper, and noted to Python (``record``);
- tampered: only what Python hands back. Each message waits for the tampering's verdict
  (``SocketTamper.from_server``, the same rules as a WebSocket's), which returns what to
  put into the page's stream now: the message, nothing (dropped or held), injected
  messages, the end of the stream (a clean end, close code 1000) or an error (a cut, any
  other code). Deliveries not caused by a message (``lift``, an injection now, the clock's
  keep-alive) go in with ``page.evaluate``.

Each stream is one channel of the recorder (``open_socket``), named by its URL. A send
that comes while no stream is open opens the channel that the next stream joins, so a
rule that engages "from the start of the next run" engages on the stream that carries it.
The wrapper announces every message with ``console.debug(FRAME_SIGNAL)`` (tampered: once the
verdict on it came back, whatever it was), so that a test waiting for a frame, or for the
tampering to act on one (``SocketTamper.expect_acted``), waits on a Playwright event, never a
sleep; the same message is dispatched in the page as a ``e2e-frame`` event
(``pages/answer_watch.py`` times answers
by it, on the page's clock).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

BINDING = "__e2eHttpStream"
CONTROL = "__e2eHttpStreams"
FRAME_SIGNAL = "__e2e_http_stream_frame__"

# The wrapper. ``config``: the binding's name, the patterns (regular expressions' sources) of the
# requests that carry what the page sends and of the responses streamed to it, and whether Python
# decides what the page's streams get (tampered) or the wrapper hands each message over itself.
_WRAPPER_SCRIPT = r"""
(config) => {
  if (window[config.control]) return;
  const nativeFetch = window.fetch.bind(window);
  const sendPattern = new RegExp(config.sendPattern);
  const streamPattern = new RegExp(config.streamPattern);
  const binding = () => window[config.binding];
  const streams = new Map();
  let nextId = 0;
  const encoder = new TextEncoder();
  const signal = (direction, data) => {
    console.debug(config.signal);
    const detail = { direction, data, at: performance.now() };
    window.dispatchEvent(new CustomEvent('e2e-frame', { detail }));
  };
  const apply = (operations) => {
    for (const op of operations || []) {
      const stream = streams.get(op.id);
      if (!stream || stream.finished) continue;
      if (op.op === 'send') {
        stream.page.enqueue(encoder.encode(op.payload));
        signal('received', op.payload);
      } else if (op.op === 'end') {
        stream.finished = true;
        stream.page.close();
        stream.upstream.abort();
      } else if (op.op === 'cut') {
        stream.finished = true;
        stream.page.error(new TypeError('network error (' + op.reason + ')'));
        stream.upstream.abort();
      }
    }
  };
  window[config.control] = { apply };
  const bodyText = (body) => (typeof body === 'string' ? body : body == null ? '' : String(body));
  window.fetch = async function (input, init) {
    const url = new URL(typeof input === 'string' ? input : (input.url || String(input)), location.href).href;
    if (sendPattern.test(url)) {
      const body = init && init.body !== undefined ? bodyText(init.body) : '';
      // timed when it leaves; recorded once answered, with its answer (a run's id, say)
      window.dispatchEvent(new CustomEvent('e2e-frame', { detail: { direction: 'sent', data: body,
                                                                    at: performance.now() } }));
      const response = await nativeFetch(input, init);
      let answer = '';
      try { answer = await response.clone().text(); } catch (error) { answer = ''; }
      apply(await binding()({ kind: 'sent', url, body, status: response.status, answer }));
      console.debug(config.signal);
      return response;
    }
    if (!streamPattern.test(url)) return nativeFetch(input, init);
    const upstream = new AbortController();
    const given = init && init.signal;
    if (given) given.addEventListener('abort', () => upstream.abort());
    const response = await nativeFetch(input, Object.assign({}, init || {}, { signal: upstream.signal }));
    if (!response.body) return response;
    const id = nextId++;
    let page;
    const body = new ReadableStream({
      start(controller) { page = controller; },
      cancel() { const s = streams.get(id); if (s) s.finished = true; upstream.abort();
                 binding()({ kind: 'page-closed', id }); },
    });
    const stream = { page, upstream, finished: false };
    streams.set(id, stream);
    stream.page = page;
    await binding()({ kind: 'open', id, url, status: response.status });
    (async () => {
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      const hand = async (payload) => {
        if (config.tampered) {
          apply(await binding()({ kind: 'frame', id, payload }));
          console.debug(config.signal);  // judged, delivered or not: a test waiting on the tampering wakes
        } else {
          if (!stream.finished) { stream.page.enqueue(encoder.encode(payload)); signal('received', payload); }
          binding()({ kind: 'frame', id, payload });
        }
      };
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const payload = buffer.slice(0, end + 2);
            buffer = buffer.slice(end + 2);
            await hand(payload);
          }
        }
        if (buffer) await hand(buffer);
        if (config.tampered) apply(await binding()({ kind: 'end', id }));
        else {
          if (!stream.finished) { stream.finished = true; stream.page.close(); }
          binding()({ kind: 'end', id });
        }
      } catch (error) {
        if (stream.finished) return;  // the suite aborted it: the page was told already
        if (config.tampered) apply(await binding()({ kind: 'error', id, reason: String(error) }));
        else {
          stream.finished = true; stream.page.error(error);
          binding()({ kind: 'error', id, reason: String(error) });
        }
      }
    })();
    return new Response(body, { status: response.status, statusText: response.statusText,
                                headers: response.headers });
  };
}
"""


class StreamRecorder(Protocol):
    """What the transport feeds: the recorder's interface (``engine/recorder.py``)."""

    wait_for_any_frame: Callable[[float], None] | None

    def open_socket(self, url: str) -> int: ...

    def record(self, direction: Any, payload: str | bytes, *, socket: int = 0) -> Any: ...

    def record_close(self, socket: int, code: int | None = None) -> None: ...


class StreamTamper(Protocol):
    """What the transport hands a tampered stream's events to (``SocketTamper``)."""

    @property
    def recorder(self) -> StreamRecorder: ...

    def open_connection(self, url: str, page_side: Any, server_side: Any) -> Any: ...

    def from_page(self, connection: Any, payload: str | bytes) -> None: ...

    def from_server(self, connection: Any, payload: str | bytes) -> None: ...

    def server_closed(self, connection: Any, code: int | None, reason: str | None) -> None: ...

    def page_closed(self, connection: Any, code: int | None, reason: str | None) -> None: ...

    def attach_page(self, page: Page, wait_for_any_frame: Callable[[float], None]) -> None: ...


@dataclass(frozen=True)
class StreamPatterns:
    """Which requests carry what the page sends, and which responses stream to it (regex sources)."""

    send: str
    stream: str


def signal_waiter(page: Page) -> Callable[[float], None]:
    """A wait that returns when the wrapper hands the page a message (or the time is up); never sleeps."""

    def wait_for_any_frame(timeout_seconds: float) -> None:
        try:
            page.wait_for_event("console", predicate=lambda message: message.text == FRAME_SIGNAL,
                                timeout=max(timeout_seconds * 1000, 1))
        except PlaywrightError:
            pass  # a timeout or a closed page: the caller looks again and decides

    return wait_for_any_frame


def _install(page: Page, patterns: StreamPatterns, *, tampered: bool,
             on_call: Callable[[dict[str, Any]], Any]) -> None:
    page.expose_binding(BINDING, lambda _source, call: on_call(call))
    config = {"binding": BINDING, "control": CONTROL, "signal": FRAME_SIGNAL, "tampered": tampered,
              "sendPattern": patterns.send, "streamPattern": patterns.stream}
    page.add_init_script(f"({_WRAPPER_SCRIPT})({json.dumps(config)});")


# --- recording only ---------------------------------------------------------------------


def attach_streams(page: Page, recorder: StreamRecorder, patterns: StreamPatterns) -> None:
    """Record what the page sends and every message of its streams from now on; call before navigating."""
    channels: dict[int, int] = {}  # the wrapper's stream id -> the recorder's channel
    pending: list[int] = []  # a channel a send opened, for the next stream

    def on_call(call: dict[str, Any]) -> None:
        kind = call.get("kind")
        if kind == "sent":
            open_ones = [channel for stream, channel in channels.items() if stream >= 0]
            if open_ones:
                channel = open_ones[-1]
            elif pending:
                channel = pending[-1]
            else:
                channel = recorder.open_socket(str(call.get("url", "")))
                pending.append(channel)
            recorder.record("sent", str(call.get("body", "")), socket=channel)
            if call.get("answer"):  # the request's own answer (a run's id, say): what the server said to it
                recorder.record("received", str(call["answer"]), socket=channel)
        elif kind == "open":
            channel = pending.pop() if pending else recorder.open_socket(str(call.get("url", "")))
            urls = getattr(recorder, "socket_urls", None)
            if isinstance(urls, list) and channel < len(urls):
                urls[channel] = str(call.get("url", ""))  # the channel is the stream, from now on
            channels[int(call["id"])] = channel
        elif kind == "frame" and int(call["id"]) in channels:
            recorder.record("received", str(call.get("payload", "")), socket=channels[int(call["id"])])
        elif kind in ("end", "error", "page-closed") and int(call.get("id", -1)) in channels:
            channel = channels.pop(int(call["id"]))
            recorder.record_close(channel, 1000 if kind == "end" else 1006)

    _install(page, patterns, tampered=False, on_call=on_call)
    recorder.wait_for_any_frame = signal_waiter(page)


# --- tampered -----------------------------------------------------------------------------


@dataclass(eq=False)
class _PageStream:
    """The page's side of one stream: what the tampering sends goes into it (``RouteSide``)."""

    transport: HttpStreamRoute
    stream_id: int | None = None  # None until the page's stream opened
    waiting: list[dict[str, Any]] = field(default_factory=list)

    def send(self, message: str | bytes) -> None:
        payload = message.decode() if isinstance(message, bytes) else message
        self._apply({"op": "send", "payload": payload})

    def close(self, *, code: int | None = None, reason: str | None = None) -> None:
        if code in (None, 1000):
            self._apply({"op": "end"})
        else:
            self._apply({"op": "cut", "reason": f"{code} {reason or ''}".strip()})

    def _apply(self, operation: dict[str, Any]) -> None:
        if self.stream_id is None:
            self.waiting.append(operation)
            return
        self.transport.apply({**operation, "id": self.stream_id})


@dataclass(eq=False)
class _ServerStream:
    """The server's side of one stream: the page's sends are real requests already; closing aborts it."""

    page_stream: _PageStream
    closed: bool = False

    def send(self, message: str | bytes) -> None:
        """Nothing to do: what the page sent went to the server as its own request."""

    def close(self, *, code: int | None = None, reason: str | None = None) -> None:
        self.closed = True
        if self.page_stream.stream_id is not None:
            # Ends the real request; the page's stream is told by the tampering's own close.
            self.page_stream.transport.abort_upstream(self.page_stream.stream_id)


class HttpStreamRoute:
    """The tampered page's streams, each a connection of the tampering."""

    def __init__(self, page: Page, tamper: StreamTamper, patterns: StreamPatterns) -> None:
        self.page = page
        self.tamper = tamper
        self.patterns = patterns
        self.connections: dict[int, Any] = {}  # stream id -> the tampering's connection
        self._pending: Any = None  # a connection a send opened, for the next stream
        self._outbox: list[dict[str, Any]] | None = None  # deliveries answered to the wrapper's call
        self._aborted: set[int] = set()

    def install(self) -> None:
        _install(self.page, self.patterns, tampered=True, on_call=self._on_call)
        self.tamper.attach_page(self.page, signal_waiter(self.page))

    # what the tampering's sides do
    def apply(self, operation: dict[str, Any]) -> None:
        if self._outbox is not None:
            self._outbox.append(operation)
            return
        try:
            self.page.evaluate(f"(operations) => window.{CONTROL} && window.{CONTROL}.apply(operations)",
                               [operation])
        except PlaywrightError:
            pass  # the page went away (navigation, closed context): nothing to hand it

    def abort_upstream(self, stream_id: int) -> None:
        self._aborted.add(stream_id)

    def _new_connection(self, url: str) -> Any:
        page_side = _PageStream(self)
        return self.tamper.open_connection(url, page_side, _ServerStream(page_side))

    def _on_call(self, call: dict[str, Any]) -> list[dict[str, Any]]:
        outbox: list[dict[str, Any]] = []
        self._outbox = outbox
        try:
            self._handle(call)
        finally:
            self._outbox = None
        return outbox

    def _handle(self, call: dict[str, Any]) -> None:
        kind = call.get("kind")
        if kind == "sent":
            open_ones = [connection for connection in self.connections.values() if not connection.closed]
            if open_ones:
                connection = open_ones[-1]
            else:
                if self._pending is None:
                    self._pending = self._new_connection(str(call.get("url", "")))
                connection = self._pending
            self.tamper.from_page(connection, str(call.get("body", "")))
            if call.get("answer"):  # the request's own answer: recorded as the page got it, never tampered
                self.tamper.recorder.record("received", str(call["answer"]), socket=connection.socket)
            return
        stream_id = int(call.get("id", -1))
        if kind == "open":
            connection, self._pending = self._pending, None
            if connection is None:
                connection = self._new_connection(str(call.get("url", "")))
            self.connections[stream_id] = connection
            urls = getattr(self.tamper.recorder, "socket_urls", None)
            if isinstance(urls, list) and connection.socket < len(urls):
                urls[connection.socket] = str(call.get("url", ""))  # the channel is the stream, from now on
            page_side: _PageStream = connection.page_side
            page_side.stream_id = stream_id
            waiting, page_side.waiting = page_side.waiting, []
            for operation in waiting:
                self.apply({**operation, "id": stream_id})
            return
        connection = self.connections.get(stream_id)
        if connection is None:
            return
        if kind == "frame":
            if stream_id not in self._aborted:
                self.tamper.from_server(connection, str(call.get("payload", "")))
        elif kind == "end":
            self.tamper.server_closed(connection, 1000, "the server ended the stream")
        elif kind == "error":
            if stream_id not in self._aborted:
                self.tamper.server_closed(connection, 1006, str(call.get("reason", "")))
        elif kind == "page-closed":
            self.tamper.page_closed(connection, 1000, "the page stopped reading the stream")
