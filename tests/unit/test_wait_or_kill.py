"""engine/processes.py ``wait_or_kill``: the exit code, or None and the process killed past its deadline."""

from __future__ import annotations

import subprocess
import sys

from engine.processes import wait_or_kill


def test_a_process_that_ends_in_time_gives_its_exit_code() -> None:
    process = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    assert wait_or_kill(process, 30) == 3


def test_a_process_past_its_deadline_is_killed_and_reaped() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
    assert wait_or_kill(process, 0.2) is None
    assert process.returncode is not None  # reaped: no zombie left behind
    assert process.stdin is not None
    process.stdin.close()
