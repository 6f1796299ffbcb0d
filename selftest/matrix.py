"""The self-test's matrix: for each fault switch of the reference app, the tests that must catch it.

A fault is caught when every test named here fails (or errors) against the app
with that fault on. Faults that take a service away are caught before any test,
by the preflight: the run must stop with exit code 3 naming the URL that failed.
Keep the node ids exact (``pytest --collect-only -q e2e`` lists them); a unit
test checks that every fault has an entry and every node id exists.
"""

from __future__ import annotations

from dataclasses import dataclass

# pytest-playwright parametrizes every browser test by browser; the suite runs Chromium.
_BROWSER = "[chromium]"

GOLDEN_PATH = ("e2e/test_golden_path.py::"
               f"test_prompt_gets_the_expected_answer_over_the_five_critical_events_within_budget{_BROWSER}")
STREAMING = f"e2e/test_streaming.py::test_answer_text_only_grows_while_streaming_then_completes{_BROWSER}"
THREAD_LISTED = f"e2e/test_threads.py::test_new_chat_appears_in_the_thread_list_without_a_reload{_BROWSER}"
THREAD_RELOADED = f"e2e/test_threads.py::test_reloading_a_thread_shows_its_earlier_messages{_BROWSER}"
ENTER_SENDS = f"e2e/test_input_rules.py::test_enter_sends_the_message{_BROWSER}"
WRONG_PASSWORD = f"e2e/test_login.py::test_wrong_password_shows_login_error_and_stays_on_login{_BROWSER}"
PASSWORD_NOT_REPEATED = (
    f"e2e/test_login.py::test_failed_sign_in_error_does_not_repeat_the_typed_password{_BROWSER}"
)
SIGNED_OUT_CHAT = f"e2e/test_login.py::test_chat_while_signed_out_goes_to_login{_BROWSER}"
SIGN_OUT = f"e2e/test_login.py::test_sign_out_returns_to_login_and_chat_then_goes_to_login{_BROWSER}"
MARKUP_AS_TEXT = (
    f"e2e/test_rendering.py::test_markup_in_a_message_is_shown_as_text_also_after_a_reload{_BROWSER}"
)


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
    "no_thread_history": Expectation((THREAD_RELOADED, MARKUP_AS_TEXT)),
    "auth_down": Expectation(preflight=True),
    "config_wrong_auth_port": Expectation(preflight=True),
    "ui_no_watchdog": Expectation(),
    "ui_ignores_agent_error": Expectation(),
    "ui_reply_not_shown": Expectation((GOLDEN_PATH, STREAMING)),
    "ui_1008_as_disconnect": Expectation(),
    "ui_no_reconnect": Expectation(),
    "ui_login_echoes_password": Expectation((PASSWORD_NOT_REPEATED,)),
    "ui_renders_html": Expectation((MARKUP_AS_TEXT,)),
    "ui_no_login_error": Expectation((WRONG_PASSWORD, PASSWORD_NOT_REPEATED)),
    "ui_chat_without_session": Expectation((SIGNED_OUT_CHAT, SIGN_OUT)),
    "ui_sign_out_keeps_session": Expectation((SIGN_OUT,)),
    "ui_thread_list_stale": Expectation((THREAD_LISTED,)),
}


def catching_tests() -> list[str]:
    """Every test named in the matrix, once: the baseline runs them against the app with no fault."""
    return sorted({nodeid for expectation in MATRIX.values() for nodeid in expectation.tests_to_run})


def unmatched_faults(fault_names: list[str]) -> tuple[list[str], list[str]]:
    """(faults of the app with no matrix entry, matrix entries naming no fault of the app)."""
    return sorted(set(fault_names) - MATRIX.keys()), sorted(MATRIX.keys() - set(fault_names))
