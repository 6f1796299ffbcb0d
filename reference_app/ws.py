"""The chat WebSocket ``/ws``: handshake, client messages, and one run at a time per connection."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from typing import Any

from starlette.websockets import WebSocket

from reference_app import events
from reference_app.agent.base import AgentProvider, AgentRequest, HistoryMessage
from reference_app.db import Database
from reference_app.runs import ChatRun
from reference_app.security import TokenError, Tokens
from reference_app.settings import Settings
from reference_app.ws_protocol import InvalidMessage, Ping, StopAgent, UserMessage, parse_client_message

log = logging.getLogger("reference_app.ws")

SUBPROTOCOL = "jwt-auth"
_TOKEN_PREFIX = SUBPROTOCOL + "."
POLICY_VIOLATION = 1008


class ConnectionGone(Exception):
    """The client went away while we were sending."""


def shorten_title(text: str, limit: int) -> str:
    """A thread's title: its first message on one line, cut at ``limit`` characters."""
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1].rstrip() + "…"


def token_from_subprotocols(offered: list[str]) -> str | None:
    for protocol in offered:
        if protocol.startswith(_TOKEN_PREFIX):
            return protocol[len(_TOKEN_PREFIX):]
    return None


async def serve_chat_socket(websocket: WebSocket, *, settings: Settings, db: Database, tokens: Tokens,
                            provider: AgentProvider) -> None:
    """Authenticate from the subprotocols, then serve the connection until it closes."""
    offered = list(websocket.scope.get("subprotocols") or [])
    # A refused handshake reaches a browser as a bare 1006; accepting first lets us say 1008.
    # The selected subprotocol must be one the client offered, or the browser drops the connection.
    await websocket.accept(subprotocol=SUBPROTOCOL if SUBPROTOCOL in offered else None)
    try:
        user_id = tokens.verify(token_from_subprotocols(offered), "access").user_id
        if await asyncio.to_thread(db.get_user, user_id) is None:
            raise TokenError("the token's user no longer exists")
    except TokenError as exc:
        log.info("WebSocket refused: %s", exc)  # the reason, never the token
        await websocket.close(code=POLICY_VIOLATION, reason="invalid or expired token")
        return
    await ChatConnection(websocket, user_id=user_id, settings=settings, db=db, provider=provider).serve()


class ChatConnection:
    def __init__(self, websocket: WebSocket, *, user_id: str, settings: Settings, db: Database,
                 provider: AgentProvider) -> None:
        self.websocket = websocket
        self.user_id = user_id
        self.settings = settings
        self.db = db
        self.provider = provider
        self.connection_id = uuid.uuid4().hex
        self._send_lock = asyncio.Lock()
        self._run: ChatRun | None = None
        self._run_task: asyncio.Task[None] | None = None

    async def send(self, frame: dict[str, Any]) -> None:
        # runs and the receive loop both send; one frame at a time on the wire
        async with self._send_lock:
            try:
                await self.websocket.send_text(json.dumps(frame))
            except Exception as exc:  # Starlette and uvicorn raise several kinds once the peer is gone
                raise ConnectionGone() from exc

    async def serve(self) -> None:
        try:
            await self.send(events.connection_established(self.connection_id, self.user_id))
            while True:
                frame = await self.websocket.receive()
                if frame["type"] == "websocket.disconnect":
                    break
                await self._handle(frame.get("text") if frame.get("text") is not None else frame.get("bytes"))
        except ConnectionGone:
            pass
        finally:
            await self._cancel_run()

    async def _handle(self, frame: str | bytes | None) -> None:
        try:
            message = parse_client_message(frame, max_text_chars=self.settings.max_message_chars,
                                           max_frame_chars=self.settings.max_frame_chars)
            if isinstance(message, Ping):
                await self.send({"type": "pong"})
            elif isinstance(message, StopAgent):
                self._stop(message)
            else:
                await self._start_run(message)
        except InvalidMessage as exc:
            await self.send(events.invalid_message(str(exc)))

    def _busy(self) -> bool:
        return self._run is not None and not self._run.finished and not (
            self._run_task is not None and self._run_task.done())

    def _stop(self, message: StopAgent) -> None:
        # stopping a run that has already ended (or never existed) is harmless: the stop and the
        # final event may cross on the wire
        if self._run is not None and self._busy() and self._run.ids.run_id == message.run_id:
            self._run.request_stop()

    async def _start_run(self, message: UserMessage) -> None:
        if self._busy() and self._run is not None and self._run.stop_requested and self._run_task is not None:
            # A retry right after a stop (the UI's watchdog stops the run, then the user
            # retries): let the stopped run finish its final event first instead of refusing.
            await asyncio.wait({self._run_task}, timeout=self.settings.shutdown_grace_seconds)
        if self._busy():
            raise InvalidMessage("a run is already in progress on this connection; "
                                 "wait for it to end or stop it")
        if self.settings.has_fault("agent_silent_before_started"):
            return  # FAULT: agent_silent_before_started -- the message is accepted and nothing ever happens
        thread_id, history = await asyncio.to_thread(self._prepare_thread, message)
        ids = events.RunIds(run_id=uuid.uuid4().hex, thread_id=thread_id)
        request = AgentRequest(prompt=message.text, user_id=self.user_id, history=history)
        self._run = ChatRun(ids=ids, request=request, provider=self.provider, settings=self.settings,
                            db=self.db, send=self.send)
        self._run_task = asyncio.create_task(self._execute(self._run), name=f"run {ids.run_id}")

    def _prepare_thread(self, message: UserMessage) -> tuple[str, tuple[HistoryMessage, ...]]:
        """The run's thread (created for a new chat) and its earlier messages; stores the user's message."""
        if message.thread_id is None:
            thread = self.db.create_thread(self.user_id, shorten_title(message.text,
                                                                       self.settings.thread_title_chars))
        else:
            found = self.db.get_thread(self.user_id, message.thread_id)
            if found is None:
                raise InvalidMessage("payload.thread_id is not one of your threads")
            thread = found
        history = tuple(
            HistoryMessage(role=stored.role, text=stored.text)  # type: ignore[arg-type]
            for stored in self.db.list_messages(thread.id, limit=self.settings.agent_history_messages)
            if stored.status == "complete"
        ) if self.settings.agent_history_messages else ()
        if self.settings.has_fault("no_thread_history"):
            return thread.id, history  # FAULT: no_thread_history -- the user's message is never stored
        self.db.add_message(thread.id, role="user", text=message.text)
        return thread.id, history

    async def _execute(self, run: ChatRun) -> None:
        try:
            await run.execute()
        except ConnectionGone:
            log.info("run %s: the client went away", run.ids.run_id)
        except Exception:
            log.exception("run %s failed", run.ids.run_id)

    async def _cancel_run(self) -> None:
        task = self._run_task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
