"""Fault switches: ways the real product could fail its users, on purpose.

Every fault is off unless named on the command line (``--faults NAME[,NAME]``).
Each is implemented as one small branch marked ``# FAULT: <name>`` at the place
it breaks, so ``grep -rn "FAULT:" reference_app`` lists them all. The suite
never switches a fault itself; the self-test starts the app with one and
requires the suite to go red.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Fault:
    name: str
    layer: str  # "server", "ui" or "auth"
    description: str


FAULTS: dict[str, Fault] = {
    fault.name: fault
    for fault in [
        Fault(
            "agent_silent_after_started",
            "server",
            "the agent sends agent_started and then nothing, never completing or failing",
        ),
        Fault(
            "agent_silent_before_started",
            "server",
            "the agent accepts a user_message and never sends a single event",
        ),
        Fault("tool_events_out_of_order", "server", "tool_completed is sent before its tool_executing"),
        Fault("duplicate_events", "server", "every event of a run is sent twice, agent_completed included"),
        Fault("skip_thinking", "server", "the agent never sends agent_thinking"),
        Fault(
            "wrong_final_response",
            "server",
            "agent_completed carries a final_response different from the streamed answer",
        ),
        Fault("no_thread_history", "server", "messages are not stored: a reloaded thread is empty"),
        Fault(
            "auth_down", "auth", "the auth service is not started: sign-in fails, backend /health degrades"
        ),
        Fault(
            "auth_accepts_any_password",
            "auth",
            "the auth service lets any password in for a known account (unknown emails are still refused)",
        ),
        Fault("config_wrong_auth_port", "server", "GET /config names an auth port nothing listens on"),
        Fault(
            "ui_no_watchdog", "ui", "the UI has no watchdog: a silent agent leaves the user waiting forever"
        ),
        Fault(
            "ui_ignores_agent_error",
            "ui",
            "the UI ignores agent_error: the user is never told the run failed",
        ),
        Fault("ui_reply_not_shown", "ui", "the ai-message is marked complete but the answer is not shown"),
        Fault(
            "ui_1008_as_disconnect",
            "ui",
            "a 1008 close is treated as a plain disconnect: no trip to /login, endless reconnects",
        ),
        Fault("ui_no_reconnect", "ui", "after an unexpected close the UI never reconnects"),
        Fault(
            "ui_login_echoes_password", "ui", "a failed sign-in's error message repeats the typed password"
        ),
        Fault("ui_renders_html", "ui", "user text is rendered as HTML instead of plain text"),
        Fault("ui_no_login_error", "ui", "a refused sign-in shows no login-error: the form just sits there"),
        Fault(
            "ui_chat_without_session",
            "ui",
            "/chat without a session does not go to /login: an empty chat page is left showing",
        ),
        Fault(
            "ui_sign_out_keeps_session",
            "ui",
            "sign-out does not clear the session: /login and /chat still let the user in",
        ),
        Fault(
            "ui_thread_list_stale",
            "ui",
            "a new chat's thread does not appear in thread-list until the page is reloaded",
        ),
        Fault(
            "slow_first_event",
            "server",
            "the first event of every run (agent_started) is held back fault_slow_first_event_seconds (4 s)",
        ),
        Fault(
            "slow_streaming",
            "server",
            "every piece of the streamed answer but the first waits fault_slow_streaming_delta_seconds (1 s)",
        ),
    ]
}


def parse_faults(value: str | None) -> frozenset[str]:
    """Parse ``"a,b"`` into fault names; an unknown name is an error naming the known ones."""
    if not value:
        return frozenset()
    names = frozenset(part.strip() for part in value.split(",") if part.strip())
    unknown = sorted(names - FAULTS.keys())
    if unknown:
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known faults: {', '.join(sorted(FAULTS))}")
    return names


def describe_faults() -> str:
    """One line per fault, for ``--list-faults``."""
    width = max(len(name) for name in FAULTS)
    return "\n".join(f"{f.name:<{width}}  [{f.layer}]  {f.description}" for f in FAULTS.values())
