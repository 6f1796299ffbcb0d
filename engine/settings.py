"""The suite's one settings object, and the target's own configuration from ``GET /config``.

Only this module reads the suite's environment variables (and ``browser_finder.py``
the browser's, since nox runs it before any package is installed). The target's URL has
one source (``--base-url``, or ``E2E_BASE_URL``); the auth URL, the WebSocket URL
and the watchdog come from the target itself, never configured twice.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

from engine.browser_finder import BrowserProblem, Finder

BASE_URL_VARIABLE = "E2E_BASE_URL"
EMAIL_VARIABLE = "E2E_USER_EMAIL"
PASSWORD_VARIABLE = "E2E_USER_PASSWORD"
# Target profiles (targets/): which kind of product the run tests, and the suite's own patience
# with a silent agent for a product that declares no watchdog of its own.
TARGET_VARIABLE = "E2E_TARGET"
DEFAULT_TARGET = "contract"
PATIENCE_VARIABLE = "E2E_PATIENCE_SECONDS"
DEFAULT_PATIENCE_SECONDS = 30.0
PROMPT_VARIABLE = "E2E_PROMPT"
EXPECT_VARIABLE = "E2E_EXPECT"
# Remote browsers (issue 12): a Playwright browser server to connect to instead of launching Chromium.
BROWSER_ENDPOINT_VARIABLE = "E2E_BROWSER_ENDPOINT"
BROWSER_HEADERS_VARIABLE = "E2E_BROWSER_HEADERS"
# Query parameters of an endpoint that carry a credential (Browserless' `?token=`, signed URLs).
_SECRET_QUERY_KEY = re.compile(r"(?i)token|key|secret|passw|auth|sig|credential")

DEFAULT_PROMPT = "What is 17 * 23?"
DEFAULT_EXPECT = r"\b391\b"


class MissingSetting(Exception):
    """A required environment variable is not set; the message names it."""


class InvalidSetting(MissingSetting):
    """A setting's value cannot be used; the message names the variable, the value and what is wrong."""


@dataclass(frozen=True)
class TargetConfig:
    """What the suite knows about the running target once the preflight has passed.

    For the contract, what the target says about itself in ``GET /config``. Other
    profiles (``targets/``) fill it from what they find. ``watchdog_seconds`` is the
    product's own patience with a silent agent or, for a product that declares none,
    the suite's ``E2E_PATIENCE_SECONDS``; ``watchdog_source`` says which.
    """

    auth_url: str
    ws_url: str
    watchdog_seconds: float
    watchdog_source: str = "GET /config watchdog_seconds"
    # What else the profile found in the preflight (a version, a path), for the report.
    facts: tuple[tuple[str, str], ...] = ()


# --- latency: samples, budgets as P95 values, the release baseline (issue 13) ---------------------
# Read without credentials too: the controller checks the budgets before anything starts, and
# `python -m latency baseline` reads the baseline rule. The P95 budgets of the first frame and of the
# complete answer are SuiteSettings' started_within_seconds and completed_within_seconds.
@dataclass(frozen=True)
class LatencySettings:
    samples: int = 1  # golden paths a run takes (E2E_LATENCY_SAMPLES); each one a new, tagged chat
    first_token_within_seconds: float = 10.0  # P95 of send -> first visible character
    min_chars_per_second: float = 5.0  # P5 of the characters shown per second while streaming
    baseline_max_rise_percent: float = 25.0  # X: red when TTFT P95 rose more than X % over the baseline
    baseline_nightly_runs: int = 7  # K: the baseline is the median TTFT P95 of the last K nightly runs

    @classmethod
    def from_environment(cls) -> LatencySettings:
        """Raises MissingSetting naming a variable whose value is not a positive number."""
        return cls(
            samples=_positive_int("E2E_LATENCY_SAMPLES", 1),
            first_token_within_seconds=_positive("E2E_FIRST_TOKEN_WITHIN_SECONDS", 10.0, "seconds"),
            min_chars_per_second=_positive("E2E_MIN_CHARS_PER_SECOND", 5.0, "characters per second"),
            baseline_max_rise_percent=_positive("E2E_BASELINE_MAX_RISE_PERCENT", 25.0, "per cent"),
            baseline_nightly_runs=_positive_int("E2E_BASELINE_NIGHTLY_RUNS", 7),
        )


def check_budget_settings() -> LatencySettings:
    """Every latency budget and sample setting, parsed now; raises MissingSetting naming a bad one."""
    _positive("E2E_STARTED_WITHIN_SECONDS", 10.0, "seconds")
    _positive("E2E_COMPLETED_WITHIN_SECONDS", 120.0, "seconds")
    return LatencySettings.from_environment()


