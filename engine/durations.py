"""The tests' stored durations, and the order they give: longest first (stdlib only).

One file of durations per kind of target, in pytest-split's format (``{"node id": seconds}``):
``.test_durations`` at the checkout's root for the contract (measured against the reference app),
``targets/<name>/test_durations.json`` for a product whose profile has one (else the contract's).
The same file balances ``--shard K/N`` (pytest-split), orders a run with two or more xdist workers,
and is where ``--store-durations`` writes (fixtures/run_order.py). A test missing from the file
counts as the file's average, as pytest-split counts it. Refreshed from one undisturbed run with one
worker (README.md, "Shards")::

    python -m pytest e2e -n 1 -p no:randomly [--target NAME] --store-durations

Why longest first: xdist's load scheduling hands out the tests in collection order and keeps two
queued on each worker, so the suite's longest tests (the silences, at the end of ``e2e/``) ran last,
both on one worker, while the other stood idle (3.4 s of a 26 s run of a product target, README.md
"Speed").
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from engine.settings import DEFAULT_TARGET

ROOT_FILE = ".test_durations"
PROFILE_FILE = "test_durations.json"

T = TypeVar("T")


class BadDurations(ValueError):
    """A durations file that is not ``{"node id": seconds, ...}``."""


def durations_file(root: Path, target: str, *, writing: bool = False) -> Path:
    """The durations file of ``target``'s runs: a product's own (always, to write), else the contract's."""
    if target == DEFAULT_TARGET:
        return root / ROOT_FILE
    own = root / "targets" / target / PROFILE_FILE
    return own if writing or own.is_file() else root / ROOT_FILE


def load_durations(path: Path) -> dict[str, float]:
    """The durations in ``path``; an empty mapping if there is no such file; BadDurations if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadDurations(f"{path}: not JSON ({error})") from None
    if not isinstance(data, dict) or not all(
            isinstance(key, str) and isinstance(value, int | float) and not isinstance(value, bool)
            and value >= 0 for key, value in data.items()):
        raise BadDurations(f"{path}: not a mapping of node ids to seconds (pytest-split's format)")
    return {key: float(value) for key, value in data.items()}


def longest_first(things: Sequence[T], durations: dict[str, float], node_id: Callable[[T], str]) -> list[T]:
    """``things`` by stored duration, longest first; unknown ones count as the average; ties keep order."""
    average = sum(durations.values()) / len(durations) if durations else 0.0
    return sorted(things, key=lambda thing: -durations.get(node_id(thing), average))
