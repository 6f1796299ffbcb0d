"""Chainlit 2.x wire frames to the suite's run vocabulary, and back (for injection).

The wire is socket.io 5 over engine.io 4 on ``/ws/socket.io/``; the suite sees the
frames of the upgraded WebSocket (one engine.io packet a frame). What is what:

Transport, never "the agent said something" (``Decoded.kind == "transport"``):

- engine.io ``0`` open, ``1`` close, ``2`` ping, ``3`` pong, ``2probe``/``3probe``
  probe, ``5`` upgrade, ``6`` noop; socket.io ``40`` connect, ``41`` disconnect,
  ``43`` ack, ``44`` connect_error (its note carries the server's reason: that is
  how Chainlit refuses a socket whose session cookie is not valid).
- Chainlit's bookkeeping: ``task_start``, ``task_end`` (the server sends one after
  every (re)connect too, so it cannot end a run), ``clear_ask``, ``clear_call_fn``,
  ``first_interaction``, ``token_usage``, ``set_commands``, ``set_modes``,
  ``set_favorites``, ``set_sidebar_*``, ``chat_settings``, ``element``,
  ``remove_element``, ``action``, ``remove_action``, ``audio_*``, ``window_message``,
  ``reload``, ``resume_thread``, ``resume_thread_error``, ``ask``, ``call_fn``,
  ``ask_timeout``, ``call_fn_timeout``, ``delete_message``; a toast that is not an error;
  steps and messages outside any run (``on_chat_start``'s, or "Task manually
  stopped.", which Chainlit sends with no parent); a step update that neither ends
  a step nor changes an answer.
- What the page sends besides the two below (``connection_successful``,
  ``fetch_favorites``, ``edit_message``, ...).

Run events (``Decoded.kind == "events"``); a *run* is the ``on_message`` run step
(``new_message`` with ``type: "run"``) and its ``id`` is the run id:

- ``agent_started``: ``new_message`` of a run step whose parent is a message the
  page sent (or named ``on_message``).
- ``agent_thinking``: none; Chainlit has no such event (its page shows a cursor).
- ``tool_executing``: ``new_message`` of any other step inside a run (``tool``,
  ``llm``, ``retrieval``, ...).
- ``tool_completed``: ``update_message`` (or a ``new_message`` already ended) of
  that step with ``end`` set; ``success`` is ``not isError``.
- ``agent_response_delta``: ``stream_start`` (its ``output`` is the first token),
  ``stream_token``; an answer sent or updated whole gives its new text.
- ``agent_completed``: ``update_message`` ending the run step without ``isError``;
  ``final_response`` is the run's last answer.
- ``agent_error``: ``update_message`` ending the run step with ``isError``
  (``AGENT_FAILED``, the step's output as message, or "stopped at the user's
  request" after a ``stop``); also a ``cl.ErrorMessage`` or an error toast in a run.
- ``user_message`` (sent): ``client_message``, as ``{"message_id", "payload":
  {"text", "thread_id"}}``.
- ``stop_agent`` (sent): ``stop``, as ``{"payload": {"run_id"}}`` of the open run.

Timestamps are the frame's own (``start``/``end``/``createdAt``); ``stream_token``
carries none, so its delta is stamped when it is decoded. Unreadable
(``Decoded.kind == "unreadable"``, the note names the frame): binary frames, an
engine.io or socket.io packet that does not parse, an event name the Chainlit
2.12 page does not listen for, a known event whose data is not an object.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from targets.base import Decoded, Direction

# engine.io packet types (the first character of a text frame)
_ENGINE_OPEN, _ENGINE_CLOSE, _ENGINE_PING, _ENGINE_PONG, _ENGINE_MESSAGE, _ENGINE_UPGRADE, _ENGINE_NOOP = (
    "0", "1", "2", "3", "4", "5", "6")
# socket.io packet types (the character after engine.io's "4")
_SOCKET_NOTES = {"0": "connect", "1": "disconnect", "3": "ack", "4": "connect_error", "6": "binary ack"}
_SOCKET_EVENT, _SOCKET_BINARY_EVENT = "2", "5"

KEEPALIVE_FRAME = "2"  # engine.io ping, server to page: the page answers "3" and re-arms its heartbeat timer

# Every event Chainlit 2.12's page listens for (``socket.on`` in its bundle); the ones not
# decoded as run events are bookkeeping.
SERVER_EVENTS = frozenset({
    "action", "ask", "ask_timeout", "audio_chunk", "audio_connection", "audio_interrupt", "call_fn",
    "call_fn_timeout", "chat_settings", "clear_ask", "clear_call_fn", "delete_message", "element",
    "first_interaction", "new_message", "reload", "remove_action", "remove_element", "resume_thread",
    "resume_thread_error", "set_commands", "set_favorites", "set_modes", "set_sidebar_elements",
    "set_sidebar_title", "stream_start", "stream_token", "task_end", "task_start", "toast", "token_usage",
    "update_message", "window_message",
})
# Every event Chainlit 2.12's page emits.
CLIENT_EVENTS = frozenset({
    "audio_chunk", "audio_end", "audio_start", "chat_settings_change", "chat_settings_edit", "clear_session",
    "client_message", "connection_successful", "edit_message", "fetch_favorites", "message_favorite", "stop",
    "window_message",
})
MESSAGE_STEP_TYPES = frozenset({"user_message", "assistant_message", "system_message"})
RUN_STEP_NAME = "on_message"
AGENT_FAILED = "AGENT_FAILED"
SERVER_LEG_CLOSE_CODE = 4000


def _transport(note: str) -> Decoded:
    return Decoded("transport", note=note)


def _unreadable(note: str, payload: str | bytes) -> Decoded:
    return Decoded("unreadable", note=f"{note}: {payload!r:.120}")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _timestamp(step: Mapping[str, Any], *keys: str) -> str:
    for key in keys:
        value = step.get(key)
        if isinstance(value, str) and value:
            return value
    return _now()


def _seconds_between(start: Any, end: Any) -> float:
    try:
        elapsed = datetime.fromisoformat(str(end)) - datetime.fromisoformat(str(start))
        return max(elapsed.total_seconds(), 0.0)
    except ValueError:
        return 0.0


def _as_object(value: Any, key: str) -> dict[str, Any]:
    """A step's input or output as an object: JSON objects as they are, anything else under ``key``."""
    if isinstance(value, str) and value.startswith("{"):
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {key: value}


