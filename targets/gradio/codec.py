"""Gradio's queue protocol, read into the suite's run vocabulary (``targets/base.py``).

What the page sends (the bodies of its requests, ``engine/http_stream.py``):

- ``POST /gradio_api/run/predict`` ``{"data": [typed], "fn_index", "trigger_id", "session_hash",
  "event_data"}``: ChatInterface's first step (``_clear_and_save_textbox``) takes the typed text (a
  string, or ``{"text": ...}``): that is the ``user_message``. Its other steps' requests (the history,
  the state) are bookkeeping.
- ``POST /gradio_api/queue/join``, same shape: the run itself (its data are the saved message and
  history, held server-side: ``[null, null]``). The first join's answer after a user message,
  ``{"event_id": ...}`` (recorded right after it, as received), names the run that message started.
- ``POST /gradio_api/cancel`` ``{"event_id", "fn_index", "session_hash"}``: ``stop_agent``.

What the page receives: the messages of ``GET /gradio_api/queue/data`` (``text/event-stream``, one
``data: {json}`` each; ``gradio/server_messages.py``), all carrying the run's ``event_id``:

- ``heartbeat``: the connection's own keep-alive (every 15 s); ``estimation``, ``progress``, ``log``,
  ``close_stream``: bookkeeping (transport; the tampering's rules apply to them);
- ``process_starts``: bookkeeping. Every queued event of the page streams one, ChatInterface's own
  steps too (in 6.31.0 the step after the answer that re-enables the textbox streams
  ``process_starts`` and a ``process_completed`` whose outputs hold no chat history). So an event is a
  run, and ``agent_started`` is read, only at its first message whose outputs hold the chat history,
  or at its failure;
- ``process_generating``: the run's outputs, whole the first time and then as edits
  (``["replace"|"append"|"add"|"delete", path, value]``, ``gradio/utils.py`` ``diff``) of the last
  ones. The codec keeps each run's outputs and compares the chat history (the output that is a list
  of ``{"role", "content"}`` messages) before and after: a new assistant message with
  ``metadata.title`` is ``tool_executing`` (its ``metadata.status`` ``done``: ``tool_completed``), text
  added to the answer (an assistant message without a title) is ``agent_response_delta``;
- ``process_completed``: the last outputs whole; ``success`` true is ``agent_completed`` (its
  ``final_response`` the answer's text), false ``agent_error`` (``output.error``, ``title``);
- ``unexpected_error``: ``agent_error`` of the open run.

Gradio sends no ``thinking`` and no thread id: the run vocabulary's fields it lacks are not asked for
(the profile's ``RunRules``).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from targets.base import Decoded, Direction

KEEPALIVE_FRAME = 'data: {"msg": "heartbeat", "event_id": null}\n\n'
BOOKKEEPING = ("estimation", "progress", "log", "close_stream", "process_streaming")
EDITS = ("replace", "append", "add", "delete")
ERROR_CODE = "ERROR"  # Gradio has no error codes; its error carries a title ("Error") and a message


class _EditsDoNotApply(Exception):
    """A message's edits do not apply to the outputs the codec holds (a message before it was not seen)."""


def sse_data(payload: str) -> str | None:
    """The ``data:`` of one server-sent message (lines joined by newlines), or None if it has none."""
    lines = [line[5:].removeprefix(" ") for line in payload.split("\n") if line.startswith("data:")]
    return "\n".join(lines) if lines else None


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a chat message, whatever the content's shape (a string, or Gradio 6's list of parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, Mapping):
        content = [content]
    if isinstance(content, list):
        return "".join(str(part.get("text", "")) for part in content
                       if isinstance(part, Mapping) and part.get("type", "text") == "text")
    return ""


def _is_edit_list(value: Any) -> bool:
    return isinstance(value, list) and all(
        isinstance(edit, list) and len(edit) == 3 and edit[0] in EDITS and isinstance(edit[1], list)
        for edit in value)


