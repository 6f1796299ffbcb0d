"""The one settings object: contract defaults, environment overrides, faults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from reference_app.settings import Settings


def test_defaults_follow_the_contract(monkeypatch):
    for name in ("REFAPP_BACKEND_PORT", "REFAPP_AUTH_PORT", "REFAPP_WATCHDOG_SECONDS",
                 "REFAPP_AGENT_TIMEOUT_SECONDS"):
        monkeypatch.delenv(name, raising=False)

    settings = Settings()

    assert (settings.backend_port, settings.auth_port) == (8000, 8081)
    assert settings.watchdog_seconds == 30
    assert settings.agent_timeout_seconds == 25
    assert (settings.login_max_failures, settings.login_window_seconds) == (5, 60)
    assert settings.max_message_chars == 4000
    assert settings.agent_provider == "scripted"
    assert settings.faults == frozenset()


def test_environment_overrides_with_the_refapp_prefix(monkeypatch):
    monkeypatch.setenv("REFAPP_BACKEND_PORT", "9100")
    monkeypatch.setenv("REFAPP_AUTH_PORT", "9101")
    monkeypatch.setenv("REFAPP_WATCHDOG_SECONDS", "4.5")
    monkeypatch.setenv("REFAPP_AGENT_TIMEOUT_SECONDS", "0.5")
    monkeypatch.setenv("E2E_USER_EMAIL", "qa@example.test")

    settings = Settings()

    assert (settings.backend_port, settings.auth_port) == (9100, 9101)
    assert (settings.watchdog_seconds, settings.agent_timeout_seconds) == (4.5, 0.5)
    assert settings.seed_email == "qa@example.test"


def test_urls_are_built_from_host_and_ports():
    settings = Settings(host="127.0.0.1", backend_port=9100, auth_port=9101)

    assert settings.backend_url == "http://127.0.0.1:9100"
    assert settings.auth_url == "http://127.0.0.1:9101"
    assert settings.ws_url == "ws://127.0.0.1:9100/ws"


@pytest.mark.parametrize("field, value", [("backend_port", 70000), ("watchdog_seconds", 0),
                                          ("agent_provider", "gpt-9")])
def test_nonsense_is_refused(field, value):
    with pytest.raises(ValidationError):
        Settings(**{field: value})


def test_has_fault_names_only_the_switched_on_faults():
    settings = Settings(faults=frozenset({"skip_thinking"}))

    assert settings.has_fault("skip_thinking") and not settings.has_fault("duplicate_events")


def test_a_missing_jwt_secret_is_generated_once_per_process(monkeypatch):
    monkeypatch.delenv("REFAPP_JWT_SECRET", raising=False)
    settings = Settings()

    assert settings.effective_jwt_secret == settings.effective_jwt_secret
    assert len(settings.effective_jwt_secret) >= 32
