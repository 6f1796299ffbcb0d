"""The gradio profile's bad-input lines, against real HTTP servers that are not (quite) Gradio 6.x.

One line each, before the first test, never a hang: not Gradio at that URL, down, refused
credentials, and a queue stream whose first message the codec cannot read (the message named).
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from targets.base import PreflightFailure, TargetConfig
from targets.gradio import PROFILE

pytestmark = pytest.mark.unit

# path -> (status, content type, body); "<path>#signed-out" answers a request without a cookie
Routes = dict[str, tuple[int, str, str]]
SIGNED_OUT = json.dumps({"detail": {"error": "Not authenticated", "auth_message": None}})
CONFIG = json.dumps({"version": "6.31.0", "protocol": "sse_v3", "dependencies": [],
                     "components": [{"id": 1, "type": "chatbot"}, {"id": 2, "type": "textbox"}]})
NOT_FOUND = 'data: {"msg":"unexpected_error","message":"404: Not Found","success":false}\n\n'


@pytest.fixture
def serve() -> Iterator[Callable[[Routes], str]]:
    """A callable: serve these paths on a free loopback port; returns the server's URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(routes: Routes) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?", 1)[0]
                if not self.headers.get("cookie") and f"{path}#signed-out" in routes:
                    path = f"{path}#signed-out"
                status, kind, body = routes.get(path, (404, "text/plain", "not found"))
                self.send_response(status)
                if path == "/login" and status == 200:
                    self.send_header("set-cookie", "access-token=a-session; Path=/")
                self.send_header("content-type", kind)
                self.send_header("content-length", str(len(body.encode())))
                self.end_headers()
                self.wfile.write(body.encode())

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                self.rfile.read(length)
                self.do_GET()

            def log_message(self, *args: object) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _gradio(stream: str = NOT_FOUND, login: tuple[int, str] = (200, '{"success":true}')) -> Routes:
    return {"/config#signed-out": (401, "application/json", SIGNED_OUT),
            "/config": (200, "application/json", CONFIG), "/login": (login[0], "application/json", login[1]),
            "/gradio_api/queue/data": (200, "text/event-stream", stream)}


def _config(base_url: str) -> TargetConfig:
    return PROFILE.preflight(base_url, source="--base-url", patience_seconds=30.0)


def test_a_url_that_is_not_gradio_is_refused_in_one_line(serve: Callable[[Routes], str]) -> None:
    base_url = serve({"/config": (200, "text/html", "<html>a shop</html>")})

    with pytest.raises(PreflightFailure) as raised:
        _config(base_url)

    line = str(raised.value)
    assert f"{base_url}/config: HTTP 200, not Gradio's answer" in line, line
    assert "\n" not in line


def test_a_target_that_is_down_is_named_in_one_line() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(PreflightFailure) as raised:
        _config(f"http://127.0.0.1:{port}")

    line = str(raised.value)
    assert f"http://127.0.0.1:{port}/config" in line and "is the Gradio app running there?" in line, line
    assert "\n" not in line


def test_the_signed_out_answer_of_a_gradio_app_passes_the_preflight(serve: Callable[[Routes], str]) -> None:
    base_url = serve({"/config": (401, "application/json", SIGNED_OUT)})

    config = _config(base_url)

    assert config.auth_url == base_url
    assert config.watchdog_seconds == 30.0


def test_a_gradio_app_without_sign_in_is_named_in_one_line(serve: Callable[[Routes], str]) -> None:
    base_url = serve({"/config": (200, "application/json", CONFIG)})

    with pytest.raises(PreflightFailure) as raised:
        _config(base_url)

    line = str(raised.value)
    assert f"{base_url}/config: HTTP 200 with no session: this Gradio app has no sign-in" in line, line
    assert "\n" not in line


def test_refused_credentials_are_one_line_that_never_shows_the_password(
    serve: Callable[[Routes], str],
) -> None:
    base_url = serve(_gradio(login=(400, '{"detail":"Incorrect credentials. secret-pw-1"}')))

    with pytest.raises(PreflightFailure) as raised:
        PROFILE.check_credentials(_config(base_url), "qa@example.test", "secret-pw-1")

    line = str(raised.value)
    assert f"POST {base_url}/login" in line and "was refused: HTTP 400" in line, line
    assert "secret-pw-1" not in line and "\n" not in line


def test_a_gradio_of_another_major_version_is_named(serve: Callable[[Routes], str]) -> None:
    routes = _gradio()
    routes["/config"] = (200, "application/json", json.dumps({**json.loads(CONFIG), "version": "4.44.1",
                                                              "protocol": "sse_v1"}))
    base_url = serve(routes)

    with pytest.raises(PreflightFailure) as raised:
        PROFILE.check_credentials(_config(base_url), "qa@example.test", "pw")

    assert "Gradio 4.44.1 with the 'sse_v1' protocol, not 6.x with sse_v3" in str(raised.value)


def test_a_stream_whose_first_message_the_codec_cannot_read_is_named(serve: Callable[[Routes], str]) -> None:
    base_url = serve(_gradio(stream='data: {"msg":\n\n'))

    with pytest.raises(PreflightFailure) as raised:
        PROFILE.check_credentials(_config(base_url), "qa@example.test", "pw")

    line = str(raised.value)
    assert "cannot read the stream's first message" in line and 'data: {\\"msg\\":' not in line, line
    assert "'data: {\"msg\":\\n\\n'" in line, line


def test_a_stream_that_never_ends_a_message_does_not_hang_the_preflight(
    serve: Callable[[Routes], str],
) -> None:
    # The body ends without the blank line that ends a server-sent message: read, then judged.
    base_url = serve(_gradio(stream="data: " + "x" * 200))

    with pytest.raises(PreflightFailure) as raised:
        PROFILE.check_credentials(_config(base_url), "qa@example.test", "pw")

    assert "cannot read the stream's first message" in str(raised.value)


def test_a_real_gradio_stream_answer_passes(serve: Callable[[Routes], str]) -> None:
    base_url = serve(_gradio())

    PROFILE.check_credentials(_config(base_url), "qa@example.test", "pw")
