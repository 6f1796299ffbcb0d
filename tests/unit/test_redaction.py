"""Redaction of credentials and tokens in text, bytes and Playwright trace zips."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from urllib.parse import quote_plus

import jwt
import pytest

from engine.redaction import REDACTED, redact, redact_bytes, secret_variants
from engine.trace_redaction import redact_trace, trace_problems

PASSWORD = 'pa"ss wörd/+&'
EMAIL = "qa-1@example.test"
TOKEN = jwt.encode({"sub": "1", "type": "access"}, "k" * 32, algorithm="HS256")


def test_configured_credentials_are_replaced_as_typed_escaped_and_url_encoded() -> None:
    body = json.dumps({"email": EMAIL, "password": PASSWORD})
    nested = json.dumps({"postData": body})
    form = f"email={quote_plus(EMAIL)}&password={quote_plus(PASSWORD)}"

    for text in (f"typed {PASSWORD}", body, nested, form):
        redacted = redact(text, [EMAIL, PASSWORD])
        assert not any(variant in redacted for variant in secret_variants([EMAIL, PASSWORD])), redacted
        assert "example.test" not in redacted, redacted


@pytest.mark.parametrize("text", [
    f"Sec-WebSocket-Protocol: jwt-auth, jwt-auth.{TOKEN}",
    json.dumps({"name": "Authorization", "value": f"Bearer {TOKEN}"}),
    json.dumps({"access_token": TOKEN, "refresh_token": "opaque-refresh-123", "token_type": "bearer"}),
    json.dumps({"name": "authorization", "value": "Basic dXNlcjpwYXNz"}),
    "Authorization: Bearer opaque.not-a-jwt~123",
])
def test_tokens_and_authorization_values_are_replaced_without_knowing_them(text: str) -> None:
    redacted = redact(text, [])

    assert TOKEN not in redacted and "opaque" not in redacted and "dXNlcjpwYXNz" not in redacted, redacted
    assert REDACTED in redacted


def test_json_stays_json_after_redaction() -> None:
    nested = json.dumps({"password": "y"})
    text = json.dumps({"a": [TOKEN, {"password": "x"}, f"Bearer {TOKEN}"], "b": nested})

    redacted = json.loads(redact(text, []))

    assert redacted["a"][1] == {"password": REDACTED}
    assert json.loads(redacted["b"]) == {"password": REDACTED}


def test_binary_content_is_left_alone() -> None:
    image = b"\x89PNG\r\n\x1a\n\xff\xfe" + TOKEN.encode()

    assert redact_bytes(image, []) == image


def _write_trace(path: Path) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as trace:
        trace.writestr("trace.trace", "\n".join([
            json.dumps({"type": "before", "method": "fill", "params": {"value": PASSWORD}}),
            json.dumps({"type": "before", "method": "addInitScript",
                        "params": {"source": json.dumps({"access": TOKEN})}}),
        ]) + "\n")
        trace.writestr("trace.network", json.dumps({"snapshot": {"request": {"headers": [
            {"name": "Authorization", "value": f"Bearer {TOKEN}"},
            {"name": "Sec-WebSocket-Protocol", "value": f"jwt-auth, jwt-auth.{TOKEN}"},
        ]}}}) + "\n")
        trace.writestr("resources/0a1b2c.json", json.dumps({"access_token": TOKEN, "refresh_token": "r-1"}))
        trace.writestr("resources/ff00.jpeg", b"\xff\xd8\xff\xe0" + bytes(range(256)))


def test_a_redacted_trace_has_no_secret_left_and_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "trace.zip"
    _write_trace(path)

    changed = redact_trace(path, [EMAIL, PASSWORD])

    assert changed == 3
    assert trace_problems(path) == []
    with zipfile.ZipFile(path) as trace:
        everything = b"".join(trace.read(name) for name in trace.namelist())
        assert trace.read("resources/ff00.jpeg") == b"\xff\xd8\xff\xe0" + bytes(range(256))
    for secret in (PASSWORD.encode(), json.dumps(PASSWORD)[1:-1].encode(), TOKEN.encode(), b"r-1"):
        assert secret not in everything


def test_trace_problems_names_a_broken_entry(tmp_path: Path) -> None:
    path = tmp_path / "trace.zip"
    with zipfile.ZipFile(path, "w") as trace:
        trace.writestr("trace.trace", '{"type": "before"}\n{"type": \n')

    assert "line 2 is not JSON" in trace_problems(path)[0]
