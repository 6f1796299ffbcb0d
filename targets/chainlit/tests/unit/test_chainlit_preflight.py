"""The chainlit profile's preflight against real HTTP servers that are not (quite) Chainlit: one line each."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from targets.base import PreflightFailure, TargetConfig
from targets.chainlit import PROFILE

CHAINLIT_AUTH_CONFIG = {"requireLogin": True, "passwordAuth": True, "headerAuth": False, "oauthProviders": []}
Routes = dict[str, tuple[int, str]]


@pytest.fixture
def serve() -> Iterator[Callable[[Routes], str]]:
    """A callable: serve these paths (``{"/auth/config": (200, body)}``) on a free port; returns its URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(routes: Routes) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                status, body = routes.get(self.path.split("?", 1)[0], (404, "not found"))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(body.encode())

            def do_POST(self) -> None:  # noqa: N802
                self.do_GET()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _preflight(base_url: str) -> TargetConfig:
    return PROFILE.preflight(base_url, source="--base-url", patience_seconds=30.0)


def test_a_url_that_is_not_chainlit_is_refused_in_one_line(serve: Callable[[Routes], str]) -> None:
    base_url = serve({"/auth/config": (200, "<html>a shop</html>")})

    with pytest.raises(PreflightFailure) as raised:
        _preflight(base_url)

    line = str(raised.value)
    assert line.startswith(f"preflight failed: {base_url}/auth/config: HTTP 200, not Chainlit's answer")
    assert "\n" not in line


def test_a_chainlit_whose_socket_frames_the_codec_cannot_read_is_refused_naming_the_frame(
    serve: Callable[[Routes], str],
) -> None:
    base_url = serve({"/auth/config": (200, json.dumps(CHAINLIT_AUTH_CONFIG)),
                      "/ws/socket.io/": (200, "hello, I am no engine.io")})

    with pytest.raises(PreflightFailure) as raised:
        _preflight(base_url)

    line = str(raised.value)
    assert "the chainlit codec cannot read the engine.io handshake 'hello, I am no engine.io'" in line, line


def test_a_down_chainlit_is_named(serve: Callable[[Routes], str]) -> None:
    base_url = serve({})
    dead = base_url.rsplit(":", 1)[0] + ":9"

    with pytest.raises(PreflightFailure) as raised:
        _preflight(dead)

    assert str(raised.value).startswith(f"preflight failed: {dead}/auth/config: cannot connect")


def test_chainlit_up_gives_the_socket_and_the_suites_patience(serve: Callable[[Routes], str]) -> None:
    handshake = '0{"sid":"abc","upgrades":["websocket"],"pingInterval":25000,"pingTimeout":20000}'
    base_url = serve({"/auth/config": (200, json.dumps(CHAINLIT_AUTH_CONFIG)),
                      "/ws/socket.io/": (200, handshake)})

    config = PROFILE.preflight(base_url, source="--base-url", patience_seconds=12.0)

    assert config.ws_url == "ws" + base_url.removeprefix("http") + "/ws/socket.io/"
    assert config.watchdog_seconds == 12.0 and "E2E_PATIENCE_SECONDS" in config.watchdog_source


def test_refused_credentials_are_one_line_naming_the_answer_never_the_password(
    serve: Callable[[Routes], str],
) -> None:
    base_url = serve({"/login": (401, '{"detail":"credentialssignin"}')})
    config = type("Config", (), {"auth_url": base_url})()

    with pytest.raises(PreflightFailure) as raised:
        PROFILE.check_credentials(config, "qa@example.com", "hunter2-secret")  # type: ignore[arg-type]

    line = str(raised.value)
    assert "signing in as q…@example.com (E2E_USER_EMAIL) was refused: HTTP 401" in line, line
    assert "credentialssignin" in line and "hunter2-secret" not in line and "qa@example.com" not in line
