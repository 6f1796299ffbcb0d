"""The one settings object of the reference application.

Every port, host, URL, timeout and limit of the application is defined here and
nowhere else (a unit test enforces it). Each field can be overridden from the
environment with the prefix ``REFAPP_`` (``REFAPP_BACKEND_PORT=9000``), and the
command line overrides the ports and the faults.
"""

from __future__ import annotations

import logging
import secrets
from functools import cached_property

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

log = logging.getLogger("reference_app.settings")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="REFAPP_", extra="ignore")

    # --- topology -------------------------------------------------------------
    host: str = "127.0.0.1"
    backend_port: int = Field(8000, ge=0, le=65535)
    auth_port: int = Field(8081, ge=0, le=65535)

    # --- storage --------------------------------------------------------------
    database_url: str = "sqlite:///./reference_app.sqlite3"

    # --- tokens ---------------------------------------------------------------
    jwt_secret: str | None = None
    jwt_issuer: str = "reference-app-auth"
    access_token_seconds: int = Field(15 * 60, gt=0)
    refresh_token_seconds: int = Field(7 * 24 * 3600, gt=0)

    # --- sign-in rate limit -----------------------------------------------------
    login_max_failures: int = Field(5, gt=0)
    login_window_seconds: int = Field(60, gt=0)

    # --- timeouts -------------------------------------------------------------
    watchdog_seconds: float = Field(30, gt=0)
    agent_timeout_seconds: float = Field(25, gt=0)
    auth_probe_timeout_seconds: float = Field(2, gt=0)
    # how long `python -m reference_app` waits for both services to answer /health before giving up
    startup_timeout_seconds: float = Field(30, gt=0)
    # how long open connections get to finish after SIGTERM before they are cut
    shutdown_grace_seconds: float = Field(5, gt=0)
    # SQLite waits this long for a lock held by another writer instead of failing at once
    sqlite_busy_timeout_seconds: float = Field(30, gt=0)

    # --- chat limits -------------------------------------------------------------
    max_message_chars: int = Field(4000, gt=0)
    # a WebSocket frame longer than this is refused before it is parsed
    max_frame_chars: int = Field(64 * 1024, gt=0)
    thread_title_chars: int = Field(60, gt=0)
    # earlier messages of a thread handed to the agent as context
    agent_history_messages: int = Field(20, ge=0)

    # --- agent ----------------------------------------------------------------
    agent_provider: str = Field("scripted", pattern="^(scripted|openai)$")
    # pause between streamed pieces of the scripted answer, so streaming is visible
    scripted_delta_seconds: float = Field(0.03, ge=0)
    # a prompt containing "[slow]" makes the scripted agent's tool take this long (tests of timeouts, stop)
    scripted_slow_tool_seconds: float = Field(60, ge=0)
    openai_base_url: str = "https://api.openai.com/v1"
    openai_api_key: str | None = None
    openai_model: str = "gpt-4o-mini"
    openai_timeout_seconds: float = Field(60, gt=0)
    # model calls per run: a model that keeps asking for tools is stopped after this many
    openai_max_rounds: int = Field(4, gt=0)

    # --- seeded user (the suite's credentials) ----------------------------------
    seed_email: str | None = Field(None, validation_alias=AliasChoices("E2E_USER_EMAIL", "REFAPP_SEED_EMAIL"))
    seed_password: str | None = Field(
        None, validation_alias=AliasChoices("E2E_USER_PASSWORD", "REFAPP_SEED_PASSWORD")
    )

    # --- fault switches (see reference_app/faults.py); off unless named -------
    faults: frozenset[str] = frozenset()
    # slow_first_event: how long the first event of a run is held back (a slow model, a cold start)
    fault_slow_first_event_seconds: float = Field(4, gt=0)
    # slow_streaming: the wait before each streamed piece after the first (a model that crawls)
    fault_slow_streaming_delta_seconds: float = Field(1, gt=0)

    @cached_property
    def effective_jwt_secret(self) -> str:
        """The configured JWT secret, or one generated for this process with a warning."""
        if self.jwt_secret:
            return self.jwt_secret
        log.warning("REFAPP_JWT_SECRET is not set: generated a random secret; tokens die with this process")
        return secrets.token_urlsafe(48)

    @property
    def backend_url(self) -> str:
        return f"http://{self.host}:{self.backend_port}"

    @property
    def auth_url(self) -> str:
        return f"http://{self.host}:{self.auth_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.backend_port}/ws"

    def has_fault(self, name: str) -> bool:
        return name in self.faults
