"""Credentials never reach a report: one redaction for failure messages, attachments and traces.

What is replaced by ``<redacted>``:

- the configured credentials (``E2E_USER_EMAIL``, ``E2E_USER_PASSWORD``), also as they
  appear JSON-escaped or URL-encoded (a login body, a form, a trace's JSON lines);
- anything shaped like a JWT (``eyJ<header>.<payload>.<signature>``): access and refresh
  tokens, the ``jwt-auth.<token>`` WebSocket subprotocol, local storage;
- ``Bearer <token>`` and the value of an ``Authorization`` header;
- the value of JSON fields named ``password``, ``access_token``, ``refresh_token``,
  ``id_token``, whatever its shape (a staging app's refresh token need not be a JWT).

Playwright's own assertion messages quote the expected value (an ``expect`` on
the user menu would print the account's email); ``fixtures/redaction.py``'s hooks rewrite such
messages with ``redact`` before pytest, allure or any other reporter sees them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

from engine.settings import configured_secrets

REDACTED = "<redacted>"

JWT_PATTERN = re.compile(r"eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")
_BEARER = re.compile(r"(?i)\b(bearer\s+)(?!<redacted>)[A-Za-z0-9._~+/=-]+")
# A JSON field, possibly inside another JSON string (then its quotes are escaped: \" or \\\").
_CREDENTIAL_FIELD = re.compile(
    r'(?P<open>(?P<quote>\\*")(?:password|access_token|refresh_token|id_token)(?P=quote)\s*:\s*(?P=quote))'
    r'(?!<redacted>)[^"\\]+'
)
# A header as Playwright's traces and HAR files write it: {"name": "Authorization", "value": "..."}.
_AUTHORIZATION_HEADER = re.compile(
    r'(?i)(?P<open>(?P<quote>\\*")name(?P=quote)\s*:\s*(?P=quote)authorization(?P=quote)\s*,\s*'
    r'(?P=quote)value(?P=quote)\s*:\s*(?P=quote))(?!<redacted>)[^"\\]+'
)


def secret_variants(secrets: Iterable[str]) -> list[str]:
    """Each secret as it may be written: as is, JSON-escaped (once and twice), URL-encoded; longest first."""
    variants: set[str] = set()
    for secret in secrets:
        if not secret:
            continue
        escaped = json.dumps(secret)[1:-1]
        double_escaped = json.dumps(escaped)[1:-1]
        variants.update({secret, escaped, double_escaped, quote(secret, safe=""), quote_plus(secret)})
    return sorted(variants, key=len, reverse=True)


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """``text`` with every credential, token and Authorization value replaced by ``<redacted>``.

    ``secrets`` defaults to the configured credentials of this run.
    """
    for variant in secret_variants(configured_secrets() if secrets is None else secrets):
        text = text.replace(variant, REDACTED)
    text = JWT_PATTERN.sub(REDACTED, text)
    text = _BEARER.sub(rf"\g<1>{REDACTED}", text)
    text = _CREDENTIAL_FIELD.sub(rf"\g<open>{REDACTED}", text)
    return _AUTHORIZATION_HEADER.sub(rf"\g<open>{REDACTED}", text)


def redact_bytes(data: bytes, secrets: Iterable[str] | None = None) -> bytes:
    """``redact`` for a file's content: text (UTF-8) is redacted, anything else (images) is left as is."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return data
    redacted = redact(text, secrets)
    return data if redacted == text else redacted.encode("utf-8")
