"""Entry points: `nox -s <name>`. Each is documented in README.md."""

from __future__ import annotations

import nox

nox.options.reuse_existing_virtualenvs = True
nox.options.default_venv_backend = "uv|venv"
nox.options.sessions = ["tests"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The project's own tests: unit, integration and the browser suite against the bundled app."""
    _install(session)
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHON)
def serve(session: nox.Session) -> None:
    """The reference app in the foreground (Ctrl-C stops it); arguments go to `python -m reference_app`."""
    _install(session)
    session.run("python", "-m", "reference_app", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff and mypy, both clean."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("mypy", "reference_app", "truth_gate", "pages", "fixtures")


def _with_default_workers(posargs: list[str]) -> list[str]:
    # Two workers unless the caller chose (-n 1, -n auto, -p no:xdist): the suite
    # mostly waits on the app and the browser, so two share this size of machine well.
    chosen = any(arg.startswith(("-n", "--numprocesses", "--dist")) or arg == "no:xdist" for arg in posargs)
    return posargs if chosen else ["-n", "2", *posargs]


@nox.session(python=PYTHON)
def e2e(session: nox.Session) -> None:
    """The browser suite: the bundled app, or `-- --base-url URL` with E2E_USER_EMAIL/E2E_USER_PASSWORD."""
    _install(session)
    session.run("pytest", "e2e", *_with_default_workers(session.posargs))


@nox.session(python=PYTHON)
def smoke(session: nox.Session) -> None:
    """The `smoke` subset of the browser suite: what QA runs by hand after a deploy."""
    _install(session)
    session.run("pytest", "e2e", "-m", "smoke", *_with_default_workers(session.posargs))
