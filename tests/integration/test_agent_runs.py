"""One run over the WebSocket, from the user's message to its one final event."""

from __future__ import annotations

import asyncio
import re
import time

from targets.contract.codec import CONTRACT_RULES
from tests.integration.helpers import (
    SHORT_AGENT_TIMEOUT_ENV,
    SHORT_AGENT_TIMEOUT_SECONDS,
    ChatSocket,
    RunningApp,
    ask_once,
    check_run_contract,
    sign_in,
    types_of,
)


def test_arithmetic_question_streams_every_critical_event_and_the_answer(app: RunningApp, access_token: str):
    async def scenario() -> tuple[dict, list[dict]]:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask("What is 17 * 23?")
        events = await chat.run_events()
        await chat.close()
        return chat.established, events

    established, events = asyncio.run(scenario())

    check_run_contract(events)
    assert established["golden_path_events"] == list(CONTRACT_RULES.critical_events)
    assert established["connection_id"] and established["timestamp"]
    started, thinking, executing, completed = events[:4]
    assert started["user_id"] == established["user_id"]
    assert re.fullmatch(r"[0-9a-f]{32}", started["run_id"])
    assert re.fullmatch(r"[0-9a-f]{32}", started["thread_id"])
    assert thinking["type"] == "agent_thinking" and thinking["reasoning"]
    assert (executing["type"], executing["tool_name"], executing["parameters"]) == (
        "tool_executing", "calculator", {"expression": "17 * 23"})
    assert (completed["type"], completed["results"], completed["success"]) == (
        "tool_completed", {"value": 391}, True)
    assert completed["execution_id"] == executing["execution_id"] and completed["duration"] >= 0
    deltas = [event["delta"] for event in events if event["type"] == "agent_response_delta"]
    assert len(deltas) >= 2
    final = events[-1]
    assert (final["type"], final["status"], final["final_response"]) == ("agent_completed", "success",
                                                                         "The answer is 391.")
    assert "".join(deltas) == final["final_response"]
    assert set(CONTRACT_RULES.critical_events) <= set(types_of(events))


def test_prompt_without_arithmetic_still_uses_a_tool(app: RunningApp, access_token: str):
    events = ask_once(app, access_token, "Hello there")

    check_run_contract(events)
    completed = next(event for event in events if event["type"] == "tool_completed")
    assert (completed["tool_name"], completed["results"]) == ("text_stats", {"words": 2, "characters": 11})
    assert events[-1]["final_response"] == "Your message has 2 words and 11 characters."
    assert set(CONTRACT_RULES.critical_events) <= set(types_of(events))


def test_division_by_zero_ends_the_run_with_tool_failed(app: RunningApp, access_token: str):
    events = ask_once(app, access_token, "What is 1 / 0?")

    check_run_contract(events)
    completed = next(event for event in events if event["type"] == "tool_completed")
    assert completed["success"] is False and "division by zero" in completed["results"]["error"]
    assert events[-1]["type"] == "agent_error" and events[-1]["code"] == "TOOL_FAILED"
    assert "agent_completed" not in types_of(events)


def test_stop_agent_ends_the_run_and_the_connection_stays_usable(app: RunningApp, access_token: str):
    async def scenario() -> tuple[list[dict], dict, list[dict]]:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask("[slow] What is 2 + 2?")
        events = [await chat.next_frame()]
        while events[-1]["type"] != "tool_executing":
            events.append(await chat.next_frame())
        await chat.send({"type": "stop_agent", "payload": {"run_id": events[0]["run_id"]}})
        events += await chat.run_events()
        pong = await chat.ping()
        await chat.ask("What is 2 + 2?")
        next_run = await chat.run_events()
        await chat.close()
        return events, pong, next_run

    stopped, pong, next_run = asyncio.run(scenario())

    check_run_contract(stopped)
    assert stopped[-1]["code"] == "AGENT_FAILED" and "stopped" in stopped[-1]["message"]
    assert pong == {"type": "pong"}
    assert next_run[-1]["final_response"] == "The answer is 4."


def test_a_retry_sent_right_after_stop_agent_is_answered_not_refused(app: RunningApp, access_token: str):
    async def scenario() -> tuple[list[dict], list[dict]]:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask("[slow] What is 2 + 2?")
        started = await chat.next_frame()
        await chat.send({"type": "stop_agent", "payload": {"run_id": started["run_id"]}})
        await chat.ask("What is 2 + 2?")  # at once, as the UI's retry after its watchdog does
        stopped = [started] + await chat.run_events()
        retried = await chat.run_events()
        await chat.close()
        return stopped, retried

    stopped, retried = asyncio.run(scenario())

    assert stopped[-1]["code"] == "AGENT_FAILED"
    check_run_contract(retried)
    assert retried[-1]["final_response"] == "The answer is 4."


def test_second_message_during_a_run_is_refused_without_closing(app: RunningApp, access_token: str):
    async def scenario() -> tuple[dict, list[dict]]:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask("[slow] Hello")
        started = await chat.next_frame()
        await chat.ask("Hello again")
        frames = [await chat.next_frame()]
        while frames[-1]["type"] != "error":
            frames.append(await chat.next_frame())
        await chat.send({"type": "stop_agent", "payload": {"run_id": started["run_id"]}})
        rest = await chat.run_events()
        await chat.close()
        return frames[-1], [started, *frames[:-1], *rest]

    refusal, run = asyncio.run(scenario())

    assert refusal["code"] == "INVALID_MESSAGE" and "in progress" in refusal["message"]
    check_run_contract(run)


def test_agent_timeout_cancels_a_slow_run(launch):
    slow_app = launch(env=SHORT_AGENT_TIMEOUT_ENV)
    token = sign_in(slow_app, slow_app.email, slow_app.password)["access_token"]

    async def scenario() -> tuple[list[dict], float]:
        chat = await ChatSocket.open(slow_app.ws_url, token)
        began = time.monotonic()
        await chat.ask("[slow] What is 6 * 7?")
        events = await chat.run_events()
        elapsed = time.monotonic() - began
        await chat.close()
        return events, elapsed

    events, elapsed = asyncio.run(scenario())

    check_run_contract(events)
    assert events[-1]["code"] == "AGENT_TIMEOUT" and events[-1]["recoverable"] is True
    assert SHORT_AGENT_TIMEOUT_SECONDS <= elapsed < SHORT_AGENT_TIMEOUT_SECONDS + 5
