"""Password hashing and the application's JWTs."""

from __future__ import annotations

import time

import jwt
import pytest

from reference_app.security import Passwords, TokenError, Tokens

SECRET = "unit-test-secret-that-is-long-enough-for-hs256"


@pytest.fixture(scope="module")
def passwords() -> Passwords:
    return Passwords()


@pytest.fixture
def tokens() -> Tokens:
    return Tokens(secret=SECRET, issuer="reference-app-auth", access_seconds=900, refresh_seconds=3600)


def test_a_hash_verifies_its_password_only(passwords: Passwords):
    stored = passwords.hash("correct horse")

    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert passwords.verify(stored, "correct horse")
    assert not passwords.verify(stored, "Correct horse")


def test_no_user_and_a_broken_hash_never_verify(passwords: Passwords):
    assert not passwords.verify(None, "anything")
    assert not passwords.verify("not-a-hash", "anything")


def test_access_token_carries_the_contract_claims(tokens: Tokens):
    token = tokens.issue("user-1", "access", now=1_000_000)

    claims = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert {key: claims[key] for key in ("iss", "sub", "iat", "exp", "type")} == {
        "iss": "reference-app-auth", "sub": "user-1", "iat": 1_000_000, "exp": 1_000_900, "type": "access"}
    assert jwt.get_unverified_header(token)["alg"] == "HS256"


def test_a_current_token_of_the_right_type_verifies(tokens: Tokens):
    claims = tokens.verify(tokens.issue("user-1", "refresh"), "refresh")

    assert (claims.user_id, claims.token_type) == ("user-1", "refresh")


def test_an_expired_token_is_refused(tokens: Tokens):
    old = tokens.issue("user-1", "access", now=time.time() - 901)

    with pytest.raises(TokenError, match="expired"):
        tokens.verify(old, "access")


def test_a_forged_signature_is_refused(tokens: Tokens):
    genuine = jwt.decode(tokens.issue("user-1", "access"), SECRET, algorithms=["HS256"])
    forged = jwt.encode(genuine, "another-secret-that-is-long-enough-for-hs256", algorithm="HS256")

    with pytest.raises(TokenError):
        tokens.verify(forged, "access")


def test_alg_none_is_refused(tokens: Tokens):
    unsigned = jwt.encode(jwt.decode(tokens.issue("user-1", "access"), SECRET, algorithms=["HS256"]),
                          None, algorithm="none")

    with pytest.raises(TokenError):
        tokens.verify(unsigned, "access")


@pytest.mark.parametrize("issued, expected", [("refresh", "access"), ("access", "refresh")])
def test_the_wrong_type_is_refused(tokens: Tokens, issued, expected):
    with pytest.raises(TokenError, match="expected an"):
        tokens.verify(tokens.issue("user-1", issued), expected)


def test_a_foreign_issuer_and_a_missing_claim_are_refused(tokens: Tokens):
    now = int(time.time())
    foreign = jwt.encode({"iss": "elsewhere", "sub": "u", "iat": now, "exp": now + 60, "type": "access"},
                         SECRET, algorithm="HS256")
    no_type = jwt.encode({"iss": "reference-app-auth", "sub": "u", "iat": now, "exp": now + 60},
                         SECRET, algorithm="HS256")

    for token in (foreign, no_type, "", None, "a.b.c"):
        with pytest.raises(TokenError):
            tokens.verify(token, "access")
