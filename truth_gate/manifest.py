"""The release manifest: the tests a release needs and the evidence each must leave behind."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from truth_gate.errors import UnusableInputError

# The committed manifest, at the repository root; relative like the gate's other defaults, because the
# gate runs from the repository root (nox, CI).
DEFAULT_MANIFEST = Path("release-manifest.toml")


@dataclass(frozen=True)
class RequiredTest:
    nodeid: str
    evidence: tuple[str, ...]

    def matches(self, nodeid: str) -> bool:
        """The exact id, or any parametrization of it (pytest-playwright adds `[chromium]`)."""
        return nodeid == self.nodeid or nodeid.startswith(self.nodeid + "[")


@dataclass(frozen=True)
class Manifest:
    path: Path
    required: tuple[RequiredTest, ...]


def read_manifest(path: Path) -> Manifest:
    if not path.is_file():
        raise UnusableInputError(f"release manifest {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise UnusableInputError(f"release manifest {path} is unreadable: {error}") from error
    evidence_table = data.get("evidence", {})
    if not isinstance(evidence_table, dict):
        raise UnusableInputError(f"{path}: [evidence] must be a table with a `default` list")
    default_evidence = _names(evidence_table.get("default", []), f"{path}: [evidence] default")
    entries = data.get("required", [])
    if not isinstance(entries, list) or not entries:
        raise UnusableInputError(
            f"release manifest {path} names no required test: add [[required]] entries with a nodeid; "
            "a gate with nothing to require would pass anything"
        )
    required: list[RequiredTest] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{path}: [[required]] entry {index}"
        if not isinstance(entry, dict) or not isinstance(entry.get("nodeid"), str) or not entry["nodeid"]:
            raise UnusableInputError(f"{where} has no nodeid")
        evidence = _names(entry["evidence"], f"{where} evidence") if "evidence" in entry else default_evidence
        required.append(RequiredTest(entry["nodeid"], evidence))
    nodeids = [test.nodeid for test in required]
    duplicates = sorted({nodeid for nodeid in nodeids if nodeids.count(nodeid) > 1})
    if duplicates:
        raise UnusableInputError(f"release manifest {path} lists a test twice: {', '.join(duplicates)}")
    return Manifest(path, tuple(required))


def _names(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) and name for name in value):
        raise UnusableInputError(f"{where} must be a list of attachment names")
    return tuple(value)
