"""The ``chainlit`` profile: a Chainlit 2.x app as deployed by default (../shared/targets/chainlit).

What is Chainlit-specific lives here and beside this file, nowhere else:

- up: ``GET /auth/config`` answers as Chainlit does with password sign-in on, and
  the engine.io handshake at ``/ws/socket.io/`` (HTTP long-polling) reads as one;
- sign-in: the password form (``pages.py``); one refused attempt is Chainlit's
  ``POST /login`` answering 401;
- page objects: ``pages.py`` (Chainlit has no ``data-testid``: ids and classes);
- frames: ``codec.py`` (socket.io over engine.io; pings, probes and bookkeeping are
  transport; ``task_start``/``new_message``/``stream_token``/``update_message`` are the run);
- tampering: the upgraded WebSocket is routed (the chat page is ready once the page
  sent engine.io's upgrade ``5`` on it: ``pages.ConnectionStatus``); the server's leg
  of a routed socket takes close codes 1000 and 3000-4999 only (``codec.server_close_code``);
  a dropped socket stays down while the browser clock is paused (socket.io's reconnect
  is a page timer);
- timing: Chainlit declares no watchdog, so the suite's ``E2E_PATIENCE_SECONDS``
  (default 30 s) is how long a user may wait for a silent agent; the browser clock
  is moved past it while the engine.io heartbeat is kept alive (``keepalive_frame``);
- promises it cannot make at all: ``not_applicable`` below, each with its reason.

The bundled app (``app/``, started by ``bundled.py`` in its own virtualenv) is a real
Chainlit app whose agent is a scripted test double for the model.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, Route

from engine.preflight import PROBE_TIMEOUT_SECONDS, PreflightFailure, mask_email, probe_cause
from targets.base import BundledApp, FrameCodec, RunRules, TargetConfig, TargetProfile
from targets.chainlit import pages
from targets.chainlit.bundled import CHAINLIT_VERSION, BundledChainlitApp, is_chainlit_answer
from targets.chainlit.codec import ChainlitCodec
from targets.contract.codec import MALFORMED_FRAMES

SOCKET_PATH = "/ws/socket.io/"

# What the codec can fill from Chainlit's frames (codec.py); the contract's other fields have no
# counterpart in Chainlit and are not asked for. Chainlit sends no "thinking" at all.
CHAINLIT_RULES = RunRules(
    critical_events=("agent_started", "tool_executing", "tool_completed", "agent_completed"),
    common_fields=("type", "run_id", "thread_id"),
    event_fields={
        "agent_started": (),
        "tool_executing": ("tool_name", "execution_id"),
        "tool_completed": ("tool_name", "execution_id", "success"),
        "agent_response_delta": ("delta",),
        "agent_completed": ("final_response",),
        "agent_error": ("code", "message"),
    },
)

NO_DATA_LAYER = ("Chainlit keeps threads only with a data layer, which a default deployment does not "
                 "configure: no thread list, no history after a reload")
NO_CLOSE_CODES = ("Chainlit signs the socket in with its session cookie during the socket.io handshake; "
                  "it has no session-expiry close code (the contract's 1008)")


class ChainlitProfile(TargetProfile):
    name = "chainlit"
    title = "Chainlit 2.x"
    pages = pages
    rules = CHAINLIT_RULES
    product_words = ("chainlit", "engine.io", "socket.io")
    has_findings = True
    speed_target_ratio = 1.3  # issue 18
    not_applicable = {
        "e2e/test_threads.py::test_new_chat_appears_in_the_thread_list_without_a_reload": NO_DATA_LAYER,
        "e2e/test_threads.py::test_reloading_a_thread_shows_its_earlier_messages": NO_DATA_LAYER,
        "e2e/test_rendering.py::test_markup_in_a_message_is_still_text_after_a_reload": NO_DATA_LAYER,
        "e2e/test_login.py::test_websocket_with_a_forged_token_is_closed_with_1008": NO_CLOSE_CODES,
        "e2e/test_connection.py::test_close_1008_sends_the_user_to_login_told_the_session_expired":
            NO_CLOSE_CODES,
        "e2e/test_input_rules.py::test_message_of_4001_characters_is_refused_with_a_visible_reason":
            "the 4000-character limit is the contract's; Chainlit sets no length limit on a message",
    }

    def preflight(self, base_url: str, *, source: str, patience_seconds: float) -> TargetConfig:
        base = base_url.rstrip("/")
        auth_config = f"{base}/auth/config"
        response = _get(auth_config, hint=f"is the Chainlit app running there? (from {source})")
        if not is_chainlit_answer(response):
            raise PreflightFailure(auth_config, f"HTTP {response.status_code}, not Chainlit's answer with "
                                   f"password sign-in on: {response.text[:80]!r}",
                                   "--target chainlit expects a Chainlit 2.x app with "
                                   "@cl.password_auth_callback at that URL")
        handshake = f"{base}{SOCKET_PATH}?EIO=4&transport=polling"
        response = _get(handshake, hint="Chainlit's socket.io endpoint should answer there")
        decoded = ChainlitCodec().decode("received", response.text)
        if response.status_code != 200 or (decoded.kind, decoded.note) != ("transport", "open"):
            raise PreflightFailure(handshake, f"HTTP {response.status_code}, the chainlit codec cannot read "
                                   f"the engine.io handshake {response.text[:80]!r} ({decoded.note})",
                                   "is it Chainlit 2.x (socket.io over engine.io v4)?")
        ws_base = "ws" + base.removeprefix("http")
        return TargetConfig(
            auth_url=base,
            ws_url=f"{ws_base}{SOCKET_PATH}",
            watchdog_seconds=patience_seconds,
            watchdog_source="the suite's E2E_PATIENCE_SECONDS: Chainlit has no watchdog of its own",
        )

    def check_credentials(self, config: TargetConfig, email: str, password: str) -> None:
        url = f"{config.auth_url}/login"
        try:
            response = httpx.post(url, data={"username": email, "password": password},
                                  timeout=PROBE_TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            raise PreflightFailure(url, probe_cause(error), "is the Chainlit app running there?") from None
        if response.status_code != 200:
            answered = response.text[:120]
            if password:
                answered = answered.replace(password, "<redacted>")
            refused = f"signing in as {mask_email(email)} (E2E_USER_EMAIL) was refused"
            raise PreflightFailure(f"POST {url}", f"{refused}: HTTP {response.status_code} {answered!r}",
                                   "check E2E_USER_EMAIL and E2E_USER_PASSWORD (the password is not shown); "
                                   "no further attempt was made")

    def new_codec(self) -> FrameCodec:
        return ChainlitCodec()

    def bundled_app(self, root: Path) -> BundledApp:
        return _BundledApp()

    def socket_matches(self, config: TargetConfig, url: str) -> bool:
        return url.split("?", 1)[0] == config.ws_url

    def block_reconnection(self, page: Page, config: TargetConfig) -> Callable[[], None] | None:
        # Pausing the browser clock would freeze Chainlit's React page too (its updates run on timers):
        # instead engine.io's reconnection, which always starts with HTTP long-polling, is refused.
        polling = re.compile(re.escape("http" + config.ws_url.removeprefix("ws")) + r"\?.*transport=polling")

        def refuse(route: Route) -> None:
            route.abort()

        page.route(polling, refuse)
        return lambda: page.unroute(polling, refuse)

    def malformed_frames(self) -> tuple[str, ...]:
        # The contract's own junk, handed to the page raw on the socket (as before issue 17: the findings
        # table recorded with these frames stays comparable).
        return MALFORMED_FRAMES

    def sensitive_regions(self) -> tuple[str, ...]:
        return ("#email", "#password", "#user-nav-button")


class _BundledApp(BundledChainlitApp):
    def describe(self) -> str:
        return (f"the bundled Chainlit {CHAINLIT_VERSION} app at {self.backend_url} (a scripted test double "
                f"for the model; log {self.log_path})")


def _get(url: str, *, hint: str) -> httpx.Response:
    try:
        return httpx.get(url, timeout=PROBE_TIMEOUT_SECONDS)
    except httpx.HTTPError as error:
        raise PreflightFailure(url, probe_cause(error), hint) from None


PROFILE = ChainlitProfile()
