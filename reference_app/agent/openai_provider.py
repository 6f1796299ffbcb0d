"""An agent backed by any OpenAI-compatible ``POST {base_url}/chat/completions``.

The request streams (``stream: true``) and offers the same tools as the scripted
agent. Server-sent chunks are parsed as they arrive: content pieces become
``agent_response_delta`` events at once, streamed ``tool_calls`` fragments are
assembled, the tools run here, their results go back to the model, and the loop
repeats until the model answers without asking for a tool. Any failure of the
model call (network, HTTP status, malformed stream, empty answer) ends the run
with ``AGENT_FAILED``; a failing tool ends it with ``TOOL_FAILED``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from reference_app.agent.base import (
    AgentRequest,
    AgentStep,
    Completed,
    Failed,
    ResponseDelta,
    Thinking,
)
from reference_app.agent.tools import TOOLS, run_tool, start_tool

log = logging.getLogger("reference_app.agent.openai")

SYSTEM_PROMPT = (
    "You are the assistant of a small chat application. Use the calculator tool for any arithmetic "
    "and the text_stats tool to count words and characters. Answer in one or two short sentences."
)


class ModelCallError(Exception):
    """The model could not be asked or its answer could not be read; the message is safe to show."""


@dataclass
class _ToolCall:
    call_id: str = ""
    name: str = ""
    arguments: str = ""


@dataclass
class _Turn:
    """What one streamed model answer asked for, assembled from its chunks."""

    content: list[str] = field(default_factory=list)
    tool_calls: dict[int, _ToolCall] = field(default_factory=dict)

    def absorb(self, chunk: dict[str, Any]) -> str | None:
        """Take one parsed chunk in; return its content piece, if any."""
        choices = chunk.get("choices") or []
        if not choices:
            return None
        delta = choices[0].get("delta") or {}
        for fragment in delta.get("tool_calls") or []:
            call = self.tool_calls.setdefault(int(fragment.get("index", 0)), _ToolCall())
            call.call_id = fragment.get("id") or call.call_id
            function = fragment.get("function") or {}
            call.name += function.get("name") or ""
            call.arguments += function.get("arguments") or ""
        piece = delta.get("content")
        if isinstance(piece, str) and piece:
            self.content.append(piece)
            return piece
        return None


def _parse_arguments(arguments: str) -> dict[str, Any]:
    try:
        parsed = json.loads(arguments or "{}")
    except json.JSONDecodeError:
        return {"_unparsed_arguments": arguments}
    return parsed if isinstance(parsed, dict) else {"_unparsed_arguments": arguments}


class OpenAIAgent:
    def __init__(self, *, base_url: str, api_key: str | None, model: str, timeout_seconds: float,
                 max_rounds: int) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.timeout_seconds = timeout_seconds
        self.max_rounds = max_rounds
        self.name = f"{model} (OpenAI-compatible)"

    async def stream(self, request: AgentRequest) -> AsyncIterator[AgentStep]:
        messages: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM_PROMPT}]
        messages += [{"role": item.role, "content": item.text} for item in request.history]
        messages.append({"role": "user", "content": request.prompt})
        answer: list[str] = []
        async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
            for round_number in range(1, self.max_rounds + 1):
                yield Thinking(f"Asking {self.model} for an answer." if round_number == 1
                               else f"Asking {self.model} to use the tool results.")
                turn = _Turn()
                try:
                    async for piece in self._stream_turn(client, messages, turn):
                        answer.append(piece)
                        yield ResponseDelta(piece)
                except ModelCallError as exc:
                    yield Failed("AGENT_FAILED", f"The language model call failed: {exc}")
                    return
                if not turn.tool_calls:
                    final = "".join(answer)
                    yield Completed(final) if final.strip() else Failed(
                        "AGENT_FAILED", "The language model returned an empty answer.")
                    return

                calls = [turn.tool_calls[index] for index in sorted(turn.tool_calls)]
                messages.append({
                    "role": "assistant",
                    "content": "".join(turn.content) or None,
                    "tool_calls": [{"id": call.call_id, "type": "function",
                                    "function": {"name": call.name, "arguments": call.arguments}}
                                   for call in calls],
                })
                for call in calls:
                    executing = start_tool(call.name, _parse_arguments(call.arguments))
                    yield executing
                    completed = run_tool(executing)
                    yield completed
                    if not completed.success:
                        yield Failed("TOOL_FAILED", f"The {call.name} tool failed: "
                                     f"{completed.results.get('error', 'unknown error')}.", recoverable=False)
                        return
                    messages.append({"role": "tool", "tool_call_id": call.call_id,
                                     "content": json.dumps(completed.results)})
        yield Failed("AGENT_FAILED",
                     f"The language model still asked for tools after {self.max_rounds} rounds.")

    async def _stream_turn(self, client: httpx.AsyncClient, messages: list[dict[str, Any]],
                           turn: _Turn) -> AsyncIterator[str]:
        """Send one chat completion request and yield its content pieces as they stream."""
        headers = {"Accept": "text/event-stream"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = {"model": self.model, "messages": messages, "stream": True,
                "tools": [tool.as_openai_tool() for tool in TOOLS.values()], "tool_choice": "auto"}
        try:
            async with client.stream("POST", f"{self.base_url}/chat/completions", json=body,
                                     headers=headers) as response:
                if response.status_code != 200:
                    raise ModelCallError(f"HTTP {response.status_code} from the model endpoint")
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, ": keep-alive" comments, "event:" lines
                    data = line[len("data:"):].strip()
                    if data == "[DONE]":
                        return
                    try:
                        chunk = json.loads(data)
                    except json.JSONDecodeError as exc:
                        raise ModelCallError("the model endpoint sent a malformed stream chunk") from exc
                    if not isinstance(chunk, dict):
                        raise ModelCallError("the model endpoint sent a chunk of an unknown shape")
                    if chunk.get("error"):
                        raise ModelCallError("the model endpoint reported an error in the stream")
                    try:
                        piece = turn.absorb(chunk)
                    except (AttributeError, TypeError, ValueError) as exc:  # a chunk of the wrong shape
                        raise ModelCallError("the model endpoint sent a chunk of an unknown shape") from exc
                    if piece:
                        yield piece
        except httpx.HTTPError as exc:
            log.warning("model call to %s failed: %s", self.base_url, type(exc).__name__)
            raise ModelCallError(f"the model endpoint could not be reached ({type(exc).__name__})") from exc
