"""The scripted agent: a deterministic test double standing in for the LLM.

It is not an AI and is never presented as one. Its answers follow fixed rules so
that the golden-path suite can rely on them, yet it goes through the same motions
as a real agent and calls real tools:

* A prompt containing an arithmetic expression ("What is 17 * 23?") is answered
  with the ``calculator`` tool: "The answer is 391." A calculation that fails
  (division by zero, a result too large) ends the run with ``TOOL_FAILED``.
* Any other prompt is answered with the ``text_stats`` tool: "Your message has
  2 words and 11 characters." So every successful run carries all five critical
  events.
* A prompt containing ``[slow]`` makes the tool take ``scripted_slow_tool_seconds``
  (60 s by default), longer than the agent timeout: the documented way to
  exercise the server-side ``AGENT_TIMEOUT`` and ``stop_agent``.

Each step is paced by ``scripted_delta_seconds`` so streaming is visible, and the
answer is streamed as one ``agent_response_delta`` per word; ``final_response`` is
exactly the concatenation of the deltas.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from reference_app.agent.base import (
    AgentRequest,
    AgentStep,
    Completed,
    Failed,
    ResponseDelta,
    Thinking,
    ToolCompleted,
)
from reference_app.agent.calculator import find_expression, format_number
from reference_app.agent.tools import run_tool, start_tool

SLOW_TRIGGER = "[slow]"


def split_into_deltas(answer: str) -> list[str]:
    """One piece per word, each keeping its trailing space, so the pieces join back to ``answer``."""
    return re.findall(r"\s*\S+\s*", answer) or [answer]


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class ScriptedAgent:
    name = "scripted test agent"

    def __init__(self, *, delta_seconds: float, slow_tool_seconds: float) -> None:
        self.delta_seconds = delta_seconds
        self.slow_tool_seconds = slow_tool_seconds

    async def stream(self, request: AgentRequest) -> AsyncIterator[AgentStep]:
        expression = find_expression(request.prompt)
        if expression is not None:
            yield Thinking(f"The message contains the arithmetic expression {expression}: "
                           "I will use the calculator.")
            executing = start_tool("calculator", {"expression": expression})
        else:
            yield Thinking("There is no arithmetic in the message: I will count its words "
                           "and characters with text_stats.")
            executing = start_tool("text_stats", {"text": request.prompt})
        await asyncio.sleep(self.delta_seconds)

        yield executing
        pause = self.slow_tool_seconds if SLOW_TRIGGER in request.prompt else self.delta_seconds
        await asyncio.sleep(pause)
        completed = run_tool(executing)
        yield completed
        if not completed.success:
            yield Failed("TOOL_FAILED", f"The {completed.tool_name} tool failed: "
                         f"{completed.results.get('error', 'unknown error')}.", recoverable=False)
            return

        answer = self._answer(completed)
        for delta in split_into_deltas(answer):
            await asyncio.sleep(self.delta_seconds)
            yield ResponseDelta(delta)
        yield Completed(answer)

    @staticmethod
    def _answer(completed: ToolCompleted) -> str:
        if completed.tool_name == "calculator":
            return f"The answer is {format_number(completed.results['value'])}."
        words, characters = completed.results["words"], completed.results["characters"]
        return f"Your message has {_plural(words, 'word')} and {_plural(characters, 'character')}."
