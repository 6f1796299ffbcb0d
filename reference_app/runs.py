"""One agent run: from the user's message to its one final event.

A run sends ``agent_started``, relays the provider's steps as contract events,
and ends with exactly one ``agent_completed`` or ``agent_error``. It owns the
server-side agent timeout and ``stop_agent``, and stores the assistant's answer
(or error) in the thread before the final event goes out, so a client that
reloads the thread the moment it sees that event finds the answer there.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from reference_app.agent.base import (
    AgentProvider,
    AgentRequest,
    Completed,
    Failed,
    ResponseDelta,
    TerminalStep,
    Thinking,
    ToolCompleted,
    ToolExecuting,
)
from reference_app.db import Database
from reference_app.events import RunIds
from reference_app.settings import Settings

log = logging.getLogger("reference_app.runs")

SendEvent = Callable[[dict[str, Any]], Awaitable[None]]

STOPPED_MESSAGE = "The run was stopped at your request."


class ChatRun:
    def __init__(self, *, ids: RunIds, request: AgentRequest, provider: AgentProvider, settings: Settings,
                 db: Database, send: SendEvent) -> None:
        self.ids = ids
        self.request = request
        self.provider = provider
        self.settings = settings
        self.db = db
        self._send = send
        self._stop_requested = asyncio.Event()
        # set just before the final event goes out: from then on the connection may start the next run
        self.finished = False
        self._deltas: list[str] = []

    def request_stop(self) -> None:
        self._stop_requested.set()

    @property
    def stop_requested(self) -> bool:
        return self._stop_requested.is_set()

    async def execute(self) -> None:
        if self.settings.has_fault("slow_first_event"):
            # FAULT: slow_first_event -- the user waits this much longer for the run's first sign of life
            await asyncio.sleep(self.settings.fault_slow_first_event_seconds)
        await self._emit(self.ids.started(agent_name=self.provider.name,
                                          task_description=self.request.prompt[:200],
                                          user_id=self.request.user_id))
        if self.settings.has_fault("agent_silent_after_started"):
            # FAULT: agent_silent_after_started -- the hung worker: alive, silent forever, out of
            # reach of the agent timeout and of stop_agent (only a disconnect ends it)
            await asyncio.Event().wait()

        outcome = await self._drive_agent()
        final_event = self.ids.from_step(outcome)
        if isinstance(outcome, Completed) and self.settings.has_fault("wrong_final_response"):
            # FAULT: wrong_final_response -- the last streamed piece is lost from the final answer
            final_event["final_response"] = "".join(self._deltas[:-1]) or "(no answer)"
        stored_text = final_event["final_response"] if isinstance(outcome, Completed) else outcome.message
        await self._store_answer(stored_text, "complete" if isinstance(outcome, Completed) else "error")
        self.finished = True
        await self._emit(final_event)

    async def _drive_agent(self) -> TerminalStep:
        """Relay the agent's steps until it ends, the user stops it, or the agent timeout passes."""
        agent = asyncio.create_task(self._relay_steps(), name=f"agent {self.ids.run_id}")
        stop = asyncio.create_task(self._stop_requested.wait())
        try:
            done, _ = await asyncio.wait({agent, stop}, timeout=self.settings.agent_timeout_seconds,
                                         return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not agent.done():
                agent.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await agent
        if agent in done or (agent.done() and not agent.cancelled()):
            if agent.exception() is not None:
                log.error("run %s: the agent crashed", self.ids.run_id, exc_info=agent.exception())
                return Failed("AGENT_FAILED", "The agent failed unexpectedly.")
            return agent.result()
        if stop in done:
            return Failed("AGENT_FAILED", STOPPED_MESSAGE)
        return Failed("AGENT_TIMEOUT", f"The agent did not finish within "
                                       f"{self.settings.agent_timeout_seconds:g} seconds and was cancelled.")

    async def _relay_steps(self) -> TerminalStep:
        held_executing: dict[str, dict[str, Any]] = {}
        steps = self.provider.stream(self.request)
        try:
            async for step in steps:
                if isinstance(step, Completed | Failed):
                    if isinstance(step, Completed) and not step.final_response.strip():
                        return Failed("AGENT_FAILED", "The agent finished without an answer.")
                    return step
                if isinstance(step, Thinking) and self.settings.has_fault("skip_thinking"):
                    continue  # FAULT: skip_thinking -- agent_thinking never reaches the client
                event = self.ids.from_step(step)
                if self.settings.has_fault("tool_events_out_of_order"):
                    # FAULT: tool_events_out_of_order -- tool_executing held back until its tool_completed
                    if isinstance(step, ToolExecuting):
                        held_executing[step.execution_id] = event
                        continue
                    if isinstance(step, ToolCompleted) and step.execution_id in held_executing:
                        await self._emit(event)
                        await self._emit(held_executing.pop(step.execution_id))
                        continue
                if isinstance(step, ResponseDelta):
                    if self._deltas and self.settings.has_fault("slow_streaming"):
                        # FAULT: slow_streaming -- the answer crawls out, one slow piece at a time
                        await asyncio.sleep(self.settings.fault_slow_streaming_delta_seconds)
                    self._deltas.append(step.delta)
                await self._emit(event)
        finally:
            await steps.aclose()  # type: ignore[attr-defined]
        return Failed("AGENT_FAILED", "The agent stopped without an answer.")

    async def _emit(self, event: dict[str, Any]) -> None:
        await self._send(event)
        if self.settings.has_fault("duplicate_events"):
            await self._send(event)  # FAULT: duplicate_events -- every run event goes out twice

    async def _store_answer(self, text: str, status: str) -> None:
        if self.settings.has_fault("no_thread_history"):
            return  # FAULT: no_thread_history -- the answer is never stored
        try:
            await asyncio.to_thread(self.db.add_message, self.ids.thread_id, role="assistant", text=text,
                                    run_id=self.ids.run_id, status=status)
        except Exception:  # the user still gets the answer; the thread misses it
            log.exception("run %s: storing the answer failed", self.ids.run_id)
