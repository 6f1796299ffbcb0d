"""The latency history: ``reports/history/latency.jsonl``, one JSON line per nightly or release-gate run.

A line: ``{"format": "latency-history/1", "run_id", "kind": "nightly"|"release", "target", "profile",
"commit", "time", "figures": {...}}`` (figures as ``latency.stats.run_figures`` makes them). A file with
a line that is not that (corrupt, cut off, or from an older format) is set aside, renamed next to
itself, never deleted, and a new history starts; the caller reports the one line that says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from latency.stats import COMPLETE, FIRST_TOKEN

HISTORY_FORMAT = "latency-history/1"
RUN_FORMAT = "latency-run/1"
KINDS = ("nightly", "release")


class UnusableRun(Exception):
    """A run's figures file that cannot be recorded; the message says why."""


@dataclass
class History:
    path: Path
    entries: list[dict[str, Any]] = field(default_factory=list)
    # set when the file was unusable: the one line to report (what was wrong, where it went)
    set_aside: str | None = None


def entry_problem(entry: Any) -> str | None:
    """Why a parsed line is not a history entry of this format, or None."""
    if not isinstance(entry, dict):
        return "is not a JSON object"
    if "format" not in entry:
        return f"is from an older format (no \"format\" field; this one is {HISTORY_FORMAT!r})"
    if entry["format"] != HISTORY_FORMAT:
        return f"is from another format ({entry['format']!r}; this one is {HISTORY_FORMAT!r})"
    for key in ("run_id", "target", "time"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            return f"has no {key}"
    if entry.get("kind") not in KINDS:
        return f"has kind {entry.get('kind')!r}, not one of {', '.join(KINDS)}"
    figures = entry.get("figures")
    if not isinstance(figures, dict):
        return "has no figures"
    for name in (FIRST_TOKEN, COMPLETE):
        summary = figures.get(name)
        if not isinstance(summary, dict) or not all(
                isinstance(summary.get(key), int | float) for key in ("median", "p95")):
            return f"has no median and P95 of {name}"
    return None


def read_history(path: Path) -> History:
    """The entries of ``path`` (none if it does not exist); an unusable file is set aside, not read."""
    history = History(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return history
    except (OSError, UnicodeDecodeError) as error:
        return _set_aside(history, f"cannot be read ({error})")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except json.JSONDecodeError as error:
            return _set_aside(history, f"line {number} is not JSON ({error.msg})")
        problem = entry_problem(entry)
        if problem:
            return _set_aside(history, f"line {number} {problem}")
        history.entries.append(entry)
    return history


def _set_aside(history: History, problem: str) -> History:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = history.path.with_name(f"{history.path.name}.set-aside-{stamp}")
    counter = 1
    while target.exists():
        counter += 1
        target = history.path.with_name(f"{history.path.name}.set-aside-{stamp}-{counter}")
    history.path.rename(target)
    history.set_aside = (f"latency history {history.path}: {problem}; set aside as {target.name}, "
                         "a new history starts")
    return History(history.path, [], history.set_aside)


def read_run(path: Path) -> dict[str, Any]:
    """A run's figures file (``reports/latency.json``, written by the suite); UnusableRun says why not."""
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UnusableRun(f"{path} does not exist: no golden-path sample was measured in this run") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnusableRun(f"{path} is unreadable ({error})") from None
    if not isinstance(run, dict) or run.get("format") != RUN_FORMAT:
        raise UnusableRun(f"{path} is not a {RUN_FORMAT} file")
    return run


def entry_for(run: dict[str, Any], kind: str) -> dict[str, Any]:
    """The history line of a run's figures file."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    entry = {"format": HISTORY_FORMAT, "run_id": run.get("run_id"), "kind": kind,
             "target": run.get("target"), "profile": run.get("profile"), "commit": run.get("commit"),
             "time": run.get("time"), "figures": run.get("figures")}
    problem = entry_problem(entry)
    if problem:
        raise UnusableRun(f"the run's figures cannot be recorded: the entry {problem}")
    return entry


def append_run(history_path: Path, entry: dict[str, Any]) -> tuple[History, bool]:
    """Append ``entry`` unless its run id and kind are already there; (the history after, appended?)."""
    history = read_history(history_path)
    if any(old["run_id"] == entry["run_id"] and old["kind"] == entry["kind"] for old in history.entries):
        return history, False
    history_path.parent.mkdir(parents=True, exist_ok=True)
    with history_path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(entry, sort_keys=True) + "\n")
    history.entries.append(entry)
    return history, True


def of_target(entries: list[dict[str, Any]], target: str | None) -> list[dict[str, Any]]:
    """The entries of one target (the newest entry's when ``target`` is None), oldest first."""
    if target is None and entries:
        target = entries[-1]["target"]
    return [entry for entry in entries if entry["target"] == target]
