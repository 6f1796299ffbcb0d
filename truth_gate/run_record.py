"""The run record: what the suite writes about a run (gp-run.json) and the labels it puts on each result.

Shared by the pytest plugin that writes it and the gate that reads it, so the two cannot drift.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from truth_gate.errors import UnusableInputError

RUN_RECORD_FILE = "gp-run.json"
RUN_RECORD_FORMAT = 1
RUN_ID_ENV = "GP_RUN_ID"

# Allure labels every result carries, so the gate can match results to collected tests and spot stale files.
RUN_ID_LABEL = "run_id"
NODEID_LABEL = "nodeid"


def new_run_id(now: datetime | None = None) -> str:
    """A run id that sorts by time and does not collide: `20261124T221012Z-3fa9c1`."""
    moment = now or datetime.now(UTC)
    return f"{moment.strftime('%Y%m%dT%H%M%SZ')}-{secrets.token_hex(3)}"


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
