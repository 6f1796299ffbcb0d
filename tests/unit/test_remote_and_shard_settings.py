"""E2E_BROWSER_ENDPOINT / E2E_BROWSER_HEADERS and --shard K/N, as parsed: one line per mistake."""

from __future__ import annotations

import pytest

from engine.redaction import redact
from engine.settings import BrowserConnection, MissingSetting, browser_connection
from truth_gate.run_record import Shard, parse_shard, run_id_problem


def test_no_endpoint_means_a_browser_launched_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("E2E_BROWSER_ENDPOINT", raising=False)
    monkeypatch.delenv("E2E_BROWSER_HEADERS", raising=False)

    assert browser_connection() is None


def test_the_endpoint_and_headers_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("E2E_BROWSER_ENDPOINT", "wss://farm.example/chromium?token=abcd1234&browser=chromium")
    monkeypatch.setenv("E2E_BROWSER_HEADERS", '{"Authorization": "Bearer header-token-1"}')

    connection = browser_connection()

    assert connection == BrowserConnection("wss://farm.example/chromium?token=abcd1234&browser=chromium",
                                           {"Authorization": "Bearer header-token-1"})
    assert set(connection.secrets) == {"abcd1234", "Bearer header-token-1"}  # not "chromium"
    assert connection.shown == "wss://farm.example/chromium?token=<redacted>&browser=chromium"


def test_the_browser_secrets_are_redacted_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("E2E_BROWSER_ENDPOINT", "ws://user:pass-word-9@127.0.0.1:3000/?apiKey=key-5678")
    monkeypatch.delenv("E2E_BROWSER_HEADERS", raising=False)

    assert redact("connected with key-5678 as pass-word-9") == "connected with <redacted> as <redacted>"


@pytest.mark.parametrize(("endpoint", "headers", "says"), [
    ("http://127.0.0.1:3000/", "", "E2E_BROWSER_ENDPOINT must be a ws:// or wss:// URL"),
    ("127.0.0.1:3000", "", "E2E_BROWSER_ENDPOINT must be a ws:// or wss:// URL"),
    ("ws://127.0.0.1:3000/", "not json", "E2E_BROWSER_HEADERS must be a JSON object of strings"),
    ("ws://127.0.0.1:3000/", '{"x": 1}', "E2E_BROWSER_HEADERS must be a JSON object of strings"),
    ("", '{"x": "y"}', "E2E_BROWSER_HEADERS is set but E2E_BROWSER_ENDPOINT is not"),
])
def test_a_malformed_setting_is_named_without_its_value(monkeypatch: pytest.MonkeyPatch, endpoint: str,
                                                         headers: str, says: str) -> None:
    monkeypatch.setenv("E2E_BROWSER_ENDPOINT", endpoint)
    monkeypatch.setenv("E2E_BROWSER_HEADERS", headers)

    with pytest.raises(MissingSetting) as error:
        browser_connection()

    assert str(error.value).startswith(says) and "\n" not in str(error.value)
    assert headers not in str(error.value) or not headers


@pytest.mark.parametrize(("text", "shard"), [("1/2", Shard(1, 2)), ("2/2", Shard(2, 2)), ("1/1", Shard(1, 1)),
                                             ("16/16", Shard(16, 16))])
def test_a_shard_is_k_of_n(text: str, shard: Shard) -> None:
    assert parse_shard(text) == shard and str(shard) == text


@pytest.mark.parametrize(("text", "says"), [
    ("3/2", "--shard 3/2: K must be between 1 and 2"),
    ("0/2", "--shard 0/2: K must be between 1 and 2"),
    ("x", "--shard x: expected K/N"),
    ("1/", "--shard 1/: expected K/N"),
    ("-1/2", "--shard -1/2: expected K/N"),
    ("1/0", "--shard 1/0: N must be at least 1"),
])
def test_a_wrong_shard_says_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(ValueError, match="^" + says.replace("/", "/")):
        parse_shard(text)


def test_a_run_id_must_be_usable_in_file_names_and_labels() -> None:
    assert run_id_problem("gh-123456-1") is None
    assert run_id_problem("a b") is not None and run_id_problem("../x") is not None
