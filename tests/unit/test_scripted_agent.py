"""The scripted agent (the LLM's test double): its rules and its event sequence."""

from __future__ import annotations

import asyncio

import pytest

from reference_app.agent.base import (
    AgentRequest,
    AgentStep,
    Completed,
    Failed,
    ResponseDelta,
    Thinking,
    ToolCompleted,
    ToolExecuting,
)
from reference_app.agent.scripted import ScriptedAgent, find_expression, split_into_deltas


def steps_for(prompt: str) -> list[AgentStep]:
    agent = ScriptedAgent(delta_seconds=0, slow_tool_seconds=0)

    async def collect() -> list[AgentStep]:
        return [step async for step in agent.stream(AgentRequest(prompt=prompt, user_id="u"))]

    return asyncio.run(collect())


@pytest.mark.parametrize("text, expression", [
    ("What is 17 * 23?", "17 * 23"),
    ("Compute (2 + 3) * 4, please.", "(2 + 3) * 4"),
    ("what's 2**10", "2**10"),
    ("(try 2 + 3)", "2 + 3"),
    ("-5 + 2 =", "-5 + 2"),
    ("Is 10 / 4 more than 2?", "10 / 4"),
])
def test_arithmetic_is_found_in_the_prompt(text, expression):
    assert find_expression(text) == expression


@pytest.mark.parametrize("text", ["Hello there", "I have 3 cats", "Meet me on 2024-01-05", "[slow] hi"])
def test_prompts_without_arithmetic_have_no_expression(text):
    assert find_expression(text) is None


def test_deltas_join_back_to_the_answer():
    answer = "The answer is 391."

    assert split_into_deltas(answer) == ["The ", "answer ", "is ", "391."]
    assert "".join(split_into_deltas(answer)) == answer


def test_arithmetic_run_thinks_uses_the_calculator_streams_and_completes():
    steps = steps_for("What is 17 * 23?")

    assert [type(step) for step in steps[:3]] == [Thinking, ToolExecuting, ToolCompleted]
    executing, completed = steps[1], steps[2]
    assert isinstance(executing, ToolExecuting) and isinstance(completed, ToolCompleted)
    assert (executing.tool_name, executing.parameters) == ("calculator", {"expression": "17 * 23"})
    assert (completed.results, completed.success, completed.execution_id) == (
        {"value": 391}, True, executing.execution_id)
    deltas = [step.delta for step in steps if isinstance(step, ResponseDelta)]
    assert len(deltas) >= 2
    assert steps[-1] == Completed("The answer is 391.") and "".join(deltas) == "The answer is 391."


def test_other_prompts_count_words_and_characters():
    steps = steps_for("Hello there")

    completed = next(step for step in steps if isinstance(step, ToolCompleted))
    assert (completed.tool_name, completed.results) == ("text_stats", {"words": 2, "characters": 11})
    assert steps[-1] == Completed("Your message has 2 words and 11 characters.")


def test_a_failing_calculation_ends_with_tool_failed():
    steps = steps_for("What is 1 / 0?")

    completed = next(step for step in steps if isinstance(step, ToolCompleted))
    assert completed.success is False and completed.results == {"error": "division by zero"}
    assert isinstance(steps[-1], Failed) and steps[-1].code == "TOOL_FAILED"
    assert not any(isinstance(step, ResponseDelta) for step in steps)


def test_the_same_prompt_gives_the_same_answer():
    first, second = steps_for("What is 6 * 7?"), steps_for("What is 6 * 7?")

    assert first[-1] == second[-1] == Completed("The answer is 42.")
