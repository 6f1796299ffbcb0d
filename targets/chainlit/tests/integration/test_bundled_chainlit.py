"""The bundled Chainlit app, started for real: sign-in over HTTP, and one golden run in a real browser.

The browser drives the app through the Chainlit page objects (``targets/chainlit/pages.py``);
the page's socket.io WebSocket is routed through Playwright, and every frame the page
sent or was handed is decoded with the Chainlit codec.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import pytest
from playwright.sync_api import Browser, Page, WebSocketRoute, sync_playwright

from engine.settings import chromium_executable
from fixtures.browser import CHROMIUM_ARGS
from targets.chainlit.bundled import AppStartFailure, BundledChainlitApp
from targets.chainlit.codec import ChainlitCodec, Decoded
from targets.chainlit.pages import ChatPage, LoginPage

pytestmark = pytest.mark.integration

SOCKET = re.compile(r".*/ws/socket\.io/.*")
# index.html asks CDNs for fonts and KaTeX's stylesheet; offline they fail anyway, aborted they fail at once.
CDN = re.compile(r"https://(fonts\.googleapis\.com|fonts\.gstatic\.com|cdn\.jsdelivr\.net)/.*")
# Chainlit's page is a 4.6 MB script that sign-in, sign-out and a signed-out visit load afresh; on
# a loaded 2-core machine that took 5 to 8 s (measured), past Playwright's default 5 s. Given to
# the checks that wait for a page load (the suite's own runs set it from E2E_EXPECT_TIMEOUT_SECONDS).
PAGE_LOAD_MS = 15_000


@dataclass
class RunningChainlit:
    url: str
    email: str
    password: str = field(repr=False)


@pytest.fixture(scope="module")
def chainlit_app() -> Iterator[RunningChainlit]:
    """The bundled Chainlit app on a free port, accepting one generated account."""
    email, password = f"e2e-{secrets.token_hex(4)}@example.test", secrets.token_urlsafe(16)
    app = BundledChainlitApp()
    try:
        app.start(email, password)
    except AppStartFailure as failure:
        pytest.fail(f"the bundled Chainlit app did not start: {failure}", pytrace=False)
    try:
        yield RunningChainlit(app.backend_url, email, password)
    finally:
        app.stop()
        app.remove_workdir()


@dataclass
class Recording:
    """What the page sent and was handed on its socket.io WebSocket, decoded as it went."""

    codec: ChainlitCodec = field(default_factory=ChainlitCodec)
    decoded: list[tuple[str, str | bytes, Decoded]] = field(default_factory=list)

    def add(self, direction: Literal["sent", "received"], payload: str | bytes) -> None:
        self.decoded.append((direction, payload, self.codec.decode(direction, payload)))

    def events(self, direction: str = "received") -> list[dict[str, Any]]:
        return [event for way, _, item in self.decoded if way == direction for event in item.events]

    def run(self, run_id: str) -> list[dict[str, Any]]:
        return [event for event in self.events() if event.get("run_id") == run_id]

    def unreadable(self) -> list[str]:
        return [item.note for _, _, item in self.decoded if item.kind == "unreadable"]


def _route_and_record(page: Page, recording: Recording) -> None:
    def forward(route: WebSocketRoute) -> None:
        server = route.connect_to_server()

        def to_server(message: str | bytes) -> None:
            recording.add("sent", message)
            server.send(message)

        def to_page(message: str | bytes) -> None:
            recording.add("received", message)
            route.send(message)

        route.on_message(to_server)
        server.on_message(to_page)

    page.route(CDN, lambda request: request.abort())
    page.route_web_socket(SOCKET, forward)


@pytest.fixture(scope="module")
def chainlit_browser() -> Iterator[Browser]:
    """This module's own Chromium, stopped with the module.

    Not pytest-playwright's session browser (nor a fixture of its names, which it parametrizes by
    browser: pytest would then move the whole e2e suite next to this module). Its event loop would stay
    on this thread for the rest of the session, and the integration tests after this one run asyncio.
    """
    executable = chromium_executable()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(args=list(CHROMIUM_ARGS), executable_path=executable or None)
        yield browser
        browser.close()


@pytest.fixture
def chainlit_page(chainlit_browser: Browser,
                  chainlit_app: RunningChainlit) -> Iterator[tuple[Page, Recording]]:
    """A fresh signed-out page on the app, its socket routed and recorded."""
    context = chainlit_browser.new_context(base_url=chainlit_app.url)
    page = context.new_page()
    recording = Recording()
    _route_and_record(page, recording)
    yield page, recording
    context.close()


def test_sign_in_over_http_refuses_wrong_credentials_and_accepts_the_right_ones(
    chainlit_app: RunningChainlit,
) -> None:
    login = f"{chainlit_app.url}/login"
    wrong_password = "wrong-" + secrets.token_hex(4)

    wrong = httpx.post(login, data={"username": chainlit_app.email, "password": wrong_password})
    stranger = httpx.post(login, data={"username": "nobody@example.invalid",
                                       "password": chainlit_app.password})
    right = httpx.post(login, data={"username": chainlit_app.email, "password": chainlit_app.password})

    assert (wrong.status_code, wrong.json()) == (401, {"detail": "credentialssignin"})
    assert stranger.status_code == 401
    assert right.status_code == 200 and right.json() == {"success": True}
    assert "access_token" in right.cookies
    me = httpx.get(f"{chainlit_app.url}/user", cookies={"access_token": right.cookies["access_token"]})
    assert me.status_code == 200 and me.json()["identifier"] == chainlit_app.email


def test_a_refused_sign_in_shows_an_alert_stays_on_login_and_does_not_repeat_the_password(
    chainlit_page: tuple[Page, Recording],
) -> None:
    page, _ = chainlit_page
    typed = f"typed-{secrets.token_hex(6)}"

    login = LoginPage(page).open().attempt_sign_in("nobody@example.invalid", typed)

    login.expect_error(timeout=PAGE_LOAD_MS)
    login.expect_error_text("Unable to sign in")
    login.expect_shown()
    login.expect_error_not_to_reveal(typed)


def test_signed_in_user_sees_their_email_in_the_menu_and_signing_out_ends_the_session(
    chainlit_page: tuple[Page, Recording], chainlit_app: RunningChainlit,
) -> None:
    page, _ = chainlit_page
    chat = LoginPage(page).open().sign_in(chainlit_app.email, chainlit_app.password)
    chat.expect_ready(timeout=PAGE_LOAD_MS)

    chat.expect_signed_in_as(chainlit_app.email)
    login = chat.sign_out()

    login.expect_shown(timeout=PAGE_LOAD_MS)
    ChatPage(page).open()
    login.expect_shown(timeout=PAGE_LOAD_MS)


def test_a_golden_run_through_the_page_objects_decodes_to_the_run_vocabulary_with_391(
    chainlit_page: tuple[Page, Recording], chainlit_app: RunningChainlit,
) -> None:
    page, recording = chainlit_page
    chat = LoginPage(page).open().sign_in(chainlit_app.email, chainlit_app.password)
    chat = ChatPage(page, run_of=recording.codec.run_of)
    chat.expect_ready(timeout=PAGE_LOAD_MS)
    watch = chat.watch_answers()

    answer = chat.send("What is 17 * 23?")

    answer.expect_complete()
    answer.expect_text(re.compile(r"\b391\b"))
    assert not recording.unreadable(), recording.unreadable()
    run_id = answer.run_id()
    run = recording.run(run_id)
    types = [event["type"] for event in run]
    assert types[:3] == ["agent_started", "tool_executing", "tool_completed"], types
    assert types[-1] == "agent_completed" and types.count("agent_response_delta") >= 2, types
    assert run[1]["tool_name"] == "calculator" and run[2]["success"] is True
    assert run[2]["results"] == {"output": "391"}
    deltas = "".join(event["delta"] for event in run if event["type"] == "agent_response_delta")
    assert deltas == run[-1]["final_response"] == answer.text() == "The answer is 391."
    sent = [event for event in recording.events("sent") if event["type"] == "user_message"]
    assert [event["payload"]["text"] for event in sent] == ["What is 17 * 23?"], (
        "the message did not travel on the recorded WebSocket (sent before the upgrade?)")
    samples = watch.samples()  # the one answer on this page (the watch names it by its own step id)
    statuses = [sample.status for sample in samples]
    assert statuses and statuses[0] == "streaming" and statuses[-1] == "complete", statuses
    texts = [sample.text.strip() for sample in samples]
    assert all(after.startswith(before) for before, after in zip(texts, texts[1:], strict=False)), texts
