"""The bundled Chainlit app as a child process, in its own cached virtualenv, on a free port.

Shaped like ``fixtures/embedded_app.py``'s ``EmbeddedApp``: ``start(email, password)``,
``stop()``, ``backend_url``, ``log_path``, ``remove_workdir()``, and one error,
``AppStartFailure``, whose message says in one line what went wrong.

- The virtualenv holds ``app/requirements.txt`` (chainlit pinned, with its full lock)
  and nothing of the suite's. It is built once, with uv when it is on PATH (else
  ``python -m venv`` and pip), under ``~/.cache/golden-path-e2e/chainlit-<hash>/``
  (``$XDG_CACHE_HOME`` is honoured); the hash covers the requirements and the Python
  version, so a changed pin builds a fresh one. Concurrent runs wait on a file lock.
- Each start copies the app (and the reference app's calculator, which it imports)
  into a fresh temporary folder, because Chainlit writes ``.chainlit/``, ``.files/``
  and ``chainlit.md`` next to the app.
- ``chainlit run app.py --headless`` gets a random ``CHAINLIT_AUTH_SECRET`` and the
  account to accept. It is ready when ``GET /auth/config`` answers Chainlit's own
  JSON with password auth on: a real answer from the real app, polled until a
  deadline, never a sleep.

``python -m targets.chainlit`` runs it in the foreground and prints its URL.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx

from fixtures.embedded_app import AppStartFailure, stop_process

APP_DIR = Path(__file__).resolve().parent / "app"
REQUIREMENTS = APP_DIR / "requirements.txt"
CALCULATOR = Path(__file__).resolve().parents[2] / "reference_app" / "agent" / "calculator.py"
CHAINLIT_VERSION = "2.12.0"

EMAIL_VARIABLE = "E2E_CHAINLIT_EMAIL"
PASSWORD_VARIABLE = "E2E_CHAINLIT_PASSWORD"
FAULTS_VARIABLE = "E2E_CHAINLIT_FAULTS"

# The first start on a loaded 2-core machine imports Chainlit in about 5 s; building the
# environment is not counted here (it has its own deadline).
READY_DEADLINE_SECONDS = 60.0
BUILD_DEADLINE_SECONDS = 600.0
STOP_DEADLINE_SECONDS = 10.0
POLL_TIMEOUT_SECONDS = 0.5


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "golden-path-e2e"


def environment_key(requirements: Path = REQUIREMENTS) -> str:
    """What the cached virtualenv depends on: the requirements' bytes and the Python version."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"python{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:16]


