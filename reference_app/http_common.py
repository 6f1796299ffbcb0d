"""Pieces both HTTP services share: safe validation errors and Bearer tokens."""

from __future__ import annotations

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from reference_app.security import TokenError, Tokens


def _describe_without_values(error: dict) -> dict:
    # FastAPI's default 422 repeats the submitted value ("input"), which for a
    # sign-in form is the password; only the field and the rule are returned.
    return {"loc": list(error.get("loc", ())), "msg": error.get("msg", "invalid"), "type": error.get("type")}


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    details = [_describe_without_values(error) for error in exc.errors()]
    return JSONResponse(status_code=422, content={"detail": details})


def install_safe_validation_errors(app: FastAPI) -> None:
    """Answer malformed requests with 422 naming the fields at fault, never echoing their values."""
    app.add_exception_handler(RequestValidationError, _validation_error)


def bearer_user_id(request: Request, tokens: Tokens) -> str:
    """The user id of the request's ``Authorization: Bearer <access token>``, or 401."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    try:
        if scheme.lower() != "bearer":
            raise TokenError("no bearer token")
        return tokens.verify(token.strip(), "access").user_id
    except TokenError as exc:
        raise HTTPException(status_code=401, detail="Not authenticated",
                            headers={"WWW-Authenticate": "Bearer"}) from exc