@dataclass
class _Run:
    run_id: str
    thread_id: str | None
    step: dict[str, Any]  # the run step's last dict as sent
    answer_id: str | None = None  # the last assistant message of the run
    answer: str = ""  # what that message shows
    ended: bool = False


@dataclass
class _Sent:
    text: str
    user: str


@dataclass
class ChainlitCodec:
    """One per recording: it remembers which message and step belongs to which run."""

    _run_of: dict[str, str] = field(default_factory=dict)  # any step/message id -> run id
    _runs: dict[str, _Run] = field(default_factory=dict)
    _steps: dict[str, dict[str, Any]] = field(default_factory=dict)  # non-run steps' last dicts
    _texts: dict[str, str] = field(default_factory=dict)  # assistant message id -> text shown
    _sent: dict[str, _Sent] = field(default_factory=dict)  # user message id -> what the page sent
    _stopped: set[str] = field(default_factory=set)  # runs the page asked to stop
    _open_run: str | None = None
    _thread_id: str | None = None

    # --- reading ---------------------------------------------------------------------
    def run_of(self, any_id: str) -> str | None:
        """The run id a message or step id belongs to (an answer's DOM id ``step-<id>`` names its message)."""
        if any_id.startswith("step-"):
            any_id = any_id[len("step-"):]
        return any_id if any_id in self._runs else self._run_of.get(any_id)

    def keepalive_frame(self) -> str:
        return KEEPALIVE_FRAME

    def keepalive_answered(self) -> bool:
        return True  # the page answers engine.io's ping with a pong

    def close_is_a_frame(self) -> bool:
        return False

    def server_close_code(self, code: int) -> int | None:
        """The server's leg of a routed socket is a browser WebSocket: it takes 1000 and 3000-4999 only
        (1011 there is ignored and the server keeps sending). 4000 stands for any other code."""
        return code if code == 1000 or 3000 <= code <= 4999 else SERVER_LEG_CLOSE_CODE

    def decode(self, direction: Direction, payload: str | bytes) -> Decoded:
        if isinstance(payload, bytes):
            return _unreadable("a binary frame (Chainlit's run events are text)", payload)
        if not payload:
            return _unreadable("an empty frame", payload)
        kind, rest = payload[0], payload[1:]
        if kind == _ENGINE_PING:
            return _transport("probe" if rest == "probe" else "ping")
        if kind == _ENGINE_PONG:
            return _transport("probe" if rest == "probe" else "pong")
        if kind == _ENGINE_OPEN:
            return _transport("open")
        if kind == _ENGINE_CLOSE:
            return _transport("close")
        if kind == _ENGINE_UPGRADE:
            return _transport("upgrade")
        if kind == _ENGINE_NOOP:
            return _transport("noop")
        if kind != _ENGINE_MESSAGE or not rest:
            return _unreadable("not an engine.io packet", payload)
        socket_kind, body = rest[0], rest[1:]
        if socket_kind in _SOCKET_NOTES:
            note = _SOCKET_NOTES[socket_kind]
            if socket_kind == "4":
                note = f"connect_error {body[:200]}"
            return _transport(note)
        if socket_kind == _SOCKET_BINARY_EVENT:
            return _unreadable("a socket.io binary event (Chainlit's run events are text)", payload)
        if socket_kind != _SOCKET_EVENT:
            return _unreadable("not a socket.io packet", payload)
        return self._decode_event(direction, body, payload)

    def _decode_event(self, direction: Direction, body: str, payload: str) -> Decoded:
        # [namespace","][ack id]<JSON array>
        if body.startswith("/"):
            comma = body.find(",")
            if comma < 0:
                return _unreadable("a socket.io event with a namespace and no data", payload)
            body = body[comma + 1:]
        bracket = body.find("[")
        if bracket < 0 or (bracket > 0 and not body[:bracket].isdigit()):  # digits before it: an ack id
            return _unreadable("a socket.io event that is not a JSON array", payload)
        try:
            value = json.loads(body[bracket:])
        except ValueError:
            return _unreadable("a socket.io event whose JSON does not parse", payload)
        if not isinstance(value, list) or not value or not isinstance(value[0], str):
            return _unreadable("a socket.io event without a name", payload)
        name, arguments = value[0], value[1:]
        data = arguments[0] if arguments else {}
        if direction == "sent":
            if name not in CLIENT_EVENTS:
                return _unreadable(f"the page sent {name!r}, an event Chainlit 2.12's page does not send",
                                   payload)
            return self._decode_sent(name, data, payload)
        if name not in SERVER_EVENTS:
            return _unreadable(f"{name!r} is not an event Chainlit 2.12's page listens for", payload)
        handler = {
            "new_message": self._new_message,
            "update_message": self._update_message,
            "stream_start": self._stream_start,
            "stream_token": self._stream_token,
            "toast": self._toast,
        }.get(name)
        if handler is None:
            return _transport(name)
        if not isinstance(data, dict):
            return _unreadable(f"{name!r} whose data is not an object", payload)
        return handler(data)

    def _decode_sent(self, name: str, data: Any, payload: str) -> Decoded:
        if name == "client_message":
            message = data.get("message") if isinstance(data, dict) else None
            if not isinstance(message, dict) or not isinstance(message.get("output"), str):
                return _unreadable("a client_message without message.output", payload)
            message_id = str(message.get("id") or "")
            self._sent[message_id] = _Sent(message["output"], str(message.get("name") or ""))
            thread_id = message.get("threadId") or self._thread_id
            return Decoded("events", ({
                "type": "user_message",
                "message_id": message_id,
                "timestamp": _timestamp(message, "createdAt"),
                "payload": {"text": message["output"], "thread_id": thread_id},
            },))
        if name == "stop":
            if self._open_run:
                self._stopped.add(self._open_run)
            return Decoded("events", ({"type": "stop_agent", "timestamp": _now(),
                                       "payload": {"run_id": self._open_run}},))
        return _transport(name)

    # --- server events -------------------------------------------------------------------
    def _new_message(self, step: dict[str, Any]) -> Decoded:
        step_id = str(step.get("id") or "")
        step_type = step.get("type")
        if isinstance(step.get("threadId"), str) and step["threadId"]:
            self._thread_id = step["threadId"]
        parent = str(step.get("parentId") or "")
        if step_type == "run" and (parent in self._sent or step.get("name") == RUN_STEP_NAME) \
                and step_id not in self._runs:
            return self._run_started(step_id, step, parent)
        run_id = self.run_of(parent) if parent else None
        if run_id is None:
            return _transport(f"new_message outside a run ({step_type} {step.get('name')!r})")
        self._run_of[step_id] = run_id
        run = self._runs[run_id]
        if step_type in MESSAGE_STEP_TYPES:
            return self._answer_shown(run, step)
        self._steps[step_id] = dict(step)
        events = [self._tool_executing(run, step)]
        if step.get("end"):  # sent once, already finished
            events.append(self._tool_completed(run, step, step))
        return Decoded("events", tuple(events))

    def _update_message(self, step: dict[str, Any]) -> Decoded:
        step_id = str(step.get("id") or "")
        if step_id in self._runs:
            return self._run_updated(self._runs[step_id], step)
        run_id = self.run_of(step_id)
        if run_id is None:
            # A step of a run whose new_message the page has not seen (yet): its parent names the run.
            run_id = self.run_of(str(step.get("parentId") or ""))
            if run_id is None:
                return _transport(f"update_message outside a run ({step.get('type')} {step.get('name')!r})")
            self._run_of[step_id] = run_id
        run = self._runs[run_id]
        if step.get("type") in MESSAGE_STEP_TYPES:
            return self._answer_shown(run, step)
        before = self._steps.get(step_id, {})
        self._steps[step_id] = dict(step)
        if step.get("end") and not before.get("end"):
            return Decoded("events", (self._tool_completed(run, before or step, step),))
        return _transport("update_message of a running step")

    def _stream_start(self, message: dict[str, Any]) -> Decoded:
        message_id = str(message.get("id") or "")
        run_id = self.run_of(str(message.get("parentId") or ""))
        if run_id is None:
            return _transport("stream_start outside a run")
        self._run_of[message_id] = run_id
        if message.get("type") != "assistant_message":
            self._steps[message_id] = dict(message)
            return _transport(f"stream_start of a {message.get('type')} step's output")
        run = self._runs[run_id]
        run.answer_id = message_id
        first = str(message.get("output") or "")
        self._texts[message_id] = first
        run.answer = first
        if not first:
            return _transport("stream_start (empty)")
        return Decoded("events", (self._delta(run, first, _timestamp(message, "createdAt", "start")),))

    def _stream_token(self, data: dict[str, Any]) -> Decoded:
        message_id = str(data.get("id") or "")
        run_id = self.run_of(message_id)
        if run_id is None or message_id not in self._texts:
            return _transport("stream_token outside a run's answer")
        if data.get("isInput"):
            return _transport("stream_token of a step's input")
        token = str(data.get("token") or "")
        run = self._runs[run_id]
        if data.get("isSequence"):  # the token replaces the text
            self._texts[message_id] = token
            run.answer = token
            return Decoded("events", (self._delta(run, token, _now(), replaces=True),))
        self._texts[message_id] += token
        run.answer = self._texts[message_id]
        return Decoded("events", (self._delta(run, token, _now()),))

    def _toast(self, data: dict[str, Any]) -> Decoded:
        run = self._runs.get(self._open_run or "")
        if data.get("type") == "error" and run is not None and not run.ended:
            run.ended = True
            return Decoded("events", (self._error(run, str(data.get("message") or ""), _now()),))
        return _transport(f"toast {data.get('type')}")

    # --- the run ---------------------------------------------------------------------------
    def _run_started(self, run_id: str, step: dict[str, Any], parent: str) -> Decoded:
        sent = self._sent.get(parent, _Sent("", ""))
        run = _Run(run_id, step.get("threadId") or self._thread_id, dict(step))
        self._runs[run_id] = run
        self._open_run = run_id
        return Decoded("events", ({
            **self._common(run, "agent_started", _timestamp(step, "start", "createdAt")),
            "agent_name": str(step.get("name") or ""),
            "task_description": sent.text or str(step.get("input") or ""),
            "user_id": sent.user,
        },))

    def _run_updated(self, run: _Run, step: dict[str, Any]) -> Decoded:
        run.step = dict(step)
        if not step.get("end"):
            return _transport("update_message of the running run step")
        if run.ended:
            return _transport("the run step ended after its error was told")
        run.ended = True
        if self._open_run == run.run_id:
            self._open_run = None
        at = _timestamp(step, "end")
        if step.get("isError"):
            stopped = run.run_id in self._stopped
            why = "the run was stopped at the user's request" if stopped else "the run failed"
            return Decoded("events", (self._error(run, str(step.get("output") or why), at),))
        return Decoded("events", ({
            **self._common(run, "agent_completed", at),
            "status": "success",
            "final_response": run.answer,
        },))

    def _answer_shown(self, run: _Run, message: dict[str, Any]) -> Decoded:
        message_id = str(message.get("id") or "")
        if message.get("type") != "assistant_message":
            return _transport(f"{message.get('type')} inside a run")
        text = str(message.get("output") or "")
        at = _timestamp(message, "createdAt", "start")
        if message.get("isError"):  # cl.ErrorMessage: what a careful app tells its user
            run.ended = True
            return Decoded("events", (self._error(run, text, at),))
        shown = self._texts.get(message_id)
        self._texts[message_id] = text
        run.answer_id, run.answer = message_id, text
        if shown == text:
            return _transport("the streamed answer, sent whole")
        if shown is not None and text.startswith(shown):
            return Decoded("events", (self._delta(run, text[len(shown):], at),))
        return Decoded("events", (self._delta(run, text, at, replaces=shown is not None),))

    def _tool_executing(self, run: _Run, step: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **self._common(run, "tool_executing", _timestamp(step, "start", "createdAt")),
            "tool_name": str(step.get("name") or ""),
            "parameters": _as_object(step.get("input") or "", "input"),
            "execution_id": str(step.get("id") or ""),
        }

    def _tool_completed(self, run: _Run, started: Mapping[str, Any],
                        step: Mapping[str, Any]) -> dict[str, Any]:
        return {
            **self._common(run, "tool_completed", _timestamp(step, "end")),
            "tool_name": str(step.get("name") or ""),
            "parameters": _as_object(step.get("input") or "", "input"),
            "results": _as_object(step.get("output") or "", "output"),
            "duration": _seconds_between(started.get("start"), step.get("end")),
            "execution_id": str(step.get("id") or ""),
            "success": not step.get("isError"),
        }

    def _delta(self, run: _Run, delta: str, at: str, *, replaces: bool = False) -> dict[str, Any]:
        event = {**self._common(run, "agent_response_delta", at), "delta": delta,
                 "message_id": run.answer_id}
        if replaces:
            event["replaces"] = True  # the page shows this text instead of what came before
        return event

    def _error(self, run: _Run, message: str, at: str) -> dict[str, Any]:
        if self._open_run == run.run_id:
            self._open_run = None
        # Chainlit has no notion of a recoverable error: the user may type again, no retry is offered.
        return {**self._common(run, "agent_error", at), "code": AGENT_FAILED,
                "message": message or "the run failed", "recoverable": False}

    @staticmethod
    def _common(run: _Run, event_type: str, at: str) -> dict[str, Any]:
        return {"type": event_type, "timestamp": at, "run_id": run.run_id, "thread_id": run.thread_id}

    # --- writing (injection) -------------------------------------------------------------
    def encode(self, event: Mapping[str, Any]) -> list[str]:
        """Wire frames that make the page see ``event`` (a vocabulary event); [] for one Chainlit lacks."""
        event_type = event.get("type")
        if event_type == "user_message":
            payload = event.get("payload") or {}
            message: dict[str, Any] = {
                       "threadId": payload.get("thread_id") or "",
                       "id": event.get("message_id") or str(uuid.uuid4()),
                       "name": event.get("user_id") or "", "type": "user_message",
                       "output": payload.get("text") or "", "createdAt": event.get("timestamp") or _now(),
                       "metadata": {}}
            return [_emit("client_message", {"message": message, "fileReferences": []})]
        if event_type == "stop_agent":
            return ['42["stop"]']
        if event_type == "agent_thinking":
            return []  # Chainlit has no such event: nothing on its wire would show it
        run_id = str(event.get("run_id") or self._open_run or uuid.uuid4())
        run = self._runs.get(run_id)
        thread_id = event.get("thread_id") or (run.thread_id if run else None) or self._thread_id
        at = str(event.get("timestamp") or _now())
        if event_type == "agent_started":
            parent = next(reversed(self._sent), None) if self._sent else None
            step = _step(run_id, "run", RUN_STEP_NAME, thread_id, parent, start=at)
            return ['42["task_start",{}]', _emit("new_message", step)]
        if event_type == "tool_executing":
            step = _step(str(event.get("execution_id") or uuid.uuid4()), "tool",
                         str(event.get("tool_name") or ""), thread_id, run_id, start=at,
                         input=_text_of(event.get("parameters"), "input"))
            return [_emit("new_message", step)]
        if event_type == "tool_completed":
            execution_id = str(event.get("execution_id") or "")
            known = self._steps.get(execution_id)
            step = dict(known) if known else _step(
                execution_id or str(uuid.uuid4()), "tool", str(event.get("tool_name") or ""), thread_id,
                run_id, start=at)
            step.update(output=_text_of(event.get("results"), "output"), end=at,
                        isError=not event.get("success", True))
            return [_emit("update_message", step)]
        if event_type == "agent_response_delta":
            delta = str(event.get("delta") or "")
            answer_id = run.answer_id if run and run.answer_id in self._texts else None
            if answer_id is None:
                message = _message(str(uuid.uuid4()), thread_id, run_id, delta, streaming=True)
                return [_emit("stream_start", message)]
            return [_emit("stream_token", {"id": answer_id, "token": delta, "isSequence": False,
                                           "isInput": False})]
        if event_type in ("agent_completed", "agent_error"):
            step = dict(run.step) if run else _step(run_id, "run", RUN_STEP_NAME, thread_id, None, start=at)
            frames = []
            if event_type == "agent_completed":
                final = str(event.get("final_response") or "")
                answer_id = run.answer_id if run and run.answer_id else str(uuid.uuid4())
                answer = _message(answer_id, thread_id, run_id, final, streaming=False, at=at)
                frames.append(_emit("new_message", answer))
                step.update(end=at, isError=False)
            else:
                step.update(end=at, isError=True, output=str(event.get("message") or ""))
            frames += [_emit("update_message", step), '42["task_end",{}]']
            return frames
        raise ValueError(f"{event_type!r} is not a run event the Chainlit codec can encode")


