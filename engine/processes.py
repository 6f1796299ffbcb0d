"""Child processes of the suite: how every bundled app is stopped, and what its failing start raises."""

from __future__ import annotations

import subprocess
from typing import Any

STOP_DEADLINE_SECONDS = 10.0


def stop_process(process: subprocess.Popen[Any] | None,
                 deadline_seconds: float = STOP_DEADLINE_SECONDS) -> None:
    """SIGTERM, then SIGKILL after ``deadline_seconds``: how every bundled app is stopped."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=deadline_seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class AppStartFailure(Exception):
    pass


def wait_or_kill(process: subprocess.Popen[Any], timeout: float) -> int | None:
    """``process``'s exit code, or None once it ran past ``timeout`` seconds (then killed and reaped)."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        return None
