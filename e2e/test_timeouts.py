"""A silent server and the agent's own errors, told to the user (CONTRACT.md 6.3 and 6.4).

The page's socket runs through the tampering fixture (``fixtures/tamper.py``) and the
browser clock is fast-forwarded past the target's ``watchdog_seconds``: a 30-second
watchdog is tested in about a second, and no test waits for a real timeout.
"""

from __future__ import annotations

import pytest

from engine.answer_patience import AnswerWait
from engine.clock import BrowserClock
from engine.recorder import WebSocketRecorder, check_run_sequence
from engine.settings import SuiteSettings
from engine.tamper import SocketTamper, run_event
from fixtures.witness import Witness, missed
from pages import AiMessage, ChatPage

pytestmark = [pytest.mark.websocket, pytest.mark.timeout]


def _seconds(milliseconds: float) -> str:
    return f"{milliseconds / 1000:g} s"


def _expect_agent_timeout_told(chat: ChatPage, answer: AiMessage, witness: Witness, clock: BrowserClock,
                               told_within: float) -> None:
    # The page's timers already fired while the clock moved: what it does about them shows at once,
    # so each check waits only `told_within` (E2E_TOLD_WITHIN_SECONDS), never a real timeout.
    after = (f"within {_seconds(told_within)} after the browser clock passed the "
             f"{clock.watchdog_seconds:g} s watchdog ({clock.watchdog_source})")
    with witness.at(chat.page, "the watchdog gave up on the silent agent"):
        with missed(f"the user was never told the agent timed out: no error-banner AGENT_TIMEOUT "
                    f"(role=alert) {after}"):
            chat.error_banner.expect_alert("AGENT_TIMEOUT", timeout=told_within)
        with missed("the AGENT_TIMEOUT banner does not say the assistant 'did not respond in time'"):
            chat.error_banner.expect_text("did not respond in time", timeout=told_within)
        with missed(f"the unanswered ai-message was not marked error {after}"):
            answer.expect_status("error", timeout=told_within)
        with missed(f"sending was not enabled again {after}"):
            chat.expect_send_enabled(timeout=told_within)
        with missed("the AGENT_TIMEOUT banner offers no retry-button"):
            chat.error_banner.expect_retry_offered(timeout=told_within)


def _expect_retry_answered(chat: ChatPage, prompt: str, recorder: WebSocketRecorder, witness: Witness,
                           answer_wait: AnswerWait) -> None:
    retried = chat.retry()

    with witness.at(chat.page, "the retry answered"):
        with missed(f"the retry, with the tampering lifted, got no complete answer ({answer_wait.had})"):
            answer_wait.expect_complete(retried)
    sent_texts = [(event.get("payload") or {}).get("text") for event in recorder.sent("user_message")]
    assert sent_texts[-2:] == [prompt, prompt], (
        f"retry-button should send the same text again; the page sent: {sent_texts}"
    )
    problems = check_run_sequence(recorder.run_events(retried.run_id()))
    assert not problems, "the retried run's events, as the page saw them, break the contract:\n" + "\n".join(
        problems)


def test_silence_after_agent_started_ends_in_agent_timeout_and_retry_gets_the_answer(
    tampered_chat_page: ChatPage,
    ws_tamper: SocketTamper,
    page_clock: BrowserClock,
    ws_recorder: WebSocketRecorder,
    witness: Witness,
    answer_wait: AnswerWait,
    told_within: float,
    expect_timeout: float,
    e2e_marker: str,
) -> None:
    chat = tampered_chat_page
    prompt = f"{e2e_marker} What is 6 * 7?"
    silence = ws_tamper.drop_server_frames(after_event="agent_started")
    answer = chat.send(prompt)
    answer.expect_streaming()
    ws_tamper.expect_acted(silence, timeout=expect_timeout / 1000)  # the silence is the tampering's

    page_clock.pass_watchdog()

    _expect_agent_timeout_told(chat, answer, witness, page_clock, told_within)
    ws_tamper.lift()
    _expect_retry_answered(chat, prompt, ws_recorder, witness, answer_wait)


def test_silence_before_agent_started_ends_in_agent_timeout_and_retry_gets_the_answer(
    tampered_chat_page: ChatPage,
    ws_tamper: SocketTamper,
    page_clock: BrowserClock,
    ws_recorder: WebSocketRecorder,
    witness: Witness,
    answer_wait: AnswerWait,
    told_within: float,
    expect_timeout: float,
    e2e_marker: str,
) -> None:
    chat = tampered_chat_page
    prompt = f"{e2e_marker} What is 9 * 8?"
    silence = ws_tamper.drop_server_frames(from_start_of_run=True)
    answer = chat.send(prompt)
    chat.messages.expect_user_message(prompt)
    ws_tamper.expect_acted(silence, timeout=expect_timeout / 1000)  # the silence is the tampering's

    page_clock.pass_watchdog()

    _expect_agent_timeout_told(chat, answer, witness, page_clock, told_within)
    assert answer.run_id() == "", (
        f"no agent_started reached the page, yet the failed ai-message names run {answer.run_id()!r}"
    )
    ws_tamper.lift()
    _expect_retry_answered(chat, prompt, ws_recorder, witness, answer_wait)


@pytest.mark.parametrize(
    ("code", "recoverable"),
    [("AGENT_TIMEOUT", True), ("TOOL_FAILED", False)],
    ids=["AGENT_TIMEOUT", "TOOL_FAILED"],
)
def test_agent_error_shows_its_code_and_message_and_marks_the_run_error(
    code: str,
    recoverable: bool,
    tampered_chat_page: ChatPage,
    ws_tamper: SocketTamper,
    ws_recorder: WebSocketRecorder,
    witness: Witness,
    suite_settings: SuiteSettings,
    told_within: float,
    e2e_marker: str,
) -> None:
    chat = tampered_chat_page
    message = f"The agent reports {code} for this answer {e2e_marker}."
    ws_tamper.inject_server_frame(
        lambda started: run_event("agent_error", of=started, code=code, message=message,
                                  recoverable=recoverable),
        after_event="agent_started",
    )

    answer = chat.send(f"{e2e_marker} What is 5 * 5?")

    ws_recorder.wait_for("agent_error", timeout=suite_settings.started_within_seconds)
    within = f"within {_seconds(told_within)} of the agent_error frame reaching the page"
    with witness.at(chat.page, f"the agent_error {code}"):
        with missed(f"the user was never told the run failed: no error-banner {code} (role=alert) {within}"):
            chat.error_banner.expect_alert(code, timeout=told_within)
        with missed(f"the {code} banner does not show the agent_error's message {message!r}"):
            chat.error_banner.expect_text(message, timeout=told_within)
        with missed(f"the run's ai-message was not marked error {within}"):
            answer.expect_status("error", timeout=told_within)
