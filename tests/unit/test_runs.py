"""One run's life cycle, with a stand-in agent and an in-memory database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest

from reference_app.agent.base import AgentRequest, AgentStep, Completed, ResponseDelta, Thinking
from reference_app.db import Database
from reference_app.events import RunIds
from reference_app.runs import ChatRun
from reference_app.settings import Settings


class StandInAgent:
    """Yields the given steps; ``hang`` makes it wait forever after them, ``crash`` raises."""

    name = "stand-in"

    def __init__(self, steps: list[AgentStep], *, hang: bool = False, crash: bool = False) -> None:
        self.steps, self.hang, self.crash = steps, hang, crash

    async def stream(self, request: AgentRequest) -> AsyncIterator[AgentStep]:
        for step in self.steps:
            yield step
        if self.crash:
            raise RuntimeError("boom")
        if self.hang:
            await asyncio.Event().wait()


@pytest.fixture
def db() -> Iterator[Database]:
    database = Database("sqlite://")
    database.create_schema()
    yield database
    database.dispose()


def execute(db: Database, agent: StandInAgent, *, stop_after: str | None = None,
            **settings: Any) -> tuple[list[dict], list[list]]:
    """Run to the end; the events sent, and the thread's stored messages as seen when each event went out."""
    user = db.upsert_user("a@example.test", "h")
    thread = db.create_thread(user.id, "t")
    sent: list[dict] = []
    stored_when_sent: list[list] = []

    async def scenario() -> None:
        async def send(event: dict) -> None:
            sent.append(event)
            stored_when_sent.append(db.list_messages(thread.id))
            if event["type"] == stop_after:
                run.request_stop()

        run = ChatRun(ids=RunIds(run_id="r" * 32, thread_id=thread.id),
                      request=AgentRequest(prompt="p", user_id=user.id), provider=agent,
                      settings=Settings(**settings), db=db, send=send)
        await run.execute()

    asyncio.run(scenario())
    return sent, stored_when_sent


def test_the_answer_is_stored_before_the_final_event_goes_out(db: Database):
    agent = StandInAgent([Thinking("t"), ResponseDelta("Hi "), ResponseDelta("you."), Completed("Hi you.")])

    sent, stored_when_sent = execute(db, agent)

    assert [event["type"] for event in sent] == ["agent_started", "agent_thinking", "agent_response_delta",
                                                 "agent_response_delta", "agent_completed"]
    assert [(m.role, m.text, m.run_id) for m in stored_when_sent[-1]] == [("assistant", "Hi you.", "r" * 32)]


def test_a_hanging_agent_is_cut_off_by_the_agent_timeout(db: Database):
    sent, stored = execute(db, StandInAgent([Thinking("t")], hang=True), agent_timeout_seconds=0.05)

    assert sent[-1]["type"] == "agent_error" and sent[-1]["code"] == "AGENT_TIMEOUT"
    assert stored[-1][0].status == "error"


def test_stop_ends_the_run_with_agent_failed(db: Database):
    sent, _ = execute(db, StandInAgent([Thinking("t")], hang=True), stop_after="agent_thinking")

    assert (sent[-1]["code"], sent[-1]["message"]) == ("AGENT_FAILED", "The run was stopped at your request.")


def test_a_crashing_agent_ends_with_agent_failed_without_the_details(db: Database):
    sent, _ = execute(db, StandInAgent([Thinking("t")], crash=True))

    assert sent[-1]["code"] == "AGENT_FAILED" and "boom" not in sent[-1]["message"]


def test_an_agent_that_ends_without_a_final_step_fails(db: Database):
    sent, _ = execute(db, StandInAgent([Thinking("t")]))

    assert sent[-1]["code"] == "AGENT_FAILED"
    assert sum(event["type"] in ("agent_completed", "agent_error") for event in sent) == 1


def test_an_empty_final_response_is_not_a_success(db: Database):
    sent, _ = execute(db, StandInAgent([Completed("  ")]))

    assert sent[-1]["type"] == "agent_error"