def _emit(name: str, data: Mapping[str, Any]) -> str:
    return "42" + json.dumps([name, data], separators=(",", ":"))


def _text_of(value: Any, key: str) -> str:
    if isinstance(value, Mapping):
        if set(value) == {key}:
            return str(value[key])
        return json.dumps(value)
    return "" if value is None else str(value)


def _step(step_id: str, step_type: str, name: str, thread_id: Any, parent_id: Any, *, start: str,
          input: str = "") -> dict[str, Any]:
    # The shape Chainlit 2.12 sends (frames-golden-run.txt).
    return {"name": name, "type": step_type, "id": step_id, "threadId": thread_id, "parentId": parent_id,
            "streaming": False, "metadata": {}, "tags": None, "input": input, "isError": False, "output": "",
            "createdAt": start, "start": start, "end": None, "language": None, "defaultOpen": False,
            "autoCollapse": False, "showInput": "json", "generation": None}


def _message(message_id: str, thread_id: Any, run_id: str, output: str, *, streaming: bool,
             at: str | None = None) -> dict[str, Any]:
    return {"id": message_id, "threadId": thread_id, "parentId": run_id, "createdAt": at, "command": None,
            "modes": None, "start": at, "end": at, "output": output, "name": "Assistant",
            "type": "assistant_message", "language": None, "streaming": streaming, "isError": False,
            "waitForAnswer": False, "metadata": {}, "tags": None}