def apply_edits(value: Any, edits: list[list[Any]]) -> Any:
    """``value`` with Gradio's edits applied, as its client does (``apply_diff``)."""
    result = copy.deepcopy(value)
    for action, path, new in edits:
        if not path:
            if action == "replace":
                result = copy.deepcopy(new)
            elif action == "append":
                result = result + new
            continue
        parent = result
        for key in path[:-1]:
            parent = parent[key]
        last = path[-1]
        if action == "replace":
            parent[last] = copy.deepcopy(new)
        elif action == "append":
            parent[last] = parent[last] + new
        elif action == "add":
            if isinstance(parent, list):
                parent.insert(last, copy.deepcopy(new))
            else:
                parent[last] = copy.deepcopy(new)
        elif action == "delete":
            del parent[last]
    return result


def _history_of(outputs: list[Any]) -> list[Mapping[str, Any]] | None:
    for value in outputs:
        if isinstance(value, list) and value and all(isinstance(item, Mapping) and "role" in item
                                                     for item in value):
            return value
    return None


@dataclass(eq=False)
class _Run:
    event_id: str
    outputs: list[Any] | None = None
    announced: int = 0  # assistant messages already read into events
    answer_seen: str = ""  # the answer's text already sent as deltas
    tools_done: set[int] = field(default_factory=set)
    started: bool = False
    ended: bool = False


