"""A small fake of an OpenAI-compatible ``POST /chat/completions`` with ``stream: true``.

It answers each request with the next scripted reply: a list of chunks sent as
server-sent events (``data: {...}`` then ``data: [DONE]``), or an HTTP error. It
records every request body so a test can check what the provider sent.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    chunks: list[dict[str, Any]] = field(default_factory=list)
    status: int = 200


@dataclass
class FakeOpenAI:
    replies: list[Reply]
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    base_url: str = ""


def content_chunk(text: str) -> dict[str, Any]:
    return {"object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}


def tool_call_chunks(call_id: str, name: str, arguments: str, pieces: int = 3) -> list[dict[str, Any]]:
    """A tool call streamed the way OpenAI does: name first, then the arguments in fragments."""
    size = max(1, len(arguments) // pieces)
    fragments = [arguments[start:start + size] for start in range(0, len(arguments), size)]
    first = {"index": 0, "id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
    chunks = [{"choices": [{"index": 0, "delta": {"role": "assistant", "tool_calls": [first]}}]}]
    chunks += [{"choices": [{"index": 0, "delta": {"tool_calls": [
        {"index": 0, "function": {"arguments": fragment}}]}}]} for fragment in fragments]
    chunks.append({"choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}]})
    return chunks


def finish_chunk() -> dict[str, Any]:
    return {"choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}


@contextmanager
def fake_openai_server(replies: list[Reply]) -> Iterator[FakeOpenAI]:
    """Serve ``replies`` on a free loopback port for the duration of the block."""
    fake = FakeOpenAI(replies=list(replies))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (the name http.server calls)
            length = int(self.headers.get("Content-Length", 0))
            fake.requests.append(json.loads(self.rfile.read(length)))
            fake.headers.append(dict(self.headers))
            if self.path != "/v1/chat/completions" or not fake.replies:
                self.send_error(404)
                return
            reply = fake.replies.pop(0)
            if reply.status != 200:
                self.send_error(reply.status)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(b": keep-alive\n\n")
            for chunk in reply.chunks:
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
