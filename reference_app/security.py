"""Password hashing (argon2id) and signed tokens (HS256 JWT).

Two kinds of token share one secret and are told apart by their ``type`` claim:
short-lived ``access`` tokens (the Bearer header, the WebSocket subprotocol) and
long-lived ``refresh`` tokens (only good for ``POST /auth/refresh``).
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

TokenType = Literal["access", "refresh"]
_ALGORITHM = "HS256"
_REQUIRED_CLAIMS = ["iss", "sub", "exp", "iat", "type"]


class Passwords:
    """argon2id hashing with the library's recommended parameters."""

    def __init__(self) -> None:
        self._hasher = PasswordHasher()
        # verified against when the email is unknown, so both failures cost the same time
        self._decoy_hash = self._hasher.hash(uuid.uuid4().hex)

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True if ``password`` matches; ``None`` (no such user) still spends the hashing time."""
        try:
            self._hasher.verify(password_hash or self._decoy_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        return password_hash is not None


class TokenError(Exception):
    """A token that is missing, malformed, expired, forged or of the wrong type."""


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    token_type: TokenType
    expires_at: int


class Tokens:
    """Issues and checks the application's JWTs."""

    def __init__(self, *, secret: str, issuer: str, access_seconds: int, refresh_seconds: int) -> None:
        self._secret = secret
        self._issuer = issuer
        self.lifetimes: dict[TokenType, int] = {"access": access_seconds, "refresh": refresh_seconds}

    def issue(self, user_id: str, token_type: TokenType, *, now: float | None = None) -> str:
        issued_at = int(time.time() if now is None else now)
        claims = {
            "iss": self._issuer,
            "sub": user_id,
            "iat": issued_at,
            "exp": issued_at + self.lifetimes[token_type],
            "type": token_type,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self._secret, algorithm=_ALGORITHM)

    def verify(self, token: str | None, expected_type: TokenType) -> TokenClaims:
        """The token's claims if it is well-formed, signed by us, current and of ``expected_type``."""
        if not token:
            raise TokenError("no token")
        try:
            claims = jwt.decode(
                token, self._secret, algorithms=[_ALGORITHM], issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS},
            )
        except jwt.ExpiredSignatureError as exc:
            raise TokenError("token expired") from exc
        except jwt.InvalidTokenError as exc:
            raise TokenError(f"invalid token ({type(exc).__name__})") from exc
        if claims.get("type") != expected_type:
            raise TokenError(f"expected an {expected_type} token")
        subject = claims.get("sub")
        if not isinstance(subject, str) or not subject:
            raise TokenError("token has no subject")
        return TokenClaims(user_id=subject, token_type=expected_type, expires_at=int(claims["exp"]))
