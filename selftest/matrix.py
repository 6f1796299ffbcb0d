"""The self-test's matrix: for each fault switch of the reference app, the tests that must catch it.

A fault is caught when every test named here fails (or errors) against the app
with that fault on. Faults that take a service away are caught before any test,
by the preflight: the run must stop with exit code 3 naming the URL that failed.
Keep the node ids exact (``pytest --collect-only -q e2e`` lists them); a unit
test checks that every fault has an entry and every node id exists.
"""

from __future__ import annotations

from dataclasses import dataclass


def _test(module: str, name: str, *params: str) -> str:
    # pytest-playwright parametrizes every browser test by browser; the suite runs Chromium.
    return f"e2e/{module}.py::{name}[{'-'.join(('chromium', *params))}]"


GOLDEN_PATH = _test("test_golden_path",
                    "test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget")
STREAMING = _test("test_streaming", "test_answer_text_only_grows_while_streaming_then_completes")
THREAD_LISTED = _test("test_threads", "test_new_chat_appears_in_the_thread_list_without_a_reload")
THREAD_RELOADED = _test("test_threads", "test_reloading_a_thread_shows_its_earlier_messages")
ENTER_SENDS = _test("test_input_rules", "test_enter_sends_the_message")
UNKNOWN_ADDRESS = _test("test_login", "test_unknown_address_is_refused_with_login_error_and_stays_on_login")
PASSWORD_NOT_REPEATED = _test("test_login", "test_unknown_address_refusal_does_not_repeat_the_typed_password")
WRONG_PASSWORD = _test(
    "test_login",
    "test_wrong_password_for_the_known_account_is_refused_without_a_session_and_the_right_one_gets_in")
SIGNED_OUT_CHAT = _test("test_login", "test_chat_while_signed_out_goes_to_login")
SIGN_OUT = _test("test_login", "test_sign_out_returns_to_login_and_chat_then_goes_to_login")
MARKUP_AS_TEXT = _test("test_rendering", "test_markup_in_a_message_is_shown_as_text")
MARKUP_AFTER_RELOAD = _test("test_rendering", "test_markup_in_a_message_is_still_text_after_a_reload")
SILENCE_AFTER_STARTED = _test(
    "test_timeouts", "test_silence_after_agent_started_ends_in_agent_timeout_and_retry_gets_the_answer")
SILENCE_BEFORE_STARTED = _test(
    "test_timeouts", "test_silence_before_agent_started_ends_in_agent_timeout_and_retry_gets_the_answer")
AGENT_ERROR_SHOWN = tuple(
    _test("test_timeouts", "test_agent_error_shows_its_code_and_message_and_marks_the_run_error", code)
    for code in ("AGENT_TIMEOUT", "TOOL_FAILED"))
CLOSE_1008 = _test("test_connection", "test_close_1008_sends_the_user_to_login_told_the_session_expired")
DROPPED_CONNECTION = tuple(
    _test("test_connection",
          "test_dropped_connection_is_told_then_reconnects_fails_the_pending_run_and_answers_the_next", code)
    for code in ("1006", "1011", "1000"))


@dataclass(frozen=True)
class Expectation:
    """What must happen when the suite runs against the app with one fault on."""

    catchers: tuple[str, ...] = ()
    # True: the preflight must stop the run (exit code 3) naming the auth service's URL.
    preflight: bool = False

    @property
    def tests_to_run(self) -> tuple[str, ...]:
        # A preflight case runs the golden path: a run that got past the preflight would run it.
        return (GOLDEN_PATH,) if self.preflight else self.catchers


MATRIX: dict[str, Expectation] = {
    "agent_silent_after_started": Expectation((GOLDEN_PATH, STREAMING)),
    "agent_silent_before_started": Expectation((GOLDEN_PATH, ENTER_SENDS)),
    "tool_events_out_of_order": Expectation((GOLDEN_PATH,)),
    # the golden path sees two terminal events; the streamed text doubles, then shrinks to the answer
    "duplicate_events": Expectation((GOLDEN_PATH, STREAMING)),
    "skip_thinking": Expectation((GOLDEN_PATH,)),
    # the answer shown loses its last piece (the golden path's 391); streaming: the text shrinks at the end
    "wrong_final_response": Expectation((GOLDEN_PATH, STREAMING)),
    "no_thread_history": Expectation((THREAD_RELOADED, MARKUP_AFTER_RELOAD)),
    "auth_down": Expectation(preflight=True),
    "config_wrong_auth_port": Expectation(preflight=True),
    # only a wrong password for the real account can tell; an unknown address is still refused
    "auth_accepts_any_password": Expectation((WRONG_PASSWORD,)),
    # the tampering tests silence the page's socket and drive the watchdog with the browser clock
    "ui_no_watchdog": Expectation((SILENCE_AFTER_STARTED, SILENCE_BEFORE_STARTED)),
    "ui_ignores_agent_error": Expectation(AGENT_ERROR_SHOWN),
    "ui_reply_not_shown": Expectation((GOLDEN_PATH, STREAMING)),
    "ui_1008_as_disconnect": Expectation((CLOSE_1008,)),
    "ui_no_reconnect": Expectation(DROPPED_CONNECTION),
    "ui_login_echoes_password": Expectation((PASSWORD_NOT_REPEATED,)),
    "ui_renders_html": Expectation((MARKUP_AS_TEXT, MARKUP_AFTER_RELOAD)),
    "ui_no_login_error": Expectation((UNKNOWN_ADDRESS, PASSWORD_NOT_REPEATED, WRONG_PASSWORD)),
    "ui_chat_without_session": Expectation((SIGNED_OUT_CHAT, SIGN_OUT)),
    "ui_sign_out_keeps_session": Expectation((SIGN_OUT,)),
    "ui_thread_list_stale": Expectation((THREAD_LISTED,)),
    # the latency budgets, measured in the page: the first token later than its P95 budget (the self-test's
    # E2E_FIRST_TOKEN_WITHIN_SECONDS is below the delay), the stream slower than its chars/s floor
    "slow_first_event": Expectation((GOLDEN_PATH,)),
    "slow_streaming": Expectation((GOLDEN_PATH,)),
}


def catching_tests() -> list[str]:
    """Every test named in the matrix, once: the baseline runs them against the app with no fault."""
    return sorted({nodeid for expectation in MATRIX.values() for nodeid in expectation.tests_to_run})


def unmatched_faults(fault_names: list[str]) -> tuple[list[str], list[str]]:
    """(faults of the app with no matrix entry, matrix entries naming no fault of the app)."""
    return sorted(set(fault_names) - MATRIX.keys()), sorted(MATRIX.keys() - set(fault_names))
