"""CPU-seconds of a process tree, by kind of process: browser, renderer, pytest, driver, app.

The app is the bundled app of the target: the reference app (``reference_app`` in its command
line), or a product's server, run from its virtualenv in the cache of bundled apps
(``engine/bundled_venv.py`` ``cache_root()``: its path is in the command line).

A sampler thread walks ``/proc`` every ``interval`` seconds, finds every
descendant of one process, sorts each by its command line, and keeps the
highest CPU time (user + system) it saw for each pid. A process that ends
between two samples loses what it spent since the last one (at most
``interval`` of CPU each), so the figures are a slight undercount. (The kernel's
own count for waited-for children, ``getrusage(RUSAGE_CHILDREN)``, is no better:
Chromium's processes are not all reaped inside the tree, and it missed about
half of their CPU in a trial.)
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path

from engine.bundled_venv import cache_root

KINDS = ("renderer", "browser", "browser helpers", "driver", "pytest", "app", "other")
_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def kind_of(command_line: list[str], *, bundled_apps: Path | None = None) -> str:
    """Which part of a suite run a process is, from its command line.

    ``bundled_apps``: the folder of the bundled apps' virtualenvs (default: ``cache_root()``).
    """
    joined = " ".join(command_line)
    apps = f"{bundled_apps if bundled_apps is not None else cache_root()}{os.sep}"
    program = Path(command_line[0]).name if command_line else ""
    if "chrom" in program or "chrome" in joined.split(" ")[0]:
        if "--type=renderer" in joined:
            return "renderer"
        if "--type=" in joined:
            return "browser helpers"  # gpu-process, utility, zygote, crashpad
        return "browser"
    if program.startswith("node") or "run-driver" in joined:
        return "driver"
    if "reference_app" in joined or apps in joined:
        return "app"  # the bundled app of the target: the reference app, or a product's, from its virtualenv
    if program.startswith("python") or "pytest" in joined:
        return "pytest"  # the controller and its xdist workers (execnet starts them with `python -c`)
    return "other"


def _read_stat(pid: int) -> tuple[int, float] | None:
    """(parent pid, CPU seconds of the process itself) from /proc/PID/stat."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()  # the name in parentheses may hold spaces
    return int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS_PER_SECOND


def _command_line(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


@dataclass
class TreeSampler:
    """Samples the CPU time of every descendant of ``root_pid`` until ``stop()``."""

    root_pid: int
    interval: float = 0.1
    seconds_by_pid: dict[int, float] = field(default_factory=dict)
    kind_by_pid: dict[int, str] = field(default_factory=dict)
    _stopped: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)  # the thread's looks and the caller's
    _thread: threading.Thread | None = None

    def start(self) -> TreeSampler:
        self._thread = threading.Thread(target=self._run, daemon=True, name="bench-cpu-sampler")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopped.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()  # the last look, before the tree is gone

    def _run(self) -> None:
        while not self._stopped.wait(self.interval):
            self.sample()

    def sample(self) -> None:
        with self._lock:
            self._sample()

    def _sample(self) -> None:
        parents: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                stat = _read_stat(int(entry))
                if stat is not None:
                    parents[int(entry)], cpu[int(entry)] = stat
        family = {self.root_pid}
        changed = True
        while changed:
            changed = False
            for pid, parent in parents.items():
                if parent in family and pid not in family:
                    family.add(pid)
                    changed = True
        for pid in family:
            if pid not in cpu:
                continue
            if self.kind_by_pid.get(pid, "other") == "other":
                # Looked at again until known: /usr/bin/chromium is a shell script that execs the browser.
                self.kind_by_pid[pid] = kind_of(_command_line(pid))
            self.seconds_by_pid[pid] = max(self.seconds_by_pid.get(pid, 0.0), cpu[pid])

    def by_kind(self) -> dict[str, float]:
        """CPU-seconds by kind of process."""
        totals = dict.fromkeys(KINDS, 0.0)
        with self._lock:
            seen = list(self.seconds_by_pid.items())
        for pid, seconds in seen:
            totals[self.kind_by_pid.get(pid, "other")] += seconds
        return {kind: round(seconds, 2) for kind, seconds in totals.items() if seconds or kind != "other"}

    def sample_by_kind(self) -> dict[str, float]:
        """A look now, then the CPU-seconds by kind so far (the difference of two: what lay between)."""
        self.sample()
        return self.by_kind()

    def total(self) -> float:
        with self._lock:
            return round(sum(self.seconds_by_pid.values()), 2)


def per_test(by_kind: dict[str, float], tests: int) -> dict[str, float | None]:
    """CPU-seconds per test, by kind (None for every kind when no test ran)."""
    return {kind: (round(seconds / tests, 3) if tests else None) for kind, seconds in by_kind.items()}
