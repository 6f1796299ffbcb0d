"""The bundled Gradio app as a child process, in its own cached virtualenv, on a free port.

Shaped like ``targets/contract/bundled.py``'s ``EmbeddedApp``: ``start(email, password)``,
``stop()``, ``backend_url``, ``log_path``, ``remove_workdir()``, and one error,
``AppStartFailure``, whose message says in one line what went wrong.

- The virtualenv holds ``app/requirements.txt`` (gradio pinned, with its full lock)
  and nothing of the suite's, under ``~/.cache/golden-path-e2e/gradio-<hash>/``:
  built once by ``engine/bundled_venv.py`` (the cached venv, the free port, the
  readiness poll, the foreground runner).
- Each start copies the app (and, beside it, the scripted double's ``engine/scripted_double.py``
  and the reference app's calculator, which it imports)
  into a fresh temporary folder: Gradio writes ``.gradio/`` (flagging, cache) next to it.
- ``<venv>/bin/python app.py`` gets the account to accept and the port. It is ready
  when ``GET /config`` answers as Gradio does with sign-in on: 401 with
  ``{"detail": {"error": "Not authenticated", "auth_message": ...}}`` (its
  ``login_check``). A real answer from the real app, polled until a deadline, never a sleep.

``python -m targets.gradio`` runs it in the foreground and prints its URL.
"""

from __future__ import annotations

import ast
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import httpx

from engine import bundled_venv
from engine.bundled_venv import BundledChildApp, cache_root, free_port, run_in_foreground
from engine.processes import AppStartFailure, stop_process

__all__ = ["GRADIO_VERSION", "AppStartFailure", "BundledGradioApp", "cache_root", "ensure_environment",
           "environment_key", "free_port", "is_gradio_answer", "main", "stop_process", "venv_dir"]

APP_DIR = Path(__file__).resolve().parent / "app"
REQUIREMENTS = APP_DIR / "requirements.txt"
GRADIO_VERSION = "6.31.0"
ENVIRONMENT_NAME = "gradio"
READY_PATH = "/config"

EMAIL_VARIABLE = "E2E_GRADIO_EMAIL"
PASSWORD_VARIABLE = "E2E_GRADIO_PASSWORD"
PORT_VARIABLE = "E2E_GRADIO_PORT"
FAULTS_VARIABLE = "E2E_GRADIO_FAULTS"


def _known_faults(app: Path = APP_DIR / "app.py") -> tuple[str, ...]:
    """The app's ``KNOWN_FAULTS``, read from its source: it runs in its own venv, so it is not imported."""
    for node in ast.parse(app.read_text(encoding="utf-8")).body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id == "KNOWN_FAULTS"):
            return tuple(ast.literal_eval(node.value))
    raise LookupError(f"{app} has no KNOWN_FAULTS")


KNOWN_FAULTS = _known_faults()

# Importing Gradio (pandas, numpy, pydantic) takes a few seconds on a loaded 2-core machine;
# building the environment is not counted here (it has its own deadline).
READY_DEADLINE_SECONDS = 60.0


def environment_key(requirements: Path = REQUIREMENTS) -> str:
    """What the cached virtualenv depends on: the requirements' bytes and the Python version."""
    return bundled_venv.environment_key(requirements)


def venv_dir(requirements: Path = REQUIREMENTS) -> Path:
    return bundled_venv.venv_dir(ENVIRONMENT_NAME, requirements)


def ensure_environment(requirements: Path = REQUIREMENTS) -> Path:
    """The virtualenv for ``requirements``, built now if it is not cached yet; returns its folder."""
    return bundled_venv.ensure_environment(
        ENVIRONMENT_NAME, requirements,
        ["python", "-c", "import gradio; print(gradio.__version__)"], GRADIO_VERSION, label="Gradio")


def is_gradio_answer(response: httpx.Response) -> bool:
    """``GET /config`` as Gradio answers it: signed out with sign-in on, or its config once signed in.

    Signed out: 401 ``{"detail": {"error": "Not authenticated", "auth_message": null}}``
    (Gradio's ``login_check``). Signed in, or without sign-in: 200, a JSON object with
    ``version``, ``protocol`` (``sse_v3`` in 6.x), ``components`` and ``dependencies``.
    A caller that needs sign-in on tells the two apart by the status code.
    """
    try:
        body = response.json()
    except ValueError:
        return False
    if not isinstance(body, dict):
        return False
    if response.status_code == 401:
        detail = body.get("detail")
        return (isinstance(detail, dict) and detail.get("error") == "Not authenticated"
                and "auth_message" in detail)
    if response.status_code == 200:
        return (isinstance(body.get("version"), str) and isinstance(body.get("protocol"), str)
                and isinstance(body.get("components"), list) and isinstance(body.get("dependencies"), list))
    return False


class BundledGradioApp(BundledChildApp):
    """``python app.py`` (a ``gr.ChatInterface``) on a free port, in its own venv and work folder."""

    label = "gradio"

    def __init__(self, *, faults: Sequence[str] = (), workdir_prefix: str = "e2e-gradio-",
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
            "GRADIO_ANALYTICS_ENABLED": "False",
            EMAIL_VARIABLE: email,
            PASSWORD_VARIABLE: password,
            PORT_VARIABLE: str(port),
            FAULTS_VARIABLE: ",".join(self.faults),
        }
        # Gradio reads GRADIO_SERVER_NAME/PORT too; the app passes both to launch(), which wins.
        self._launch([str(bundled_venv.bin_path(venv, "python")), "app.py"], cwd=app_dir, env=env)
        self._answers_when(f"{url}{READY_PATH}", is_gradio_answer)
        self.backend_url = url


def main(argv: Sequence[str] | None = None) -> int:
    return run_in_foreground(
        argv, prog="python -m targets.gradio", product=f"Gradio {GRADIO_VERSION}",
        make_app=lambda faults, port: BundledGradioApp(faults=faults, port=port),
        faults_help=", ".join(KNOWN_FAULTS))


if __name__ == "__main__":
    sys.exit(main())