class GradioCodec:
    """One per recording: it keeps each run's outputs, to read the edits of the next message."""

    def __init__(self) -> None:
        self._runs: dict[str, _Run] = {}
        self._turns: list[str | None] = []  # the run each user message started, by turn
        self._open: str | None = None

    # --- the FrameCodec interface -------------------------------------------------------
    def run_of(self, any_id: str) -> str | None:
        """A run's event id, or the run of a turn (``turn-N``: the reply to the N-th user message)."""
        if any_id.startswith("turn-"):
            index = any_id.removeprefix("turn-")
            if index.isdigit() and int(index) < len(self._turns):
                return self._turns[int(index)]
            return None
        return any_id if any_id in self._runs else None

    def keepalive_frame(self) -> str:
        return KEEPALIVE_FRAME

    def keepalive_answered(self) -> bool:
        return False  # the page only reads heartbeats

    def close_is_a_frame(self) -> bool:
        return True  # the queue's stream ends once its runs are over

    def server_close_code(self, code: int) -> int | None:
        return None  # an HTTP stream has no close code: it ends, or it is cut

    def decode(self, direction: Direction, payload: str | bytes) -> Decoded:
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
        if direction == "sent":
            return self._decode_sent(text)
        stripped = text.strip()
        if stripped.startswith("{"):  # the answer of a request the page sent (engine/http_stream.py)
            return self._decode_request_answer(stripped)
        data = sse_data(text)
        if data is None:
            if not stripped or stripped.startswith(":"):
                return Decoded("transport", note="comment")
            return Decoded("unreadable", note=f"a server-sent message without data: {text[:80]!r}")
        try:
            message = json.loads(data)
        except ValueError:
            return Decoded("unreadable", note=f"its data is not JSON: {data[:80]!r}")
        if not isinstance(message, dict) or not isinstance(message.get("msg"), str):
            return Decoded("unreadable", note=f"its data is not a queue message with a msg: {data[:80]!r}")
        return self._decode_message(message)

    def encode(self, event: Mapping[str, Any]) -> list[str]:
        """The queue messages that make the page see ``event`` (agent_error, agent_completed)."""
        kind = event.get("type")
        event_id = event.get("run_id") or self._open
        if kind == "agent_error":
            # As Gradio's server sends an exception of the chat function under its default
            # show_error=False (seen in targets/gradio/streams/handler-raises.sse): no message reaches the
            # page; a deployment that sets show_error=True, or raises gr.Error, would carry it.
            message = {"msg": "process_completed", "event_id": event_id, "output": {"error": None},
                       "success": False, "title": None}
            return [f"data: {json.dumps(message)}\n\n"]
        if kind == "agent_completed":
            run = self._runs.get(str(event_id))
            outputs = copy.deepcopy(run.outputs) if run is not None and run.outputs is not None else []
            message = {"msg": "process_completed", "event_id": event_id, "success": True,
                       "output": {"data": outputs, "is_generating": False}}
            return [f"data: {json.dumps(message)}\n\n"]
        if kind == "agent_response_delta":
            message = {"msg": "process_generating", "event_id": event_id, "success": True,
                       "output": {"data": [], "is_generating": True}}
            return [f"data: {json.dumps(message)}\n\n"]
        return []

    # --- what the page sent --------------------------------------------------------------
    def _decode_sent(self, text: str) -> Decoded:
        try:
            body = json.loads(text) if text else None
        except ValueError:
            return Decoded("transport", note="request")
        if not isinstance(body, dict):
            return Decoded("transport", note="request")
        if "data" not in body and "event_id" in body:
            return Decoded("events", ({"type": "stop_agent", "run_id": body.get("event_id")},))
        data = body.get("data")
        first = data[0] if isinstance(data, list) and data else None
        typed = first.get("text") if isinstance(first, Mapping) else first
        if isinstance(typed, str):
            self._turns.append(None)
            return Decoded("events", ({"type": "user_message", "payload": {"text": typed}},))
        return Decoded("transport", note="join")

    def _decode_request_answer(self, text: str) -> Decoded:
        try:
            answer = json.loads(text)
        except ValueError:
            return Decoded("transport", note="answer")  # a request's answer is no frame of the stream
        event_id = answer.get("event_id") if isinstance(answer, dict) else None
        if not isinstance(event_id, str):
            return Decoded("transport", note="answer")
        if isinstance(event_id, str) and self._turns and self._turns[-1] is None:
            self._turns[-1] = event_id
            self._runs.setdefault(event_id, _Run(event_id))
        return Decoded("transport", note="queued")

    # --- what the stream said ------------------------------------------------------------
    def _decode_message(self, message: dict[str, Any]) -> Decoded:
        kind = message["msg"]
        event_id = message.get("event_id")
        if kind == "heartbeat":
            return Decoded("transport", note="heartbeat")
        if kind in BOOKKEEPING:
            return Decoded("transport", note=kind)
        if kind == "unexpected_error":
            run_id = self._open
            return Decoded("events", ({"type": "agent_error", "run_id": run_id, "code": ERROR_CODE,
                                       "message": str(message.get("message", ""))},))
        if not isinstance(event_id, str):
            return Decoded("unreadable", note=f"a {kind} message without an event_id")
        run = self._runs.setdefault(event_id, _Run(event_id))
        if kind == "process_starts":
            return Decoded("transport", note="process_starts")
        try:
            if kind == "process_generating":
                return self._generating(run, message)
            if kind == "process_completed":
                return self._completed(run, message)
        except _EditsDoNotApply as error:
            return Decoded("unreadable", note=f"a {kind} message whose edits do not apply to the outputs "
                                              f"before it ({error}): {json.dumps(message)[:120]}")
        return Decoded("unreadable", note=f"a queue message of an unknown kind {kind!r}")

    def _start(self, run: _Run) -> list[dict[str, Any]]:
        """``agent_started`` for ``run`` the first time it shows itself as the chat's run, else nothing."""
        if run.started:
            return []
        run.started = True
        self._open = run.event_id
        return [{"type": "agent_started", "run_id": run.event_id}]

    def _outputs_from(self, run: _Run, message: dict[str, Any]) -> list[Any] | None:
        output = message.get("output")
        data = output.get("data") if isinstance(output, Mapping) else None
        if not isinstance(data, list):
            return None
        if run.outputs is None or not all(_is_edit_list(value) for value in data):
            return copy.deepcopy(data)
        try:
            return [apply_edits(old, edits) if _is_edit_list(edits) else edits
                    for old, edits in zip(run.outputs, data, strict=False)]
        except (IndexError, KeyError, TypeError, ValueError) as error:
            raise _EditsDoNotApply(f"{type(error).__name__}: {error}") from None

    def _generating(self, run: _Run, message: dict[str, Any]) -> Decoded:
        outputs = self._outputs_from(run, message)
        if outputs is None:
            return Decoded("unreadable", note="a process_generating message without output.data")
        run.outputs = outputs
        if not run.started and _history_of(outputs) is None:
            return Decoded("transport", note="not the chat's event")
        events = self._start(run) + self._history_events(run)
        return Decoded("events", tuple(events)) if events else Decoded("transport", note="no change")

    def _completed(self, run: _Run, message: dict[str, Any]) -> Decoded:
        run.ended = True
        try:
            return self._completion(run, message)
        finally:
            if self._open == run.event_id:
                self._open = None

    def _completion(self, run: _Run, message: dict[str, Any]) -> Decoded:
        if not message.get("success"):
            output = message.get("output")
            output = output if isinstance(output, Mapping) else {}
            error = output.get("error")
            failed = {"type": "agent_error", "run_id": run.event_id, "code": ERROR_CODE,
                      "message": "" if error is None else str(error), "title": message.get("title"),
                      "visible": output.get("visible")}
            return Decoded("events", (*self._start(run), failed))
        outputs = self._outputs_from(run, message)
        if outputs is not None:
            run.outputs = outputs
        if not run.started and _history_of(run.outputs or []) is None:
            return Decoded("transport", note="not the chat's event")
        events = self._start(run) + self._history_events(run)
        events.append({"type": "agent_completed", "run_id": run.event_id,
                       "final_response": self._answer_text(run), "status": "success"})
        return Decoded("events", tuple(events))

    def _assistant_messages(self, run: _Run) -> list[Mapping[str, Any]]:
        history = _history_of(run.outputs or []) or []
        # the run's own messages: the assistant ones after the last user message
        last_user = max((index for index, item in enumerate(history) if item.get("role") == "user"),
                        default=-1)
        return [item for item in history[last_user + 1:] if item.get("role") == "assistant"]

    def _answer_text(self, run: _Run) -> str:
        answers = [item for item in self._assistant_messages(run) if not _title(item)]
        return message_text(answers[-1]) if answers else ""

    def _history_events(self, run: _Run) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        for position, item in enumerate(self._assistant_messages(run)):
            title = _title(item)
            if not title:
                continue
            if position >= run.announced:
                events.append({"type": "tool_executing", "run_id": run.event_id, "tool_name": title,
                               "execution_id": f"{run.event_id}:{position}"})
            status = (item.get("metadata") or {}).get("status")
            if status == "done" and position not in run.tools_done:
                run.tools_done.add(position)
                events.append({"type": "tool_completed", "run_id": run.event_id, "tool_name": title,
                               "execution_id": f"{run.event_id}:{position}", "success": True})
        run.announced = max(run.announced, len(self._assistant_messages(run)))
        answer = self._answer_text(run)
        if answer != run.answer_seen:
            delta = answer[len(run.answer_seen):] if answer.startswith(run.answer_seen) else answer
            run.answer_seen = answer
            if delta:
                events.append({"type": "agent_response_delta", "run_id": run.event_id, "delta": delta})
        return events


def _title(message: Mapping[str, Any]) -> str:
    metadata = message.get("metadata")
    title = metadata.get("title") if isinstance(metadata, Mapping) else None
    return str(title) if title else ""


# Server-sent messages Gradio's page should ignore: cut-off JSON, data that is no object, an object with
# no msg, a msg Gradio does not know (e2e/test_connection.py injects them into the queue's stream).
MALFORMED_FRAMES = (
    'data: {"msg": "process_starts", "event_id": \n\n',
    "data: [1, 2, 3]\n\n",
    'data: {"no_msg": "an object without a msg"}\n\n',
    'data: {"msg": "e2e_unknown_event", "event_id": null, "detail": "a msg Gradio does not know"}\n\n',
)
