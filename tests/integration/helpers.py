"""Running the reference app as a process, and talking to it over HTTP and WebSocket.

``python -m reference_app --backend-port 0 --auth-port 0`` is started with a
temporary SQLite file and a random JWT secret, and is ready when it prints its
READY line (never a sleep). ``ChatSocket`` is a real WebSocket client of ``/ws``.
"""

from __future__ import annotations

import asyncio
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from engine.recorder import WebSocketRecorder, check_run_sequence
from targets.contract.codec import CONTRACT_RULES, ContractCodec

ROOT = Path(__file__).resolve().parents[2]
# generous: two CPU cores are shared with other test runs
STARTUP_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 15


@dataclass
class RunningApp:
    process: subprocess.Popen[str]
    backend_url: str
    auth_url: str
    email: str
    password: str
    jwt_secret: str
    database_url: str
    log_path: Path
    ws_url: str = ""
    stdout_lines: list[str] = field(default_factory=list)
    terminated: bool = False

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def terminate(self) -> None:
        """Send SIGTERM once (a second one would cut the graceful shutdown short)."""
        if not self.terminated and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        self.terminated = True

    def stop(self) -> int:
        """SIGTERM, then the exit status (killed after a grace period, which fails the caller's check)."""
        self.terminate()
        try:
            return self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9


def _drain(stream, lines: queue.Queue[str | None]) -> None:
    for line in stream:
        lines.put(line.rstrip("\n"))
    lines.put(None)


def launch_app(work_dir: Path, *, faults: tuple[str, ...] = (),
               env: dict[str, str] | None = None) -> RunningApp:
    """Start the app and return once it printed READY (or fail with its log)."""
    work_dir.mkdir(parents=True, exist_ok=True)
    email, password = f"user-{uuid.uuid4().hex[:8]}@example.test", secrets.token_urlsafe(16)
    jwt_secret = secrets.token_urlsafe(32)
    # a temporary SQLite file unless INTEGRATION_DATABASE_URL names another database (e.g. a throwaway
    # PostgreSQL: postgresql+psycopg://postgres@127.0.0.1:PORT/refapp) to run the same tests against
    database_url = os.environ.get("INTEGRATION_DATABASE_URL") or f"sqlite:///{work_dir / 'app.sqlite3'}"
    log_path = work_dir / "app.log"
    process_env = {
        **os.environ,
        "REFAPP_DATABASE_URL": database_url,
        "REFAPP_JWT_SECRET": jwt_secret,
        "REFAPP_SCRIPTED_DELTA_SECONDS": "0.001",
        "E2E_USER_EMAIL": email,
        "E2E_USER_PASSWORD": password,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    command = [sys.executable, "-m", "reference_app", "--backend-port", "0", "--auth-port", "0"]
    if faults:
        command += ["--faults", ",".join(faults)]
    with log_path.open("w") as log_file:
        process = subprocess.Popen(command, cwd=ROOT, env=process_env, stdout=subprocess.PIPE,
                                   stderr=log_file, text=True)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=_drain, args=(process.stdout, lines), daemon=True).start()
    app = RunningApp(process=process, backend_url="", auth_url="", email=email, password=password,
                     jwt_secret=jwt_secret, database_url=database_url, log_path=log_path)
    while True:
        try:
            line = lines.get(timeout=STARTUP_TIMEOUT_SECONDS)
        except queue.Empty:
            app.stop()
            pytest.fail(f"no READY line within {STARTUP_TIMEOUT_SECONDS} s; log:\n{app.log_tail()}")
        if line is None:
            pytest.fail(f"the app exited ({process.wait()}) before READY; log:\n{app.log_tail()}")
        app.stdout_lines.append(line)
        if line.startswith("READY "):
            parts = dict(part.split("=", 1) for part in line.split()[1:])
            app.backend_url, app.auth_url = parts["backend"], parts["auth"]
            # the app's own word on where its WebSocket is, as a browser would learn it
            app.ws_url = httpx.get(f"{app.backend_url}/config").json()["ws_url"]
            return app


