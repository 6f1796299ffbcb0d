"""Many signed-in sessions at once: every run completes, and no event reaches the wrong session."""

from __future__ import annotations

import asyncio

from tests.integration.helpers import ChatSocket, RunningApp, check_run_contract

SESSIONS = 50


def test_fifty_concurrent_sessions_each_get_only_their_own_run(app: RunningApp, access_token: str):
    async def one_session(number: int) -> tuple[int, list[dict]]:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask(f"What is {number} * 1000 + 7?")
        events = await chat.run_events(timeout=30)
        await chat.close()
        return number, events

    async def scenario() -> list[tuple[int, list[dict]]]:
        return await asyncio.gather(*(one_session(number) for number in range(SESSIONS)))

    results = asyncio.run(scenario())

    for number, events in results:
        check_run_contract(events)  # includes: one run_id and one thread_id per session
        assert events[-1]["type"] == "agent_completed", events[-1]
        executing = next(event for event in events if event["type"] == "tool_executing")
        assert executing["parameters"] == {"expression": f"{number} * 1000 + 7"}
        assert events[-1]["final_response"] == f"The answer is {number * 1000 + 7}."
    assert len({events[0]["run_id"] for _, events in results}) == SESSIONS
    assert len({events[0]["thread_id"] for _, events in results}) == SESSIONS
