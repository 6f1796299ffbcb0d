"""Watch the answers as the user sees them: every change of an answer's text or status, in order, on the
browser's own clock, and the page's WebSocket frames beside them.

A MutationObserver in the page notes each visible state of the newest answer the moment the DOM
changes, with ``performance.now()``, so a streaming check sees every intermediate text, not just the
ones a poll happens to catch, and a latency figure is measured where the user is, not from Python's
clock after the fact. The same script wraps ``WebSocket.prototype.send``: every frame the page sends is
noted when it leaves, and the socket it leaves on gets a ``message`` listener whose events carry their
own ``timeStamp`` (the same clock). That works on a page that is already open: the first send of the
user's message attaches the listener before any answer to it can arrive.

The watch knows no product: what an answer is (its selector), how to read its text, status, run id and
"complete", which sent frame is the user's message and which received frame is the run speaking, come
from the page object as an ``AnswerSpec`` (JavaScript functions as source text, run inside the page).
The notes stay in the page and are read once the test has seen what it waited for: the observer runs
before any later evaluation, so nothing is still in flight.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

_OBSERVER_SCRIPT = """
(key, spec) => {
  if (window[key]) return;
  const notes = window[key] = { samples: [], sent: [], received: [] };
  const attempt = (read, value, fallback) => {
    try { return read(value); } catch (error) { return fallback; }
  };
  let previous = null;
  const snapshot = () => {
    const answers = document.querySelectorAll(spec.selector);
    if (answers.length === 0) return;
    const answer = answers[answers.length - 1];
    const sample = {
      index: answers.length - 1,
      run_id: String(attempt(spec.runId, answer, '') || ''),
      status: String(attempt(spec.status, answer, '') || ''),
      text: String(attempt(spec.text, answer, '') ?? ''),
      complete: Boolean(attempt(spec.complete, answer, false)),
    };
    const serialized = JSON.stringify(sample);
    if (serialized === previous) return;
    previous = serialized;
    sample.at = performance.now();
    notes.samples.push(sample);
  };
  const options = { subtree: true, childList: true, characterData: true };
  if (spec.attributes.length) Object.assign(options, { attributes: true, attributeFilter: spec.attributes });
  new MutationObserver(snapshot).observe(document, options);
  snapshot();

  const heard = new WeakSet();
  const listen = (socket) => {
    if (heard.has(socket)) return;
    heard.add(socket);
    socket.addEventListener('message', (event) => {
      notes.received.push({ at: event.timeStamp, run: Boolean(attempt(spec.runFrame, event.data, false)) });
    });
  };
  // A transport that is not a WebSocket (engine/http_stream.py) announces each frame as an event.
  window.addEventListener('e2e-frame', (event) => {
    const frame = event.detail || {};
    if (frame.direction === 'sent') {
      notes.sent.push({ at: frame.at, message: Boolean(attempt(spec.sentMessage, frame.data, false)) });
    } else {
      notes.received.push({ at: frame.at, run: Boolean(attempt(spec.runFrame, frame.data, false)) });
    }
  });
  const send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    listen(this);
    notes.sent.push({ at: performance.now(), message: Boolean(attempt(spec.sentMessage, data, false)) });
    return send.call(this, data);
  };
}
"""


@dataclass(frozen=True)
class AnswerSpec:
    """How a product's page shows its answers; each function is JavaScript source run inside the page."""

    selector: str  # CSS selector of every answer; the newest answer is the last match
    text: str = "(answer) => answer.innerText"  # the answer as the user sees it
    status: str = "(answer) => ''"
    run_id: str = "(answer) => ''"
    complete: str = "(answer) => false"  # the answer is final
    attributes: tuple[str, ...] = ()  # attributes whose change is a new state (status, run id)
    sent_message: str = "(data) => true"  # this frame the page sends is the user's message
    run_frame: str = "(data) => true"  # this frame the page receives is the run speaking (not a pong)

    def as_javascript(self) -> str:
        return ("{" + f"selector: {json.dumps(self.selector)}, text: {self.text}, status: {self.status}, "
                f"runId: {self.run_id}, complete: {self.complete}, "
                f"attributes: {json.dumps(list(self.attributes))}, "
                f"sentMessage: {self.sent_message}, runFrame: {self.run_frame}" + "}")


@dataclass(frozen=True)
class AnswerSample:
    index: int
    run_id: str
    status: str
    text: str
    at: float = 0.0  # performance.now() in the page, milliseconds
    complete: bool = False


