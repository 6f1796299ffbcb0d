"""The machine a benchmark ran on, so that its figures can be compared with the right ones."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path
from typing import Any

from engine.settings import chromium_executable


def _first_value(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text(encoding="utf-8").splitlines():
            name, _, value = line.partition(":")
            if name.strip() == key:
                return value.strip()
    except OSError:
        pass
    return None


def _chromium_version() -> str | None:
    executable = chromium_executable()
    if not executable:
        return None
    try:
        completed = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    version = completed.stdout.strip()
    return f"{version} ({executable})" if version else None


def describe_machine() -> dict[str, Any]:
    """CPUs, CPU model, RAM, Python, Chromium, and the load average right now."""
    memory_kib = _first_value("/proc/meminfo", "MemTotal")
    usable_cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    return {
        "cpus": usable_cpus,
        "cpu_model": _first_value("/proc/cpuinfo", "model name") or platform.processor() or None,
        "ram_gib": round(int(memory_kib.split()[0]) / 1024 / 1024, 1) if memory_kib else None,
        "python": platform.python_version(),
        "chromium": _chromium_version(),
        "platform": platform.platform(),
        "load_average": [round(value, 2) for value in load] if load else None,
    }


def machine_line(machine: dict[str, Any]) -> str:
    load = machine["load_average"]
    return (f"{machine['cpus']} CPUs ({machine['cpu_model']}), {machine['ram_gib']} GiB RAM, "
            f"Python {machine['python']}, {machine['chromium']}; load average before "
            f"{' '.join(f'{value:g}' for value in load) if load else 'unknown'}")


def cpu_ticks() -> tuple[int, int] | None:
    """(busy, idle) jiffies of all CPUs since boot, from /proc/stat; None where there is none."""
    try:
        first_line = Path("/proc/stat").read_text(encoding="utf-8").split("\n")[0]
        fields = [int(value) for value in first_line.split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields[:8]) - idle, idle


def busy_cores(before: tuple[int, int] | None, after: tuple[int, int] | None, cpus: int) -> float | None:
    """How many of the machine's CPUs were busy on average between two ``cpu_ticks`` (every process)."""
    if before is None or after is None:
        return None
    busy, idle = after[0] - before[0], after[1] - before[1]
    return round(busy / (busy + idle) * cpus, 2) if busy + idle else None


def least_on_cpus(cpu_seconds: float, cpus: int) -> tuple[float, str]:
    """The least wall time ``cpu_seconds`` of work take on ``cpus`` CPUs, every one busy all the time, and
    the words that say so (the floor under a run's wall time)."""
    least = cpu_seconds / cpus
    return least, (f"its processes' {cpu_seconds:g} CPU-s take at least {least:.1f} s on {cpus} CPUs "
                   "even with every CPU busy")
