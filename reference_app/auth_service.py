"""The auth service: sign-in, token refresh and "who am I" (contract section 2)."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from reference_app.db import Database, normalise_email
from reference_app.http_common import bearer_user_id, install_safe_validation_errors
from reference_app.login_throttle import LoginThrottle
from reference_app.security import Passwords, TokenError, Tokens
from reference_app.settings import Settings

INVALID_CREDENTIALS = "Invalid email or password"


class LoginRequest(BaseModel):
    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=4096)


def create_auth_app(settings: Settings, db: Database, tokens: Tokens, passwords: Passwords) -> FastAPI:
    app = FastAPI(title="Reference app: auth service", docs_url=None, redoc_url=None, openapi_url=None)
    # the web UI calls this service from the backend's origin with a Bearer header, never cookies
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"],
                       expose_headers=["Retry-After"])
    install_safe_validation_errors(app)
    throttle = LoginThrottle(max_failures=settings.login_max_failures,
                             window_seconds=settings.login_window_seconds)

    def token_pair(user_id: str) -> dict:
        return {
            "access_token": tokens.issue(user_id, "access"),
            "refresh_token": tokens.issue(user_id, "refresh"),
            "token_type": "bearer",
            "expires_in": tokens.lifetimes["access"],
        }

    accepts_any_password = settings.has_fault("auth_accepts_any_password")

    def check_password(email: str, password: str) -> str | None:
        user = db.find_user_by_email(email)
        ok = passwords.verify(user.password_hash if user else None, password)
        if accepts_any_password and user is not None:
            ok = True  # FAULT: auth_accepts_any_password -- the password of a known account is never checked
        return user.id if ok and user else None

    @app.get("/health")
    async def health() -> dict:
        return {"status": "ok", "service": "auth"}

    @app.post("/auth/login")
    async def login(body: LoginRequest) -> JSONResponse:
        email = normalise_email(body.email)
        wait_seconds = throttle.retry_after(email)
        if wait_seconds is not None:
            return JSONResponse(status_code=429, headers={"Retry-After": str(wait_seconds)},
                                content={"detail": f"Too many failed sign-in attempts; try again in "
                                                   f"{wait_seconds} seconds"})
        # argon2 is deliberately slow: keep it off the event loop
        user_id = await run_in_threadpool(check_password, email, body.password)
        if user_id is None:
            throttle.record_failure(email)
            return JSONResponse(status_code=401, content={"detail": INVALID_CREDENTIALS})
        throttle.record_success(email)
        return JSONResponse(token_pair(user_id))

    @app.post("/auth/refresh")
    def refresh(body: RefreshRequest) -> dict:
        try:
            claims = tokens.verify(body.refresh_token, "refresh")
        except TokenError as exc:
            raise HTTPException(status_code=401, detail="Invalid or expired refresh token") from exc
        if db.get_user(claims.user_id) is None:
            raise HTTPException(status_code=401, detail="Invalid or expired refresh token")
        return {"access_token": tokens.issue(claims.user_id, "access"), "token_type": "bearer",
                "expires_in": tokens.lifetimes["access"]}

    @app.get("/auth/me")
    def me(request: Request) -> dict:
        user = db.get_user(bearer_user_id(request, tokens))
        if user is None:
            raise HTTPException(status_code=401, detail="Not authenticated",
                                headers={"WWW-Authenticate": "Bearer"})
        return {"id": user.id, "email": user.email}

    return app
