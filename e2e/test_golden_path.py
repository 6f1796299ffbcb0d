"""The golden path: signed in, ask, get the answer, over the five critical events."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import allure
import pytest

from fixtures.evidence import attach_screenshot
from fixtures.settings import SuiteSettings
from fixtures.ws_recorder import WebSocketRecorder, check_run_sequence
from pages import ChatPage


@pytest.mark.golden_path
@pytest.mark.smoke
@pytest.mark.chat
@pytest.mark.websocket
def test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget(
    chat_page: ChatPage,
    ws_recorder: WebSocketRecorder,
    suite_settings: SuiteSettings,
    record_property: Callable[[str, Any], None],
) -> None:
    answer = chat_page.send(suite_settings.prompt)

    # Waits at least the usual expect timeout, so that a tight budget fails below
    # with the measured latency rather than here.
    answer.expect_complete(
        timeout=max(suite_settings.completed_within_seconds, suite_settings.expect_timeout_seconds) * 1000
    )
    answer.expect_text(suite_settings.expect)
    attach_screenshot(chat_page.page, "answer shown")
    run_id = answer.run_id()
    completed = ws_recorder.wait_for("agent_completed", run_id=run_id)
    started_after, completed_after = _latencies(ws_recorder, suite_settings.prompt, run_id, record_property)
    problems = check_run_sequence(ws_recorder.run_events(run_id))
    assert not problems, "the run's events break the contract:\n" + "\n".join(problems)
    shown = answer.text()
    assert completed["final_response"] == shown, (
        f"agent_completed.final_response {completed['final_response']!r} is not the text shown, {shown!r}"
    )
    assert started_after <= suite_settings.started_within_seconds, (
        f"agent_started came {started_after:.2f} s after sending; "
        f"budget {suite_settings.started_within_seconds:g} s"
    )
    assert completed_after <= suite_settings.completed_within_seconds, (
        f"agent_completed came {completed_after:.2f} s after sending; "
        f"budget {suite_settings.completed_within_seconds:g} s"
    )


def _latencies(recorder: WebSocketRecorder, prompt: str, run_id: str,
               record_property: Callable[[str, Any], None]) -> tuple[float, float]:
    """Seconds from sending the prompt to agent_started and to agent_completed, recorded in the report."""
    sent = [event for event in recorder.sent("user_message")
            if (event.get("payload") or {}).get("text") == prompt]
    assert sent, f"the page never sent a user_message with the prompt; recorded: {recorder.summary()}"
    started = recorder.first("agent_started", run_id=run_id)
    completed = recorder.first("agent_completed", run_id=run_id)
    assert started is not None and completed is not None
    sent_at = sent[0].frame.monotonic
    latencies = {
        "agent_started_seconds": round(started.frame.monotonic - sent_at, 3),
        "agent_completed_seconds": round(completed.frame.monotonic - sent_at, 3),
    }
    for name, seconds in latencies.items():
        record_property(name, seconds)
    allure.attach(json.dumps(latencies, indent=1), name="latency",
                  attachment_type=allure.attachment_type.JSON)
    return latencies["agent_started_seconds"], latencies["agent_completed_seconds"]
