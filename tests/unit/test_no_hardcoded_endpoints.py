"""Ports and service URLs are written in reference_app/settings.py and nowhere else (contract section 1).

Every other file of the app (Python, JavaScript, HTML, CSS) must learn them from
the settings object or, in the browser, from ``GET /config``.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[2] / "reference_app"
THE_ONE_PLACE = APP_DIR / "settings.py"
SCANNED_SUFFIXES = {".py", ".js", ".html", ".css"}

# a URL with a scheme a service would use, whatever follows (a literal host or a template)
_SERVICE_URL = re.compile(r"\b(?:https?|wss?)://")
# namespaces and references that look like URLs but are never fetched
_NOT_A_SERVICE = re.compile(r"\bhttps?://www\.w3\.org/")
_PORT_PATTERNS = [
    re.compile(r"\b(?:8000|8081)\b"),  # the contract's defaults
    re.compile(r"\b(?:localhost|127\.0\.0\.1|0\.0\.0\.0|\[::1\])\s*:\s*\d{2,5}\b"),  # host:port
    re.compile(r"//[^\s/\"'`]*:\d{2,5}\b"),  # any URL authority with a port
    re.compile(r"\bport\w*\b[\"']?\s*[=:]\s*\d{2,5}\b", re.IGNORECASE),  # port = 1234, "port": 1234
    re.compile(r"\.(?:bind|connect)\(\s*\(\s*[^,]+,\s*[1-9]\d{1,4}\s*\)"),  # sock.bind((host, 1234))
]


def hardcoded_endpoints(text: str) -> list[str]:
    """The lines of ``text`` that write a port number or a service URL."""
    found = []
    for line in text.splitlines():
        without_references = _NOT_A_SERVICE.sub("", line)
        if _SERVICE_URL.search(without_references) or any(p.search(line) for p in _PORT_PATTERNS):
            found.append(line.strip())
    return found


@pytest.mark.parametrize("line", [
    'BASE = "http://127.0.0.1:8000"',
    "const socket = new WebSocket(`ws://${location.host}/ws`);",
    'url = f"http://{host}:{port}/health"',
    "fetch('https://api.example.com/v1')",
    "backend_port = 8000",
    '{"port": 9123}',
    "server.listen(port=5000)",
    "sock.bind((host, 4444))",
    "const AUTH = 'localhost:8081';",
    "  authPort: 8081,",
])
def test_the_detector_catches_ports_and_urls(line):
    assert hardcoded_endpoints(line) == [line.strip()]


@pytest.mark.parametrize("line", [
    "settings.backend_url",
    "sock.bind((host, 0))",
    "max_message_chars: int = 4000",
    'svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");',
    "const config = await fetch('/config');",
    "setTimeout(retry, 1000);",
    "time: 12:30",
    "watchdog_seconds = config.watchdog_seconds",
])
def test_the_detector_leaves_other_code_alone(line):
    assert hardcoded_endpoints(line) == []


def test_no_port_or_service_url_outside_settings():
    offenders = {}
    for path in sorted(APP_DIR.rglob("*")):
        if path.suffix in SCANNED_SUFFIXES and path != THE_ONE_PLACE and "__pycache__" not in path.parts:
            lines = hardcoded_endpoints(path.read_text(encoding="utf-8"))
            if lines:
                offenders[str(path.relative_to(APP_DIR.parent))] = lines

    assert offenders == {}, "ports and URLs belong in reference_app/settings.py (the UI reads GET /config)"


def test_the_one_place_does_hold_them():
    # guards the scan itself: if settings.py stopped matching, the patterns would be blind
    assert hardcoded_endpoints(THE_ONE_PLACE.read_text(encoding="utf-8"))
