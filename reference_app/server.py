"""Both services in one process: two uvicorn servers in one asyncio loop.

The sockets are bound here, before anything else, so that port 0 works: the real
ports go into the settings and from there into every URL the app hands out.
``READY backend=... auth=...`` is printed once both services answer ``/health``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
from collections.abc import Iterator
from typing import TextIO

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from reference_app import __version__
from reference_app.agent import create_provider
from reference_app.auth_service import create_auth_app
from reference_app.backend import create_backend_app
from reference_app.db import Database
from reference_app.netutil import bind_listening_socket, bound_port, unused_port
from reference_app.security import Passwords, Tokens
from reference_app.settings import Settings

log = logging.getLogger("reference_app.server")


class _Server(uvicorn.Server):
    """A uvicorn server that leaves signal handling to ``serve`` and says when it listens."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.listening = asyncio.Event()

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # two servers share the process; each would replace the other's handlers
        yield

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self.listening.set()


def _uvicorn_config(app: FastAPI, settings: Settings) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_config=None,  # logging is set up once by __main__ (everything to stderr)
        lifespan="on",
        server_header=False,
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,  # type: ignore[arg-type]
        # a frame far beyond the protocol's own limit closes the connection (1009) unread
        ws_max_size=settings.max_frame_chars * 4 + 1024,
    )


def seed_user(settings: Settings, db: Database, passwords: Passwords) -> None:
    """Create the suite's user (E2E_USER_EMAIL / E2E_USER_PASSWORD), or reset its password."""
    if not (settings.seed_email and settings.seed_password):
        log.info("no seeded user: set E2E_USER_EMAIL and E2E_USER_PASSWORD to create one")
        return
    db.upsert_user(settings.seed_email, passwords.hash(settings.seed_password))
    log.info("seeded user %s", settings.seed_email)


async def _answers_health(client: httpx.AsyncClient, base_url: str, service: str) -> bool:
    """True once ``base_url/health`` answers as ``service`` (a degraded 503 is an answer too)."""
    try:
        response = await client.get(f"{base_url}/health")
        return response.json().get("service") == service
    except (httpx.HTTPError, ValueError):
        return False


def _banner(settings: Settings) -> str:
    faults = ", ".join(sorted(settings.faults)) or "none"
    auth_note = "  (NOT STARTED: fault auth_down)" if settings.has_fault("auth_down") else ""
    return "\n".join([
        f"Reference chat application {__version__}",
        f"  web UI   {settings.backend_url}/login",
        f"  backend  {settings.backend_url}",
        f"  auth     {settings.auth_url}{auth_note}",
        f"  agent    {settings.agent_provider}",
        f"  faults   {faults}",
        f"  database {make_url(settings.database_url).render_as_string(hide_password=True)}",
    ])


async def serve(settings: Settings, *, out: TextIO = sys.stdout) -> int:
    """Run both services until SIGTERM or Ctrl-C; the exit status (0 after a clean stop)."""
    backend_socket = bind_listening_socket(settings.host, settings.backend_port)
    auth_socket: socket.socket | None = None
    if settings.has_fault("auth_down"):
        # FAULT: auth_down -- the auth service is never started; its URL leads nowhere
        auth_port = settings.auth_port or unused_port(settings.host)
    else:
        auth_socket = bind_listening_socket(settings.host, settings.auth_port)
        auth_port = bound_port(auth_socket)
    settings = settings.model_copy(update={"backend_port": bound_port(backend_socket),
                                           "auth_port": auth_port})

    db = Database(settings.database_url, sqlite_busy_timeout_seconds=settings.sqlite_busy_timeout_seconds)
    passwords = Passwords()
    await asyncio.to_thread(db.create_schema)
    await asyncio.to_thread(seed_user, settings, db, passwords)
    tokens = Tokens(secret=settings.effective_jwt_secret, issuer=settings.jwt_issuer,
                    access_seconds=settings.access_token_seconds,
                    refresh_seconds=settings.refresh_token_seconds)

    backend_app = create_backend_app(settings, db, tokens, create_provider(settings))
    served: list[tuple[_Server, socket.socket, str, str]] = [
        (_Server(_uvicorn_config(backend_app, settings)), backend_socket, settings.backend_url, "backend")]
    if auth_socket is not None:
        auth_app = create_auth_app(settings, db, tokens, passwords)
        served.append((_Server(_uvicorn_config(auth_app, settings)), auth_socket, settings.auth_url, "auth"))
    servers = [server for server, *_ in served]

    stop_requested = False

    def stop(signal_number: int) -> None:
        nonlocal stop_requested
        stop_requested = True
        log.info("received %s: stopping", signal.Signals(signal_number).name)
        for server in servers:
            # a second Ctrl-C does not wait for open connections
            server.force_exit = server.should_exit
            server.should_exit = True

    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop, signal_number)

    tasks = [asyncio.create_task(server.serve(sockets=[sock]), name=f"{name} server")
             for server, sock, _, name in served]
    try:
        if not await _wait_until_ready(settings, served, tasks):
            for server in servers:
                server.should_exit = True
            await asyncio.gather(*tasks, return_exceptions=True)
            return 0 if stop_requested else 1
        print(_banner(settings), file=out)
        print(f"READY backend={settings.backend_url} auth={settings.auth_url}", file=out, flush=True)
        await asyncio.gather(*tasks)
    finally:
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)
        for sock in (backend_socket, auth_socket):
            if sock is not None:
                sock.close()
        db.dispose()
    log.info("stopped")
    return 0


async def _wait_until_ready(settings: Settings, served: list[tuple[_Server, socket.socket, str, str]],
                            tasks: list[asyncio.Task[None]]) -> bool:
    """True once every server listens and answers /health; False if one fails or a stop comes first."""
    async def all_listening() -> None:
        await asyncio.gather(*(server.listening.wait() for server, *_ in served))

    listening = asyncio.create_task(all_listening())
    try:
        done, _ = await asyncio.wait([listening, *tasks], timeout=settings.startup_timeout_seconds,
                                     return_when=asyncio.FIRST_COMPLETED)
    finally:
        listening.cancel()
    if listening not in done:
        log.error("the services did not start within %g s (or were stopped)",
                  settings.startup_timeout_seconds)
        return False
    async with httpx.AsyncClient(timeout=settings.auth_probe_timeout_seconds) as client:
        for _, _, base_url, name in served:
            if not await _answers_health(client, base_url, name):
                log.error("the %s service at %s does not answer /health", name, base_url)
                return False
    return True
