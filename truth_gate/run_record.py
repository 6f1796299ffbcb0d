"""The run record: what the suite writes about a run (gp-run.json) and the labels it puts on each result.

Shared by the pytest plugin that writes it and the gate that reads it, so the two cannot drift.
"""

from __future__ import annotations

import json
import os
import re
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from truth_gate.errors import UnusableInputError

RUN_RECORD_FILE = "gp-run.json"
RUN_RECORD_FORMAT = 1
# One run id for every process of a run, and for every shard of a sharded run (CI sets it once for all
# its shard jobs); generated when unset.
RUN_ID_ENV = "E2E_RUN_ID"
_RUN_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,99}")

# Allure labels every result carries, so the gate can match results to collected tests and spot stale files.
RUN_ID_LABEL = "run_id"
NODEID_LABEL = "nodeid"


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts by time and does not collide: `20261124T221012Z-3fa9c1`."""
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


def run_id_problem(run_id: str) -> str | None:
    """Why ``run_id`` (from E2E_RUN_ID) cannot be a run id, or None: it lands in file names and labels."""
    if _RUN_ID_PATTERN.fullmatch(run_id):
        return None
    return (f"{RUN_ID_ENV}={run_id!r} is not a usable run id: use 1 to 100 letters, digits, '.', '_', "
            "':' or '-', starting with a letter or digit (e.g. the CI run's number)")


@dataclass(frozen=True)
class Shard:
    """This run is part ``index`` of ``total`` (``--shard index/total``); 1/1 when not split."""

    index: int
    total: int

    def __str__(self) -> str:
        return f"{self.index}/{self.total}"

    def to_json(self) -> dict[str, int]:
        return {"index": self.index, "total": self.total}


def parse_shard(text: str) -> Shard:
    """``K/N`` as given to ``--shard``; ValueError with one line saying what is wrong and what is meant."""
    index_text, slash, total_text = text.partition("/")
    if not slash or not index_text.strip().isdigit() or not total_text.strip().isdigit():
        raise ValueError(f"--shard {text}: expected K/N, two whole numbers (e.g. --shard 1/2 runs the "
                         "first of two parts)")
    index, total = int(index_text), int(total_text)
    if total < 1:
        raise ValueError(f"--shard {text}: N must be at least 1 (the number of parts)")
    if not 1 <= index <= total:
        raise ValueError(f"--shard {text}: K must be between 1 and {total} (parts are counted from 1)")
    return Shard(index, total)


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass
class RunRecord:
    """gp-run.json: written by the controller process only; `None` means "not reached yet"."""

    run_id: str
    started_at: str
    pytest_args: list[str]
    collected: list[str] | None = None
    deselected: list[str] = field(default_factory=list)
    reruns: dict[str, int] = field(default_factory=dict)
    exit_status: int | None = None
    finished_at: str | None = None
    # why pytest stopped before the tests (pytest.exit's message: the preflight, a guard)
    stopped_reason: str | None = None
    # The target profile (targets/) and the tests it declares not applicable, "file::test" -> why.
    target: str | None = None
    not_applicable: dict[str, str] = field(default_factory=dict)
    # Shards (issue 12): which part of the run this is, and the whole set of tests the run selected
    # before it was split (`collected` is this shard's part). None in records written before them.
    shard: Shard | None = None
    collected_before_split: list[str] | None = None
    # the remote browser server the run connected to (E2E_BROWSER_ENDPOINT), secrets redacted
    browser_endpoint: str | None = None
    format: int = RUN_RECORD_FORMAT

    def not_applicable_reason(self, nodeid: str) -> str | None:
        """Why the profile declares this test (any parametrization of it) not applicable, or None."""
        return self.not_applicable.get(nodeid) or self.not_applicable.get(nodeid.split("[", 1)[0])

    @property
    def started_at_ms(self) -> int:
        """The start in Allure's unit (epoch ms), rounded down so that no fresh result predates it."""
        return int(datetime.fromisoformat(self.started_at).timestamp() * 1000)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "pytest_args": self.pytest_args,
            "collected": self.collected,
            "deselected": self.deselected,
            "reruns": self.reruns,
            "exit_status": self.exit_status,
            "finished_at": self.finished_at,
            "stopped_reason": self.stopped_reason,
            "target": self.target,
            "not_applicable": self.not_applicable,
            "shard": self.shard.to_json() if self.shard else None,
            "collected_before_split": self.collected_before_split,
            "browser_endpoint": self.browser_endpoint,
        }

    def write(self, results_dir: Path) -> None:
        """Replace the file atomically: a reader never sees half a record."""
        results_dir.mkdir(parents=True, exist_ok=True)
        target = results_dir / RUN_RECORD_FILE
        temporary = target.with_suffix(".json.tmp")
        temporary.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        os.replace(temporary, target)


def read_run_record(results_dir: Path) -> RunRecord:
    """Load gp-run.json, or say exactly why it cannot be used."""
    path = results_dir / RUN_RECORD_FILE
    if not path.is_file():
        raise UnusableInputError(
            f"no run record {path}: was pytest run with --alluredir {results_dir} and the "
            "truth_gate.pytest_plugin loaded (root conftest.py)?"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnusableInputError(f"run record {path} is unreadable: {error}") from error
    if not isinstance(data, dict):
        raise UnusableInputError(f"run record {path} is not a JSON object")
    try:
        record = RunRecord(
            run_id=_typed(data, "run_id", str),
            started_at=_typed(data, "started_at", str),
            pytest_args=_typed(data, "pytest_args", list),
            collected=_typed(data, "collected", list, optional=True),
            deselected=_typed(data, "deselected", list, optional=True) or [],
            reruns=_typed(data, "reruns", dict, optional=True) or {},
            exit_status=_typed(data, "exit_status", int, optional=True),
            stopped_reason=_typed(data, "stopped_reason", str, optional=True),
            finished_at=_typed(data, "finished_at", str, optional=True),
            target=_typed(data, "target", str, optional=True),
            not_applicable=_typed(data, "not_applicable", dict, optional=True) or {},
            shard=_shard(data),
            collected_before_split=_typed(data, "collected_before_split", list, optional=True),
            browser_endpoint=_typed(data, "browser_endpoint", str, optional=True),
            format=_typed(data, "format", int),
        )
        record.started_at_ms  # noqa: B018 (validates the timestamp here, where the error names the file)
    except (KeyError, TypeError, ValueError) as error:
        raise UnusableInputError(f"run record {path} is malformed: {error}") from error
    if record.format != RUN_RECORD_FORMAT:
        raise UnusableInputError(
            f"run record {path} has format {record.format}, this gate reads format {RUN_RECORD_FORMAT}"
        )
    return record


def _shard(data: dict[str, Any]) -> Shard | None:
    shard = _typed(data, "shard", dict, optional=True)
    if shard is None:
        return None
    index, total = _typed(shard, "index", int), _typed(shard, "total", int)
    if not 1 <= index <= total:
        raise ValueError(f"shard {index}/{total} is not a part of {total}")
    return Shard(index, total)


def _typed(data: dict[str, Any], key: str, kind: type, optional: bool = False) -> Any:
    if key not in data or data[key] is None:
        if optional:
            return None
        raise KeyError(f"missing {key!r}")
    value = data[key]
    # bool is an int in Python; an exit status of `true` is still malformed.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise TypeError(f"{key!r} should be {kind.__name__}, is {type(value).__name__}")
    return value
