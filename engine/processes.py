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