@dataclass(frozen=True)
class BrowserConnection:
    """Where the remote browser server is (E2E_BROWSER_ENDPOINT) and the headers it wants (a token)."""

    endpoint: str = field(repr=False)
    headers: dict[str, str] = field(default_factory=dict, repr=False)

    @property
    def secrets(self) -> tuple[str, ...]:
        """Every header value, and the endpoint's password and credential-like query values."""
        parts = urlsplit(self.endpoint)
        query = [value for key, value in parse_qsl(parts.query) if _SECRET_QUERY_KEY.search(key)]
        values = [*self.headers.values(), *query, parts.password or ""]
        return tuple(value for value in values if len(value) >= 4)

    @property
    def shown(self) -> str:
        """The endpoint as reports and run records show it: its secrets replaced by <redacted>."""
        shown = self.endpoint
        for secret in sorted(self.secrets, key=len, reverse=True):
            shown = shown.replace(secret, "<redacted>")
        return shown


@dataclass(frozen=True)
class SuiteSettings:
    base_url: str
    email: str = field(repr=False)
    password: str = field(repr=False)
    prompt: str = DEFAULT_PROMPT
    expect: re.Pattern[str] = re.compile(DEFAULT_EXPECT)
    started_within_seconds: float = 10.0
    completed_within_seconds: float = 120.0
    expect_timeout_seconds: float = 10.0
    # Target profiles: how long a user waits for a silent agent before the product should say so,
    # where the product declares no watchdog of its own.
    patience_seconds: float = DEFAULT_PATIENCE_SECONDS
    # How soon after the moment it should react (the browser clock passed the watchdog or the patience,
    # an agent_error reached the page) the page must tell the user: its timers have already fired.
    told_within_seconds: float = 3.0
    latency: LatencySettings = field(default_factory=LatencySettings)
    # remote browsers (issue 12): None launches Chromium here
    browser: BrowserConnection | None = None

    @classmethod
    def from_environment(cls, base_url: str, *, credentials: tuple[str, str] | None = None) -> SuiteSettings:
        """Settings for a run against ``base_url``; raises MissingSetting naming a missing variable,
        InvalidSetting naming a bad value. ``credentials`` stand in for the two variables (validation)."""
        return cls(
            base_url=_base_url(base_url),
            email=credentials[0] if credentials else _required(EMAIL_VARIABLE),
            password=credentials[1] if credentials else _required(PASSWORD_VARIABLE),
            prompt=_prompt(PROMPT_VARIABLE, DEFAULT_PROMPT),
            expect=_pattern(EXPECT_VARIABLE, DEFAULT_EXPECT),
            started_within_seconds=_seconds("E2E_STARTED_WITHIN_SECONDS", 10.0),
            completed_within_seconds=_seconds("E2E_COMPLETED_WITHIN_SECONDS", 120.0),
            expect_timeout_seconds=_seconds("E2E_EXPECT_TIMEOUT_SECONDS", 10.0),
            patience_seconds=patience_seconds(),
            told_within_seconds=_seconds("E2E_TOLD_WITHIN_SECONDS", 3.0),
            latency=LatencySettings.from_environment(),
            # remote browsers (issue 12)
            browser=browser_connection(),
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never appear in a report."""
        browser = self.browser.secrets if self.browser else ()
        return tuple(value for value in (self.email, self.password) if value) + browser


def missing_credentials() -> list[str]:
    """Names of the credential variables that are not set."""
    return [name for name in (EMAIL_VARIABLE, PASSWORD_VARIABLE) if not os.environ.get(name)]


def credentials() -> tuple[str, str]:
    """(email, password) of the run; raises MissingSetting naming a missing variable."""
    return _required(EMAIL_VARIABLE), _required(PASSWORD_VARIABLE)


def set_credentials(email: str, password: str) -> None:
    """Publish generated credentials to this process and the workers it spawns."""
    os.environ[EMAIL_VARIABLE] = email
    os.environ[PASSWORD_VARIABLE] = password


def configured_secrets() -> tuple[str, ...]:
    """The credentials, if set, and the remote browser's token, for redaction; never raises."""
    credentials = tuple(value for name in (EMAIL_VARIABLE, PASSWORD_VARIABLE)
                        if (value := os.environ.get(name)))
    try:
        connection = browser_connection()
    except MissingSetting:
        connection = None  # refused with its reason where the run starts; nothing to redact yet
    return credentials + (connection.secrets if connection else ())


def browser_connection() -> BrowserConnection | None:
    """E2E_BROWSER_ENDPOINT (ws:// or wss://) and E2E_BROWSER_HEADERS (a JSON object of strings), or None.

    Raises MissingSetting naming the variable when one is malformed.
    """
    endpoint = os.environ.get(BROWSER_ENDPOINT_VARIABLE, "").strip()
    raw_headers = os.environ.get(BROWSER_HEADERS_VARIABLE, "").strip()
    if not endpoint:
        if raw_headers:
            raise MissingSetting(f"{BROWSER_HEADERS_VARIABLE} is set but {BROWSER_ENDPOINT_VARIABLE} is not: "
                                 "set the browser server's ws:// endpoint too, or unset the headers")
        return None
    parts = urlsplit(endpoint)
    if parts.scheme not in ("ws", "wss") or not parts.hostname:
        raise MissingSetting(f"{BROWSER_ENDPOINT_VARIABLE} must be a ws:// or wss:// URL of a Playwright "
                             f"browser server (e.g. ws://127.0.0.1:3000/), not {parts.scheme or 'a bare'} "
                             f"{'URL' if parts.scheme else 'name'}")
    headers: object = {}
    if raw_headers:
        try:
            headers = json.loads(raw_headers)
        except json.JSONDecodeError:
            headers = None
    if not isinstance(headers, dict) or not all(isinstance(key, str) and isinstance(value, str)
                                                for key, value in headers.items()):
        # the value is not echoed: it holds the token
        raise MissingSetting(f"{BROWSER_HEADERS_VARIABLE} must be a JSON object of strings, "
                             'e.g. {"Authorization": "Bearer ..."}')
    return BrowserConnection(endpoint, dict(headers))


def patience_seconds() -> float:
    """``E2E_PATIENCE_SECONDS``: raises MissingSetting naming it when it is not a positive number."""
    return _seconds(PATIENCE_VARIABLE, DEFAULT_PATIENCE_SECONDS)


def chromium_executable(*, headless: bool = True) -> str | None:
    """The Chromium to launch: E2E_CHROMIUM_EXECUTABLE, else Debian's (its headless shell for a headless
    run, when installed), else None (Playwright's own).

    The lookup is ``browser_finder.Finder``'s, the one nox uses to find or get a browser.
    """
    try:
        found = Finder(environ=os.environ).local(headless=headless)
    except BrowserProblem as problem:
        raise InvalidSetting(str(problem)) from None
    return found.executable if found else None


def _required(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise MissingSetting(f"{name} is not set: export it with the test account's value")
    return value


def _seconds(name: str, default: float) -> float:
    return _positive(name, default, "seconds")


# --- validating every setting once, before the first test (issue 11) ------------------------------

# The contract's limit on a message (CONTRACT.md section 4): a longer prompt would never be sent.
MAX_PROMPT_CHARS = 4000
# Stands in for the target while the bundled app is not started yet: only its shape is checked.
_NO_TARGET_YET = "http://127.0.0.1"


def check_environment(base_url: str | None) -> None:
    """Parse every setting of the run once, as the tests will; raises InvalidSetting naming the first bad one.

    Through ``from_environment`` itself, so a setting added there is checked here too. The credentials
    are not judged here (the bundled app generates them; the target judges them: preflight.py).
    """
    SuiteSettings.from_environment(base_url or _NO_TARGET_YET, credentials=("", ""))
    chromium_executable()


def _base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSetting(f"--base-url / {BASE_URL_VARIABLE}={raw!r} is not an http(s) URL with a host "
                             "(e.g. https://staging.example.com)")
    return raw.rstrip("/")


def _prompt(name: str, default: str) -> str:
    raw = os.environ.get(name)
    if not raw:
        return default
    if not raw.strip():
        raise InvalidSetting(f"{name}={raw!r} is blank: the chat never sends a blank message; "
                             "set a question or unset it")
    if len(raw) > MAX_PROMPT_CHARS:
        raise InvalidSetting(f"{name}={raw[:40]!r}... is {len(raw)} characters long: the chat sends at most "
                             f"{MAX_PROMPT_CHARS}")
    return raw


def _pattern(name: str, default: str) -> re.Pattern[str]:
    raw = os.environ.get(name)
    if not raw:
        return re.compile(default)
    try:
        return re.compile(raw)
    except re.error as error:
        raise InvalidSetting(f"{name}={raw!r} is not a valid regular expression: {error}") from None


def _positive(name: str, default: float, unit: str) -> float:
    """A positive, finite number of ``unit`` from the environment; InvalidSetting names the variable."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise InvalidSetting(f"{name}={raw!r} is not a number of {unit} (e.g. {default:g})") from None
    if not math.isfinite(value):
        raise InvalidSetting(f"{name}={raw!r} is not a finite number of {unit} (e.g. {default:g})")
    if value <= 0:
        raise InvalidSetting(f"{name}={raw!r} must be more than 0 {unit}")
    return value


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidSetting(f"{name}={raw!r} is not a whole number: set a positive one") from None
    if value <= 0:
        raise InvalidSetting(f"{name}={raw!r} must be a positive whole number")
    return value
