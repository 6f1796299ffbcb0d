"""The chat backend: health, configuration, the web UI, the thread API and the WebSocket."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import FileResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from reference_app import __version__
from reference_app.agent.base import AgentProvider
from reference_app.db import Database
from reference_app.faults import FAULTS
from reference_app.http_common import bearer_user_id, install_safe_validation_errors
from reference_app.netutil import unused_port
from reference_app.security import Tokens
from reference_app.settings import Settings
from reference_app.ws import serve_chat_socket

WEB_DIR = Path(__file__).parent / "web"
NO_STORE = {"Cache-Control": "no-store"}


def ui_faults_script(settings: Settings) -> str:
    """``/static/faults.js``: the active faults of the UI layer, for the UI's own fault branches."""
    names = sorted(name for name in settings.faults if FAULTS[name].layer == "ui")
    return f"window.APP_FAULTS = {json.dumps(names)};\n"


def _page(file_name: str) -> Response:
    path = WEB_DIR / file_name
    if not path.is_file():
        return JSONResponse(status_code=404, content={"detail": f"reference_app/web/{file_name} is missing"})
    return FileResponse(path, media_type="text/html", headers=NO_STORE)


def create_backend_app(settings: Settings, db: Database, tokens: Tokens, provider: AgentProvider) -> FastAPI:
    auth_url = settings.auth_url
    if settings.has_fault("config_wrong_auth_port"):
        # FAULT: config_wrong_auth_port -- /config sends the UI to a port nothing listens on
        auth_url = settings.model_copy(update={"auth_port": unused_port(settings.host)}).auth_url

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with httpx.AsyncClient(timeout=settings.auth_probe_timeout_seconds) as client:
            app.state.http = client
            yield

    app = FastAPI(title="Reference app: chat backend", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url=None)
    install_safe_validation_errors(app)

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        probe_url = f"{settings.auth_url}/health"
        try:
            answer = await request.app.state.http.get(probe_url)
            reachable = answer.status_code == 200 and answer.json().get("service") == "auth"
        except (httpx.HTTPError, ValueError):
            reachable = False
        body = {"status": "ok" if reachable else "degraded", "service": "backend", "version": __version__,
                "auth": {"url": settings.auth_url, "reachable": reachable}}
        return JSONResponse(status_code=200 if reachable else 503, content=body)

    @app.get("/config")
    def config() -> dict:
        return {"auth_url": auth_url, "ws_url": settings.ws_url,
                "watchdog_seconds": settings.watchdog_seconds}

    @app.get("/")
    def root() -> RedirectResponse:
        return RedirectResponse("/chat")

    @app.get("/login")
    def login_page() -> Response:
        return _page("login.html")

    @app.get("/chat")
    @app.get("/chat/{thread_id}")
    def chat_page(thread_id: str | None = None) -> Response:
        return _page("chat.html")

    @app.get("/static/faults.js")
    def faults_script() -> Response:
        return Response(ui_faults_script(settings), media_type="text/javascript", headers=NO_STORE)

    @app.get("/api/threads")
    def list_threads(request: Request) -> list[dict]:
        user_id = bearer_user_id(request, tokens)
        return [thread.as_json() for thread in db.list_threads(user_id)]

    @app.get("/api/threads/{thread_id}/messages")
    def list_messages(thread_id: str, request: Request) -> list[dict]:
        user_id = bearer_user_id(request, tokens)
        if db.get_thread(user_id, thread_id) is None:
            raise HTTPException(status_code=404, detail="No such thread")
        return [message.as_json() for message in db.list_messages(thread_id)]

    @app.websocket("/ws")
    async def chat_socket(websocket: WebSocket) -> None:
        await serve_chat_socket(websocket, settings=settings, db=db, tokens=tokens, provider=provider)

    # after the generated faults.js route, so that one wins
    app.mount("/static", StaticFiles(directory=WEB_DIR, check_dir=False), name="static")
    return app