@dataclass(frozen=True)
class WatchMark:
    """Where the notes stood just before a message was sent: what comes after belongs to its answer."""

    samples: int
    sent: int
    received: int
    answers: int


@dataclass(frozen=True)
class AnswerTiming:
    """One answer's latency on the page's clock, in seconds from the moment the user's message frame left."""

    first_frame_seconds: float  # the first frame of the run on the socket
    first_token_seconds: float  # the first visible character of the answer
    complete_seconds: float  # the answer became complete
    chars_per_second: float | None  # characters shown per second while streaming; None: shown at once
    answer_chars: int


class TimingUnavailable(Exception):
    """The page's notes lack a moment the timing needs; the message names it."""


def _visible_chars(text: str) -> int:
    return len(" ".join(text.split()))


class AnswerWatch:
    """The visible states of the newest answer, from ``start()`` on (per document: a reload starts afresh)."""

    def __init__(self, page: Page, spec: AnswerSpec) -> None:
        self.page = page
        self.spec = spec
        self._key = f"__e2eAnswerNotes_{secrets.token_hex(4)}"

    def start(self) -> AnswerWatch:
        # The init script covers documents loaded later, the evaluate the one shown now.
        call = f"({_OBSERVER_SCRIPT})({json.dumps(self._key)}, {self.spec.as_javascript()})"
        self.page.add_init_script(call + ";")
        self.page.evaluate(f"() => {{ {call}; }}")
        return self

    def _notes(self) -> dict[str, Any]:
        notes = self.page.evaluate("(key) => window[key] || { samples: [], sent: [], received: [] }",
                                   self._key)
        return dict(notes)

    def samples(self) -> list[AnswerSample]:
        return [AnswerSample(int(item["index"]), item["run_id"], item["status"], item["text"],
                             float(item["at"]), bool(item["complete"]))
                for item in self._notes()["samples"]]

    def of_run(self, run_id: str) -> list[AnswerSample]:
        return [sample for sample in self.samples() if sample.run_id == run_id]

    def mark(self) -> WatchMark:
        """Call just before sending: the timing of the answer that follows is taken from here."""
        counts = self.page.evaluate(
            "([key, selector]) => { const notes = window[key] || { samples: [], sent: [], received: [] };"
            " return [notes.samples.length, notes.sent.length, notes.received.length,"
            " document.querySelectorAll(selector).length]; }", [self._key, self.spec.selector])
        return WatchMark(*(int(count) for count in counts))

    def timing_since(self, mark: WatchMark) -> AnswerTiming:
        """The timing of the first answer started after ``mark``; call once it is complete."""
        notes = self._notes()
        sent = [frame for frame in notes["sent"][mark.sent:] if frame["message"]]
        if not sent:
            raise TimingUnavailable("the page sent no message frame after the mark: nothing to time from")
        send_at = float(sent[0]["at"])
        first_frame = next((float(frame["at"]) for frame in notes["received"][mark.received:]
                            if frame["run"] and float(frame["at"]) >= send_at), None)
        if first_frame is None:
            raise TimingUnavailable("no frame of the run reached the page's socket after the message left")
        states = [AnswerSample(int(item["index"]), item["run_id"], item["status"], item["text"],
                               float(item["at"]), bool(item["complete"]))
                  for item in notes["samples"][mark.samples:] if int(item["index"]) == mark.answers]
        complete = next((state for state in states if state.complete), None)
        if complete is None:
            raise TimingUnavailable(f"answer {mark.answers} never became complete in the page's notes")
        shown = [state for state in states if state.at <= complete.at and _visible_chars(state.text)]
        if not shown:
            raise TimingUnavailable(f"answer {mark.answers} became complete without a visible character")
        first = shown[0]
        # the last moment the text grew: a later state that only changes the status is not streaming
        grown, chars = first, _visible_chars(first.text)
        for state in shown[1:]:
            if _visible_chars(state.text) > chars:
                grown, chars = state, _visible_chars(state.text)
        rate = None
        if grown.at > first.at:
            rate = (chars - _visible_chars(first.text)) / ((grown.at - first.at) / 1000)
        return AnswerTiming(
            first_frame_seconds=round((first_frame - send_at) / 1000, 4),
            first_token_seconds=round((first.at - send_at) / 1000, 4),
            complete_seconds=round((complete.at - send_at) / 1000, 4),
            chars_per_second=None if rate is None else round(rate, 2),
            answer_chars=_visible_chars(complete.text),
        )
