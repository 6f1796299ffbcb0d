"""The bundled Chainlit app as a child process, in its own cached virtualenv, on a free port.

Shaped like ``targets/contract/bundled.py``'s ``EmbeddedApp``: ``start(email, password)``,
``stop()``, ``backend_url``, ``log_path``, ``remove_workdir()``, and one error,
``AppStartFailure``, whose message says in one line what went wrong.

- The virtualenv holds ``app/requirements.txt`` (chainlit pinned, with its full lock)
  and nothing of the suite's, under ``~/.cache/golden-path-e2e/chainlit-<hash>/``:
  built once by ``engine/bundled_venv.py`` (the product-independent parts: the cached
  venv, the free port, the readiness poll, the foreground runner).
- Each start copies the app (and, beside it, the scripted double's ``engine/scripted_double.py``
  and the reference app's calculator, which it imports)
  into a fresh temporary folder, because Chainlit writes ``.chainlit/``, ``.files/``
  and ``chainlit.md`` next to the app.
- ``chainlit run app.py --headless`` gets a random ``CHAINLIT_AUTH_SECRET`` and the
  account to accept. It is ready when ``GET /auth/config`` answers Chainlit's own
  JSON with password auth on: a real answer from the real app, polled until a
  deadline, never a sleep.

``python -m targets.chainlit`` runs it in the foreground and prints its URL.
"""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from engine import bundled_venv
from engine.bundled_venv import BundledChildApp, cache_root, free_port, run_in_foreground
from engine.processes import AppStartFailure, stop_process

__all__ = ["CHAINLIT_VERSION", "AppStartFailure", "BundledChainlitApp", "cache_root", "ensure_environment",
           "environment_key", "free_port", "is_chainlit_answer", "main", "stop_process", "venv_dir"]

APP_DIR = Path(__file__).resolve().parent / "app"
REQUIREMENTS = APP_DIR / "requirements.txt"
CHAINLIT_VERSION = "2.12.0"
ENVIRONMENT_NAME = "chainlit"

EMAIL_VARIABLE = "E2E_CHAINLIT_EMAIL"
PASSWORD_VARIABLE = "E2E_CHAINLIT_PASSWORD"
FAULTS_VARIABLE = "E2E_CHAINLIT_FAULTS"

# The first start on a loaded 2-core machine imports Chainlit in about 5 s; building the
# environment is not counted here (it has its own deadline).
READY_DEADLINE_SECONDS = 60.0


def environment_key(requirements: Path = REQUIREMENTS) -> str:
    """What the cached virtualenv depends on: the requirements' bytes and the Python version."""
    return bundled_venv.environment_key(requirements)


def venv_dir(requirements: Path = REQUIREMENTS) -> Path:
    return bundled_venv.venv_dir(ENVIRONMENT_NAME, requirements)


def ensure_environment(requirements: Path = REQUIREMENTS) -> Path:
    """The virtualenv for ``requirements``, built now if it is not cached yet; returns its folder."""
    return bundled_venv.ensure_environment(ENVIRONMENT_NAME, requirements, ["chainlit", "--version"],
                                           CHAINLIT_VERSION, label="Chainlit")


def is_chainlit_answer(response: httpx.Response) -> bool:
    """``GET /auth/config`` as Chainlit answers it, with password sign-in on."""
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "requireLogin" in body and body.get("passwordAuth") is True


class BundledChainlitApp(BundledChildApp):
    """``chainlit run app.py`` on a free port, in its own venv and work folder, accepting one account."""

    label = "chainlit"

    def __init__(self, *, faults: Sequence[str] = (), workdir_prefix: str = "e2e-chainlit-",
                 ready_deadline_seconds: float = READY_DEADLINE_SECONDS, port: int = 0) -> None:
        super().__init__(workdir_prefix=workdir_prefix, ready_deadline_seconds=ready_deadline_seconds,
                         port=port)
        self.faults = tuple(faults)

    def launch(self, email: str, password: str) -> None:
        """Build (once) the environment and start the app; ``wait_ready`` waits for its answer."""
        venv = ensure_environment()
        app_dir, app_env = self.copy_app(APP_DIR / "app.py")
        port = self.port or free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            **app_env,
            "CHAINLIT_AUTH_SECRET": secrets.token_urlsafe(48),
            EMAIL_VARIABLE: email,
            PASSWORD_VARIABLE: password,
            FAULTS_VARIABLE: ",".join(self.faults),
        }
        command = [str(bundled_venv.bin_path(venv, "chainlit")), "run", "app.py", "--headless",
                   "--host", "127.0.0.1", "--port", str(port)]
        self._launch(command, cwd=app_dir, env=env)
        self._answers_when(f"{url}/auth/config", is_chainlit_answer)
        self.backend_url = url


def main(argv: Sequence[str] | None = None) -> int:
    return run_in_foreground(
        argv, prog="python -m targets.chainlit", product=f"Chainlit {CHAINLIT_VERSION}",
        make_app=lambda faults, port: BundledChainlitApp(faults=faults, port=port),
        faults_help="handler_raises, tool_raises, silent")


if __name__ == "__main__":
    sys.exit(main())
