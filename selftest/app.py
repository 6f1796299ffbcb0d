"""The reference app with fault switches on: its own database, JWT secret and user, on free ports."""

from __future__ import annotations

import os
import queue
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

# The app prints READY once both services answer /health (or, with auth_down, the
# backend alone); its own startup deadline is 30 s.
READY_DEADLINE_SECONDS = 40.0
STOP_DEADLINE_SECONDS = 10.0


class AppStartFailure(Exception):
    pass


class FaultyApp:
    """``python -m reference_app --faults ...`` for one self-test case; a context manager."""

    def __init__(self, root: Path, faults: Sequence[str]) -> None:
        self.root = root
        self.faults = tuple(faults)
        self.workdir = Path(tempfile.mkdtemp(prefix="selftest-app-"))
        self.log_path = self.workdir / "app.log"
        self.email = f"selftest-{secrets.token_hex(6)}@example.test"
        self.password = secrets.token_urlsafe(18)
        self.backend_url = ""
        self.auth_url = ""
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> FaultyApp:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.stop()

    def start(self) -> None:
        """Start the app and return once it printed its READY line."""
        env = {
            **os.environ,
            "REFAPP_DATABASE_URL": f"sqlite:///{self.workdir / 'app.db'}",
            "REFAPP_JWT_SECRET": secrets.token_urlsafe(48),
            "E2E_USER_EMAIL": self.email,
            "E2E_USER_PASSWORD": self.password,
        }
        command = [sys.executable, "-m", "reference_app", "--backend-port", "0", "--auth-port", "0"]
        if self.faults:
            command += ["--faults", ",".join(self.faults)]
        with open(self.log_path, "ab") as log:
            self._process = subprocess.Popen(command, cwd=self.root, env=env, text=True,
                                             stdout=subprocess.PIPE, stderr=log)
        ready: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read_stdout, args=(ready,), daemon=True,
                         name="selftest-app-stdout").start()
        try:
            line = ready.get(timeout=READY_DEADLINE_SECONDS)
        except queue.Empty:
            raise AppStartFailure(f"no READY line within {READY_DEADLINE_SECONDS:g} s; "
                                  f"log: {self.log_path}") from None
        if line is None:
            raise AppStartFailure(f"it exited with code {self._process.wait()} before READY; "
                                  f"log: {self.log_path}")
        fields = dict(part.split("=", 1) for part in line.split()[1:] if "=" in part)
        self.backend_url, self.auth_url = fields.get("backend", ""), fields.get("auth", "")
        if not self.backend_url:
            raise AppStartFailure(f"unreadable READY line {line!r}")

    def _read_stdout(self, ready: queue.Queue[str | None]) -> None:
        # Keeps draining stdout after READY, so the app never blocks on a full pipe.
        assert self._process is not None and self._process.stdout is not None
        announced = False
        with open(self.log_path, "a", encoding="utf-8") as log:
            for line in self._process.stdout:
                log.write(f"[stdout] {line}")
                log.flush()
                if not announced and line.startswith("READY "):
                    announced = True
                    ready.put(line.strip())
        if not announced:
            ready.put(None)

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after STOP_DEADLINE_SECONDS."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def remove_workdir(self) -> None:
        shutil.rmtree(self.workdir, ignore_errors=True)
