"""Fixtures that run the reference app as a real process on free ports.

Apps with faults or short timeouts are separate processes, started once per
session for each distinct configuration; all are stopped with SIGTERM at the end.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable, Iterator

import pytest

from tests.integration.helpers import RunningApp, launch_app, sign_in

AppLauncher = Callable[..., RunningApp]


@pytest.fixture(scope="session")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppLauncher]:
    """Start (once per session and configuration) an app with the given faults and environment."""
    running: dict[tuple, RunningApp] = {}

    def _launch(*, faults: tuple[str, ...] = (), env: dict[str, str] | None = None) -> RunningApp:
        key = (tuple(sorted(faults)), tuple(sorted((env or {}).items())))
        if key not in running:
            running[key] = launch_app(tmp_path_factory.mktemp("app"), faults=faults, env=env)
        return running[key]

    yield _launch
    for app in running.values():  # signal all first: they shut down side by side
        app.terminate()
    for app in running.values():
        app.stop()


@pytest.fixture(scope="session")
def app(launch: AppLauncher) -> RunningApp:
    """The reference app with no faults and default timeouts (fast scripted agent)."""
    return launch()


@pytest.fixture(scope="session")
def access_token(app: RunningApp) -> str:
    """An access token of the app's seeded user."""
    return sign_in(app, app.email, app.password)["access_token"]


@pytest.fixture
def make_user(app: RunningApp) -> Callable[[], tuple[str, str]]:
    """Create a fresh user straight in the app's database; returns (email, password)."""
    from argon2 import PasswordHasher

    from reference_app.db import Database

    def _make() -> tuple[str, str]:
        email, password = f"other-{uuid.uuid4().hex[:8]}@example.test", secrets.token_urlsafe(12)
        database = Database(app.database_url)
        try:
            # the app's own hasher settings (argon2id defaults); verified by the app at sign-in
            database.upsert_user(email, PasswordHasher().hash(password))
        finally:
            database.dispose()
        return email, password

    return _make
