from reference_app.settings import Settings


def test_defaults_follow_the_contract(monkeypatch):
    for name in ("REFAPP_BACKEND_PORT", "REFAPP_AUTH_PORT", "REFAPP_WATCHDOG_SECONDS"):
        monkeypatch.delenv(name, raising=False)

    settings = Settings()

    assert (settings.backend_port, settings.auth_port) == (8000, 8081)
    assert settings.watchdog_seconds == 30
    assert settings.agent_timeout_seconds == 25