def venv_dir(requirements: Path = REQUIREMENTS) -> Path:
    return cache_root() / f"chainlit-{environment_key(requirements)}"


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_environment(requirements: Path = REQUIREMENTS) -> Path:
    """The virtualenv for ``requirements``, built now if it is not cached yet; returns its folder."""
    venv = venv_dir(requirements)
    complete = venv / ".complete"
    if complete.is_file():
        return venv
    with _locked(venv.with_name(venv.name + ".lock")):
        if complete.is_file():  # another run built it while this one waited
            return venv
        # Built in place and marked complete last: a build cut short is built again next time.
        shutil.rmtree(venv, ignore_errors=True)
        log_path = venv.with_name(venv.name + ".build.log")
        uv = shutil.which("uv")
        python = _bin(venv, "python")
        if uv:
            steps = [[uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
                     [uv, "pip", "install", "--quiet", "--compile-bytecode", "--python", str(python),
                      "-r", str(requirements)]]
        else:
            steps = [[sys.executable, "-m", "venv", str(venv)],
                     [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                      "-r", str(requirements)]]
        with open(log_path, "w") as log:
            for step in steps:
                try:
                    result = subprocess.run(step, stdout=log, stderr=subprocess.STDOUT,
                                            timeout=BUILD_DEADLINE_SECONDS, check=False)
                except subprocess.TimeoutExpired:
                    raise AppStartFailure(f"building the Chainlit environment took over "
                                          f"{BUILD_DEADLINE_SECONDS:g} s at `{' '.join(step[:3])}`; "
                                          f"log: {log_path}") from None
                if result.returncode != 0:
                    raise AppStartFailure(f"building the Chainlit environment failed: `{' '.join(step[:3])}` "
                                          f"exited {result.returncode} (is PyPI reachable?); log: {log_path}")
        # Chainlit writes .chainlit/ into its working folder, even for --version: run it in the venv.
        check = subprocess.run([str(_bin(venv, "chainlit")), "--version"], capture_output=True, text=True,
                               cwd=venv, check=False)
        if check.returncode != 0 or CHAINLIT_VERSION not in check.stdout:
            raise AppStartFailure(f"the Chainlit environment at {venv} does not run `chainlit --version` "
                                  f"(exit {check.returncode}: {(check.stdout + check.stderr).strip()[:200]})")
        complete.write_text(f"chainlit {CHAINLIT_VERSION}\n")
    return venv


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def is_chainlit_answer(response: httpx.Response) -> bool:
    """``GET /auth/config`` as Chainlit answers it, with password sign-in on."""
    if response.status_code != 200:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "requireLogin" in body and body.get("passwordAuth") is True


class BundledChainlitApp:
    """``chainlit run app.py`` on a free port, in its own venv and work folder, accepting one account."""

    def __init__(self, *, faults: Sequence[str] = (), workdir_prefix: str = "e2e-chainlit-",
                 ready_deadline_seconds: float = READY_DEADLINE_SECONDS, port: int = 0) -> None:
        self.faults = tuple(faults)
        self.ready_deadline_seconds = ready_deadline_seconds
        self.port = port
        self.workdir = Path(tempfile.mkdtemp(prefix=workdir_prefix))
        self.log_path = self.workdir / "app.log"
        self.backend_url = ""
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, email: str, password: str) -> None:
        """Build (once) the environment, start the app, and return once ``/auth/config`` answers."""
        venv = ensure_environment()
        app_dir = self.workdir / "app"
        app_dir.mkdir()
        shutil.copy2(APP_DIR / "app.py", app_dir / "app.py")
        shutil.copy2(CALCULATOR, app_dir / "calculator.py")
        port = self.port or free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "CHAINLIT_AUTH_SECRET": secrets.token_urlsafe(48),
            EMAIL_VARIABLE: email,
            PASSWORD_VARIABLE: password,
            FAULTS_VARIABLE: ",".join(self.faults),
        }
        env.pop("VIRTUAL_ENV", None)  # the suite's; the app runs its own venv's executables
        command = [str(_bin(venv, "chainlit")), "run", "app.py", "--headless",
                   "--host", "127.0.0.1", "--port", str(port)]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(command, cwd=app_dir, env=env, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_ready(url)
        self.backend_url = url

    def _wait_until_ready(self, url: str) -> None:
        assert self._process is not None
        deadline = time.monotonic() + self.ready_deadline_seconds
        last = "no answer yet"
        with httpx.Client(timeout=POLL_TIMEOUT_SECONDS) as client:
            while True:
                code = self._process.poll()
                if code is not None:
                    raise AppStartFailure(f"chainlit exited with code {code} before it answered "
                                          f"{url}/auth/config: {self.last_log_line()}; log: {self.log_path}")
                try:
                    response = client.get(f"{url}/auth/config")
                    if is_chainlit_answer(response):
                        return
                    last = f"HTTP {response.status_code} {response.text[:120]!r}"
                except httpx.HTTPError as error:
                    last = type(error).__name__
                if time.monotonic() >= deadline:
                    self.stop()
                    raise AppStartFailure(f"chainlit did not answer {url}/auth/config within "
                                          f"{self.ready_deadline_seconds:g} s (last: {last}); "
                                          f"log: {self.log_path}")
                # Wait on the process, not a sleep: an early exit is seen at once.
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._process.wait(timeout=0.1)

    def wait(self) -> int:
        """Block until the app exits (the foreground runner); returns its exit code."""
        assert self._process is not None, "start() first"
        return self._process.wait()

    def stop(self) -> None:
        stop_process(self._process, STOP_DEADLINE_SECONDS)

    def last_log_line(self) -> str:
        """The log's last line that says something (for one-line errors)."""
        lines = [line.strip() for line in self.log_tail(60).splitlines() if line.strip()]
        errors = [line for line in lines if "Error" in line or "error" in line]
        return (errors or lines or ["the log is empty"])[-1][:300]

    def log_tail(self, lines: int = 30) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def remove_workdir(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops it like Ctrl-C: the app is stopped and its folder removed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m targets.chainlit",
        description="The bundled Chainlit app in the foreground (Ctrl-C stops it). It accepts the account "
                    "in E2E_USER_EMAIL / E2E_USER_PASSWORD.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--faults", default="", metavar="NAME[,NAME...]",
                        help="fault switches: handler_raises, tool_raises, silent")
    args = parser.parse_args(argv)
    email, password = os.environ.get("E2E_USER_EMAIL"), os.environ.get("E2E_USER_PASSWORD")
    if not email or not password:
        print("E2E_USER_EMAIL and E2E_USER_PASSWORD must be set: the account the app will accept",
              file=sys.stderr)
        return 2
    app = BundledChainlitApp(faults=[name for name in args.faults.split(",") if name], port=args.port)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app.start(email, password)
        print(f"Chainlit {CHAINLIT_VERSION} at {app.backend_url} (sign in as {email}); log: {app.log_path}; "
              "Ctrl-C stops it", flush=True)
        app.wait()
        print(f"chainlit exited: {app.last_log_line()}; log: {app.log_path}", file=sys.stderr)
        return 1
    except AppStartFailure as failure:
        print(f"the bundled Chainlit app did not start: {failure}", file=sys.stderr)
        return 1  # its work folder stays, with the log the message names
    except KeyboardInterrupt:
        app.stop()
        app.remove_workdir()
        return 0
    finally:
        app.stop()


if __name__ == "__main__":
    sys.exit(main())