def sign_in(app: RunningApp, email: str, password: str) -> dict:
    response = httpx.post(f"{app.auth_url}/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


# Bounds for waiting on the app's frames: generous, they only matter when something is broken.
FRAME_TIMEOUT_SECONDS = 10
TERMINAL_EVENTS = ("agent_completed", "agent_error")
# for apps that test the server-side agent timeout; "[slow]" prompts outlast it
SHORT_AGENT_TIMEOUT_SECONDS = 0.5
SHORT_AGENT_TIMEOUT_ENV = {"REFAPP_AGENT_TIMEOUT_SECONDS": str(SHORT_AGENT_TIMEOUT_SECONDS)}


def subprotocols_for(token: str | None) -> list[str]:
    return ["jwt-auth"] + ([f"jwt-auth.{token}"] if token is not None else [])


class ChatSocket:
    """One signed-in connection to ``/ws``."""

    def __init__(self, connection: ClientConnection, established: dict[str, Any]) -> None:
        self.connection = connection
        self.established = established

    @classmethod
    async def open(cls, ws_url: str, token: str) -> ChatSocket:
        connection = await connect(ws_url, subprotocols=subprotocols_for(token))  # type: ignore[arg-type]
        chat = cls(connection, {})
        chat.established = await chat.next_frame()
        assert chat.established["type"] == "connection_established", chat.established
        return chat

    async def close(self) -> None:
        await self.connection.close()

    async def send(self, frame: dict[str, Any] | str | bytes) -> None:
        """Send a message as JSON text; a str or bytes frame goes out exactly as given."""
        await self.connection.send(frame if isinstance(frame, str | bytes) else json.dumps(frame))

    async def ask(self, text: str, thread_id: str | None = None) -> None:
        await self.send({"type": "user_message", "message_id": uuid.uuid4().hex,
                         "payload": {"text": text, "thread_id": thread_id}})

    async def next_frame(self, timeout: float = FRAME_TIMEOUT_SECONDS) -> dict[str, Any]:
        return json.loads(await asyncio.wait_for(self.connection.recv(), timeout))

    async def run_events(self, timeout: float = FRAME_TIMEOUT_SECONDS) -> list[dict[str, Any]]:
        """Frames up to and including the run's agent_completed or agent_error."""
        frames = []
        while True:
            frame = await self.next_frame(timeout)
            frames.append(frame)
            if frame.get("type") in TERMINAL_EVENTS:
                return frames

    async def ping(self) -> dict[str, Any]:
        await self.send({"type": "ping"})
        return await self.next_frame()


def ask_once(app: RunningApp, access_token: str, text: str) -> list[dict[str, Any]]:
    """Open a socket, ask one question, and return that run's events, first to last."""
    async def scenario() -> list[dict[str, Any]]:
        chat = await ChatSocket.open(app.ws_url, access_token)
        await chat.ask(text)
        events = await chat.run_events()
        await chat.close()
        return events

    return asyncio.run(scenario())


async def close_code_for(ws_url: str, subprotocols: list[str]) -> int | None:
    """Connect with ``subprotocols`` and return the code the server closes with."""
    async with connect(ws_url, subprotocols=subprotocols or None) as connection:  # type: ignore[arg-type]
        try:
            while True:
                await asyncio.wait_for(connection.recv(), FRAME_TIMEOUT_SECONDS)
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


def check_run_contract(events: list[dict[str, Any]]) -> None:
    """Assert what contract section 4 promises about one run's events, with the suite's own checker."""
    recorder = WebSocketRecorder(codec=ContractCodec(), rules=CONTRACT_RULES)
    socket = recorder.open_socket("integration-test")
    for event in events:
        recorder.record("received", json.dumps(event), socket=socket)
    problems = check_run_sequence(recorder.events(), expect_success=False)
    assert not problems, "\n".join(problems)


def types_of(events: list[dict[str, Any]]) -> list[str]:
    return [event["type"] for event in events]
