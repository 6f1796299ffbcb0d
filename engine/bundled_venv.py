"""A bundled product app as a child process: its own cached virtualenv, a free port, a readiness poll.

What every bundled third-party app shares, whatever the product (each profile's
``bundled.py`` adds the product: what to copy, what to run, which answer means ready):

- ``ensure_environment(name, requirements, check_command, expected_version)``: the
  virtualenv holding ``requirements`` (the product pinned, with its full lock) and
  nothing of the suite's. It is built once, with uv when it is on PATH (else
  ``python -m venv`` and pip), under ``~/.cache/golden-path-e2e/<name>-<hash>/``
  (``$XDG_CACHE_HOME`` is honoured); the hash covers the requirements and the Python
  version, so a changed pin builds a fresh one. Concurrent runs wait on a file lock;
  a ``.complete`` marker, written last, says the build finished and the product's
  ``check_command`` printed ``expected_version``.
- ``free_port()``; ``bin_path(venv, name)``.
- ``BundledChildApp``: a fresh temporary work folder with ``app.log``, the child
  process started in it, ``wait_until_answered`` (a real HTTP answer from the real
  app, polled until a deadline, never a sleep), ``stop()``, the log's tail for
  one-line errors, ``remove_workdir()``.
- ``run_in_foreground``: ``python -m targets.<name>``'s runner (Ctrl-C or SIGTERM stops it).

Every failure is one ``AppStartFailure`` whose message says in one line what went wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Protocol

import httpx

from engine.processes import AppStartFailure, stop_process

BUILD_DEADLINE_SECONDS = 600.0
STOP_DEADLINE_SECONDS = 10.0
POLL_TIMEOUT_SECONDS = 0.5
CHECK_DEADLINE_SECONDS = 120.0


def cache_root() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "golden-path-e2e"


def environment_key(requirements: Path) -> str:
    """What a cached virtualenv depends on: the requirements' bytes and the Python version."""
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"python{sys.version_info.major}.{sys.version_info.minor}".encode())
    return digest.hexdigest()[:16]


def venv_dir(name: str, requirements: Path) -> Path:
    return cache_root() / f"{name}-{environment_key(requirements)}"


def bin_path(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


_bin = bin_path


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_environment(name: str, requirements: Path, check_command: Sequence[str], expected_version: str,
                       *, label: str | None = None,
                       build_deadline_seconds: float = BUILD_DEADLINE_SECONDS) -> Path:
    """The virtualenv ``<name>-<hash>`` for ``requirements``, built now if it is not cached yet.

    ``check_command``'s first word is an executable of the venv (``python``, or the
    product's own command); it runs in the venv's folder and must print
    ``expected_version``. ``label`` names the product in messages (default ``name``).
    Returns the venv's folder.
    """
    label = label or name
    venv = venv_dir(name, requirements)
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
        python = bin_path(venv, "python")
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
                                            timeout=build_deadline_seconds, check=False)
                except subprocess.TimeoutExpired:
                    raise AppStartFailure(f"building the {label} environment took over "
                                          f"{build_deadline_seconds:g} s at `{' '.join(step[:3])}`; "
                                          f"log: {log_path}") from None
                if result.returncode != 0:
                    raise AppStartFailure(f"building the {label} environment failed: `{' '.join(step[:3])}` "
                                          f"exited {result.returncode} (is PyPI reachable?); log: {log_path}")
        # Run in the venv's folder: some products write a config folder into their working folder.
        command = [str(bin_path(venv, check_command[0])), *check_command[1:]]
        shown = " ".join(check_command)
        try:
            check = subprocess.run(command, capture_output=True, text=True, cwd=venv,
                                   timeout=CHECK_DEADLINE_SECONDS, check=False)
        except subprocess.TimeoutExpired:
            raise AppStartFailure(f"the {label} environment at {venv} did not finish `{shown}` within "
                                  f"{CHECK_DEADLINE_SECONDS:g} s") from None
        if check.returncode != 0 or expected_version not in check.stdout:
            raise AppStartFailure(f"the {label} environment at {venv} does not run `{shown}` "
                                  f"(exit {check.returncode}: {(check.stdout + check.stderr).strip()[:200]})")
        complete.write_text(f"{name} {expected_version}\n")
    return venv


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# What a bundled app's scripted test double imports, copied beside it (stdlib only, by path: the app's
# virtualenv holds nothing of the suite's).
SCRIPTED_DOUBLE_MODULES = (
    Path(__file__).resolve().parent / "scripted_double.py",
    Path(__file__).resolve().parents[1] / "reference_app" / "agent" / "calculator.py",
)


