"""The ``gradio`` profile: a Gradio 6.x ``gr.ChatInterface`` launched with ``launch(auth=...)``.

What is Gradio-specific lives here and beside this file, nowhere else:

- up: ``GET /config`` answers as Gradio does (401 ``{"detail": {"error": "Not authenticated"}}``
  behind its login, or its config); once signed in (``check_credentials``: ``POST /login``, a form,
  200 ``{"success": true}``, else 400 "Incorrect credentials."), its config must be Gradio 6.x with
  the ``sse_v3`` queue protocol, and hold a chatbot;
- transport: ``http-stream`` (``engine/http_stream.py``): what the page sends are the bodies of
  ``POST /gradio_api/run/predict``, ``/queue/join`` and ``/cancel``; what it receives, the messages
  of ``GET /gradio_api/queue/data`` (``codec.py``);
- page objects: ``pages.py`` (Gradio's own test ids);
- timing: Gradio has no client-side timeout of a run, so the suite's ``E2E_PATIENCE_SECONDS``
  (default 30 s) is a user's patience; the browser clock is moved past it while the queue's
  heartbeat is handed to the page (``codec.keepalive_frame``), as the server would;
- a cut stream: Gradio shows "Connection Lost" and asks ``/gradio_api/app_id`` every 2 s, reloading
  the page once it answers; ``block_reconnection`` refuses that request;
- promises it cannot make at all: ``not_applicable`` below, each with its reason.

The bundled app (``app/``, started by ``bundled.py`` in its own virtualenv) is a real Gradio app
whose model is a scripted test double.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path

import httpx
from playwright.sync_api import Page, Route

from engine.preflight import PROBE_TIMEOUT_SECONDS, PreflightFailure, mask_email, probe_cause
from targets.base import BundledApp, FrameCodec, RunRules, StreamPatterns, TargetConfig, TargetProfile
from targets.gradio import pages
from targets.gradio.bundled import GRADIO_VERSION, BundledGradioApp, is_gradio_answer
from targets.gradio.codec import MALFORMED_FRAMES, GradioCodec

# What the codec can fill from Gradio's queue messages; Gradio has no thread id and no thinking.
GRADIO_RULES = RunRules(
    critical_events=("agent_started", "tool_executing", "tool_completed", "agent_response_delta",
                     "agent_completed"),
    common_fields=("type", "run_id"),
    event_fields={
        "agent_started": (),
        "tool_executing": ("tool_name", "execution_id"),
        "tool_completed": ("tool_name", "execution_id", "success"),
        "agent_response_delta": ("delta",),
        "agent_completed": ("final_response",),
        "agent_error": ("code", "message"),
    },
)

NO_HISTORY = ("gr.ChatInterface keeps no threads by default (save_history=False): no thread list, and a "
              "reload starts an empty chat")
NO_CLOSE_CODES = ("Gradio's queue streams over HTTP and signs requests in with its session cookie: "
                  "there is no socket to close with the contract's 1008")
NO_ACCOUNT = ("Gradio's page names no signed-in account and has no sign-out control (only the /logout "
              "address): there is no user menu to check")


class GradioProfile(TargetProfile):
    name = "gradio"
    title = f"Gradio 6.x ChatInterface (bundled: {GRADIO_VERSION})"
    pages = pages
    rules = GRADIO_RULES
    transport = "http-stream"
    product_words = ("gradio",)
    has_findings = True
    speed_target_ratio = 1.5  # issue 17
    not_applicable = {
        "e2e/test_threads.py::test_new_chat_appears_in_the_thread_list_without_a_reload": NO_HISTORY,
        "e2e/test_threads.py::test_reloading_a_thread_shows_its_earlier_messages": NO_HISTORY,
        "e2e/test_rendering.py::test_markup_in_a_message_is_still_text_after_a_reload": NO_HISTORY,
        "e2e/test_login.py::test_websocket_with_a_forged_token_is_closed_with_1008": NO_CLOSE_CODES,
        "e2e/test_connection.py::test_close_1008_sends_the_user_to_login_told_the_session_expired":
            NO_CLOSE_CODES,
        "e2e/test_input_rules.py::test_message_of_4001_characters_is_refused_with_a_visible_reason":
            "the 4000-character limit is the contract's; a gr.Textbox sets no length limit by default",
        "e2e/test_connection.py::test_tool_completed_before_its_tool_executing_is_named_by_the_sequence_check":
            "Gradio's stream carries edits of the chat history since its last message: a message held "
            "back and handed over after a later one no longer applies, so the page cannot show reversed "
            "tool events",
        "e2e/test_login.py::test_valid_credentials_land_on_chat_with_the_email_in_the_user_menu": NO_ACCOUNT,
        "e2e/test_login.py::test_sign_out_returns_to_login_and_chat_then_goes_to_login": NO_ACCOUNT,
    }

    def preflight(self, base_url: str, *, source: str, patience_seconds: float) -> TargetConfig:
        base = base_url.rstrip("/")
        url = f"{base}/config"
        try:
            response = httpx.get(url, timeout=PROBE_TIMEOUT_SECONDS)
        except httpx.HTTPError as error:
            raise PreflightFailure(url, probe_cause(error),
                                   f"is the Gradio app running there? (from {source})") from None
        if not is_gradio_answer(response):
            raise PreflightFailure(url, f"HTTP {response.status_code}, not Gradio's answer: "
                                        f"{response.text[:80]!r}",
                                   "--target gradio expects a Gradio 6.x app launched with auth=... "
                                   "at that URL")
        if response.status_code == 200:
            raise PreflightFailure(url, "HTTP 200 with no session: this Gradio app has no sign-in, so no "
                                        "sign-in check can be made (launched without auth=...)",
                                   "--target gradio expects a Gradio 6.x app launched with auth=...")
        return TargetConfig(
            auth_url=base,
            ws_url="",
            watchdog_seconds=patience_seconds,
            watchdog_source="the suite's E2E_PATIENCE_SECONDS: Gradio has no client-side timeout",
        )

    def check_credentials(self, config: TargetConfig, email: str, password: str) -> None:
        url = f"{config.auth_url}/login"
        try:
            with httpx.Client(timeout=PROBE_TIMEOUT_SECONDS) as client:
                response = client.post(url, data={"username": email, "password": password})
                if response.status_code != 200:
                    answered = (response.text[:120].replace(password, "<redacted>") if password
                                else response.text)
                    raise PreflightFailure(
                        f"POST {url}", f"signing in as {mask_email(email)} (E2E_USER_EMAIL) was refused: "
                        f"HTTP {response.status_code} {answered!r}",
                        "check E2E_USER_EMAIL and E2E_USER_PASSWORD (the password is not shown); "
                        "no further attempt was made")
                found = client.get(f"{config.auth_url}/config")
                problem = _config_problem(found)
                if problem:
                    raise PreflightFailure(f"{config.auth_url}/config", problem, "--target gradio expects "
                                           "Gradio 6.x (the sse_v3 queue) with a gr.ChatInterface")
                _probe_stream(client, config.auth_url)
        except httpx.HTTPError as error:
            raise PreflightFailure(url, probe_cause(error), "is the Gradio app running there?") from None

    def new_codec(self) -> FrameCodec:
        return GradioCodec()

    def bundled_app(self, root: Path) -> BundledApp:
        return _BundledApp()

    def stream_patterns(self, config: TargetConfig) -> StreamPatterns:
        base = re.escape(config.auth_url)
        return StreamPatterns(send=f"^{base}/gradio_api/(?:run/predict|queue/join|cancel)(?:[?#]|$)",
                              stream=f"^{base}/gradio_api/queue/data(?:[?#]|$)")

    def block_reconnection(self, page: Page, config: TargetConfig) -> Callable[[], None] | None:
        # Gradio's page asks /gradio_api/app_id every 2 s after a cut, and reloads once it answers.
        asked = re.compile(re.escape(config.auth_url) + r"/gradio_api/app_id")

        def refuse(route: Route) -> None:
            route.abort()

        page.route(asked, refuse)
        return lambda: page.unroute(asked, refuse)

    def malformed_frames(self) -> tuple[str, ...]:
        return MALFORMED_FRAMES

    def sensitive_regions(self) -> tuple[str, ...]:
        return ("input[type=password]", "input[data-testid=textbox]")


def _probe_stream(client: httpx.Client, base: str) -> None:
    """The queue's stream, opened for a session that has no run: Gradio answers at once with one message
    (``unexpected_error``, session not found). A message the codec cannot read stops the run here, named."""
    url = f"{base}/gradio_api/queue/data?session_hash=e2e-preflight-{secrets.token_hex(4)}"
    with client.stream("GET", url) as response:
        if response.status_code != 200 or "text/event-stream" not in response.headers.get("content-type", ""):
            kind = response.headers.get("content-type")
            raise PreflightFailure(url, f"HTTP {response.status_code} {kind!r}, "
                                        "not the queue's text/event-stream",
                                   "is it Gradio 6.x (the sse_v3 queue)?")
        text = ""
        for chunk in response.iter_text():
            text += chunk
            if "\n\n" in text:
                break
    first = text.split("\n\n", 1)[0] + "\n\n"
    decoded = GradioCodec().decode("received", first)
    if decoded.kind == "unreadable":
        raise PreflightFailure(url, f"the gradio codec cannot read the stream's first message "
                               f"{first[:80]!r}: {decoded.note}", "is it Gradio 6.x (the sse_v3 queue)?")


def _config_problem(response: httpx.Response) -> str:
    if response.status_code != 200:
        return f"HTTP {response.status_code} after signing in: {response.text[:80]!r}"
    try:
        config = response.json()
    except ValueError:
        return f"not JSON: {response.text[:80]!r}"
    version, protocol = str(config.get("version", "")), config.get("protocol")
    if not version.startswith("6.") or protocol != "sse_v3":
        return f"Gradio {version or '(no version)'} with the {protocol!r} protocol, not 6.x with sse_v3"
    kinds = {component.get("type") for component in config.get("components", [])
             if isinstance(component, dict)}
    if "chatbot" not in kinds:
        return f"no chatbot among its components ({', '.join(sorted(map(str, kinds)))[:120]})"
    return ""


class _BundledApp(BundledGradioApp):
    def describe(self) -> str:
        return (f"the bundled Gradio {GRADIO_VERSION} app at {self.backend_url} (a scripted test double for "
                f"the model; log {self.log_path})")


PROFILE = GradioProfile()
