"""The OpenAI-compatible provider against a fake of that API on a free port."""

from __future__ import annotations

import asyncio
import json

from reference_app.agent.base import (
    AgentRequest,
    AgentStep,
    Completed,
    Failed,
    HistoryMessage,
    ResponseDelta,
    Thinking,
    ToolCompleted,
    ToolExecuting,
)
from reference_app.agent.openai_provider import OpenAIAgent
from tests.unit.fake_openai import Reply, content_chunk, fake_openai_server, finish_chunk, tool_call_chunks


def run_agent(base_url: str, prompt: str = "What is 17 * 23?", *,
              history: tuple[HistoryMessage, ...] = ()) -> list[AgentStep]:
    agent = OpenAIAgent(base_url=base_url, api_key="sk-test-key", model="fake-model", timeout_seconds=5,
                        max_rounds=3)

    async def collect() -> list[AgentStep]:
        request = AgentRequest(prompt=prompt, user_id="u", history=history)
        return [step async for step in agent.stream(request)]

    return asyncio.run(collect())


def test_streamed_tool_call_runs_the_tool_and_streams_the_final_answer():
    replies = [
        Reply(tool_call_chunks("call_1", "calculator", json.dumps({"expression": "17 * 23"}))),
        Reply([content_chunk("The answer "), content_chunk("is "), content_chunk("391."), finish_chunk()]),
    ]
    with fake_openai_server(replies) as fake:
        history = (HistoryMessage("user", "hi"), HistoryMessage("assistant", "hello"))
        steps = run_agent(fake.base_url, history=history)

    kinds = [type(step) for step in steps]
    assert kinds == [Thinking, ToolExecuting, ToolCompleted,
                     Thinking, ResponseDelta, ResponseDelta, ResponseDelta, Completed]
    executing, completed = steps[1], steps[2]
    assert isinstance(executing, ToolExecuting) and isinstance(completed, ToolCompleted)
    assert (executing.tool_name, executing.parameters) == ("calculator", {"expression": "17 * 23"})
    assert completed.results == {"value": 391} and completed.execution_id == executing.execution_id
    assert steps[-1] == Completed("The answer is 391.")

    first, second = fake.requests
    assert first["stream"] is True and first["model"] == "fake-model"
    assert {tool["function"]["name"] for tool in first["tools"]} == {"calculator", "text_stats"}
    assert [m["role"] for m in first["messages"]] == ["system", "user", "assistant", "user"]
    assert second["messages"][-2]["tool_calls"][0]["id"] == "call_1"
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": "call_1", "content": '{"value": 391}'}
    assert fake.headers[0]["Authorization"] == "Bearer sk-test-key"


def test_an_answer_without_tools_is_streamed_as_is():
    with fake_openai_server([Reply([content_chunk("Hi"), content_chunk(" there."), finish_chunk()])]) as fake:
        steps = run_agent(fake.base_url, "Say hi")

    assert [step.delta for step in steps if isinstance(step, ResponseDelta)] == ["Hi", " there."]
    assert steps[-1] == Completed("Hi there.")


def test_an_http_error_ends_the_run_with_agent_failed():
    with fake_openai_server([Reply(status=500)]) as fake:
        steps = run_agent(fake.base_url)

    assert isinstance(steps[-1], Failed) and steps[-1].code == "AGENT_FAILED"
    assert "HTTP 500" in steps[-1].message
    assert "sk-test-key" not in steps[-1].message


def test_an_unreachable_endpoint_ends_the_run_with_agent_failed():
    with fake_openai_server([]) as fake:
        url = fake.base_url
    steps = run_agent(url)  # the server is gone: nothing listens there any more

    assert isinstance(steps[-1], Failed) and steps[-1].code == "AGENT_FAILED"


def test_a_malformed_chunk_ends_the_run_with_agent_failed():
    with fake_openai_server([Reply([{"choices": "not a list"}])]) as fake:
        steps = run_agent(fake.base_url)

    assert isinstance(steps[-1], Failed) and steps[-1].code == "AGENT_FAILED"


def test_an_empty_answer_is_a_failure():
    with fake_openai_server([Reply([finish_chunk()])]) as fake:
        steps = run_agent(fake.base_url)

    assert isinstance(steps[-1], Failed) and "empty" in steps[-1].message


def test_a_failing_tool_ends_the_run_with_tool_failed():
    division_by_zero = Reply(tool_call_chunks("call_9", "calculator", '{"expression": "1 / 0"}'))
    with fake_openai_server([division_by_zero]) as fake:
        steps = run_agent(fake.base_url)

    completed = next(step for step in steps if isinstance(step, ToolCompleted))
    assert completed.success is False
    assert isinstance(steps[-1], Failed) and steps[-1].code == "TOOL_FAILED"
    assert len(fake.requests) == 1


def test_a_model_that_never_stops_asking_for_tools_is_cut_off():
    endless = [Reply(tool_call_chunks(f"call_{n}", "text_stats", '{"text": "a b"}')) for n in range(5)]
    with fake_openai_server(endless) as fake:
        steps = run_agent(fake.base_url)

    assert isinstance(steps[-1], Failed) and "after 3 rounds" in steps[-1].message
    assert len(fake.requests) == 3