class BundledChildApp:
    """A bundled app's process, work folder and log; subclasses say what to start and when it is ready.

    ``label`` names the product in messages ("Acme Chat 3.1.0 ..."). A subclass's ``launch`` starts
    the process and calls ``_launch`` and ``_answers_when``; ``wait_ready`` then waits for that answer.
    Between the two, the run can start its other processes (its workers) while the app boots.
    """

    label = "the app"

    def __init__(self, *, workdir_prefix: str, ready_deadline_seconds: float, port: int = 0) -> None:
        self.ready_deadline_seconds = ready_deadline_seconds
        self.port = port
        self.workdir = Path(tempfile.mkdtemp(prefix=workdir_prefix))
        self.log_path = self.workdir / "app.log"
        self.backend_url = ""
        self._process: subprocess.Popen[bytes] | None = None
        self._ready: tuple[str, Callable[[httpx.Response], bool]] | None = None

    def launch(self, email: str, password: str) -> None:
        """Start the app's process and set ``backend_url``; it may not answer yet (``wait_ready``)."""
        raise NotImplementedError

    def start(self, email: str, password: str) -> None:
        """``launch``, then ``wait_ready``: return once the app answers as its product does."""
        self.launch(email, password)
        self.wait_ready()

    def _answers_when(self, url: str, accepts: Callable[[httpx.Response], bool]) -> None:
        """What ``wait_ready`` polls: ``GET url`` until ``accepts`` its answer."""
        self._ready = (url, accepts)

    def wait_ready(self) -> None:
        """Return once the launched app answers as its product does; ``AppStartFailure`` otherwise."""
        assert self._ready is not None, "launch() first"
        self.wait_until_answered(*self._ready)

    def copy_app(self, app_file: Path) -> tuple[Path, dict[str, str]]:
        """``app_file`` copied into ``app/`` of the work folder with the scripted test double's stdlib-only
        modules beside it (``scripted_double``, the reference app's ``calculator``); the folder, and the
        environment that lets the app import them (whatever starts it: ``python app.py`` or a product's
        own command)."""
        app_dir = self.workdir / "app"
        app_dir.mkdir()
        shutil.copy2(app_file, app_dir / app_file.name)
        for module in SCRIPTED_DOUBLE_MODULES:
            shutil.copy2(module, app_dir / module.name)
        return app_dir, {"PYTHONPATH": str(app_dir)}

    def _launch(self, command: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> None:
        """Start ``command`` with its output in ``app.log``; the suite's ``VIRTUAL_ENV`` is not passed on."""
        child_env = dict(env)
        child_env.pop("VIRTUAL_ENV", None)  # the suite's; the app runs its own venv's executables
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(list(command), cwd=cwd, env=child_env, stdin=subprocess.DEVNULL,
                                             stdout=log, stderr=subprocess.STDOUT)

    def wait_until_answered(self, url: str, accepts: Callable[[httpx.Response], bool], *,
                            who: str | None = None) -> None:
        """Poll ``GET url`` until ``accepts`` its answer; one ``AppStartFailure`` line otherwise.

        Between polls it waits on the process, not a sleep: an early exit is seen at once.
        On the deadline the process is stopped. ``who`` names the process in messages.
        """
        assert self._process is not None, "_launch() first"
        who = who or self.label
        deadline = time.monotonic() + self.ready_deadline_seconds
        last = "no answer yet"
        with httpx.Client(timeout=POLL_TIMEOUT_SECONDS) as client:
            while True:
                code = self._process.poll()
                if code is not None:
                    raise AppStartFailure(f"{who} exited with code {code} before it answered "
                                          f"{url}: {self.last_log_line()}; log: {self.log_path}")
                try:
                    response = client.get(url)
                    if accepts(response):
                        return
                    last = f"HTTP {response.status_code} {response.text[:120]!r}"
                except httpx.HTTPError as error:
                    last = type(error).__name__
                if time.monotonic() >= deadline:
                    self.stop()
                    raise AppStartFailure(f"{who} did not answer {url} within "
                                          f"{self.ready_deadline_seconds:g} s (last: {last}); "
                                          f"log: {self.log_path}")
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


class _ForegroundApp(Protocol):
    backend_url: str
    log_path: Path

    def start(self, email: str, password: str) -> None: ...

    def wait(self) -> int: ...

    def stop(self) -> None: ...

    def last_log_line(self) -> str: ...

    def remove_workdir(self) -> None: ...


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM stops it like Ctrl-C: the app is stopped and its folder removed


def run_in_foreground(argv: Sequence[str] | None, *, prog: str, product: str,
                      make_app: Callable[[Sequence[str], int], _ForegroundApp],
                      faults_help: str) -> int:
    """``python -m targets.<name>``: the bundled app in the foreground until Ctrl-C.

    ``product`` is what the lines call it ("Acme Chat 3.1.0"); ``make_app(faults, port)``
    builds the (not yet started) app. It accepts E2E_USER_EMAIL / E2E_USER_PASSWORD.
    """
    parser = argparse.ArgumentParser(
        prog=prog,
        description=f"The bundled {product} app in the foreground (Ctrl-C stops it). It accepts the account "
                    "in E2E_USER_EMAIL / E2E_USER_PASSWORD.")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    parser.add_argument("--faults", default="", metavar="NAME[,NAME...]",
                        help=f"fault switches: {faults_help}")
    args = parser.parse_args(argv)
    email, password = os.environ.get("E2E_USER_EMAIL"), os.environ.get("E2E_USER_PASSWORD")
    if not email or not password:
        print("E2E_USER_EMAIL and E2E_USER_PASSWORD must be set: the account the app will accept",
              file=sys.stderr)
        return 2
    app = make_app([name for name in args.faults.split(",") if name], args.port)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        app.start(email, password)
        print(f"{product} at {app.backend_url} (sign in as {email}); log: {app.log_path}; "
              "Ctrl-C stops it", flush=True)
        app.wait()
        print(f"{product} exited: {app.last_log_line()}; log: {app.log_path}", file=sys.stderr)
        return 1
    except AppStartFailure as failure:
        print(f"the bundled {product} app did not start: {failure}", file=sys.stderr)
        return 1  # its work folder stays, with the log the message names
    except KeyboardInterrupt:
        app.stop()
        app.remove_workdir()
        return 0
    finally:
        app.stop()
