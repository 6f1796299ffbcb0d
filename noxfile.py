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
