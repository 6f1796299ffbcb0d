"""The self-test's matrix as a person reads it, and as reports/selftest.json."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from selftest.runner import CaseResult


def short(nodeid: str) -> str:
    """``e2e/test_login.py::test_x[chromium-1006]`` -> ``test_login::test_x[1006]``."""
    path, _, name = nodeid.partition("::")
    return f"{Path(path).stem}::{name.removesuffix('[chromium]').replace('[chromium-', '[')}"


def _verdict(result: CaseResult) -> str:
    if result.name == "baseline":
        return "GREEN" if result.ok else "RED (must be green)"
    return "CAUGHT" if result.ok else "NOT CAUGHT"


def _what_failed(result: CaseResult) -> list[str]:
    if result.expected_outcome == "preflight":
        return textwrap.wrap(f"exit {result.exit_code}: {result.detail}", width=90, break_on_hyphens=False)
    if result.expected_outcome == "nothing":
        return ["(not run)"]
    if result.exit_code is None:
        return [result.detail]
    failed = [short(nodeid) for nodeid in result.failed]
    return failed or [f"nothing (exit {result.exit_code})"]


def _expected(result: CaseResult) -> list[str]:
    if result.expected_outcome == "preflight":
        return ["preflight: exit 3 naming the auth URL"]
    return [short(nodeid) for nodeid in result.expected] or ["(none)"]


def matrix_table(results: list[CaseResult]) -> str:
    """fault | expected catchers | what failed | verdict, one test a line within a cell."""
    headers = ("fault", "expected catchers", "what failed", "verdict")
    rows = [(f"{result.name} ({result.seconds:g} s)", _expected(result), _what_failed(result),
             _verdict(result)) for result in results]
    widths = (max(len(headers[0]), *(len(name) for name, *_ in rows)),
              max(len(headers[1]), *(len(line) for _, expected, *_ in rows for line in expected)),
              max(len(headers[2]), *(len(line) for _, _, failed, _ in rows for line in failed)))

    def line(cells: tuple[str, str, str, str]) -> str:
        return " | ".join(cell.ljust(width) for cell, width in zip(cells, (*widths, 0), strict=True)).rstrip()

    lines = [line(headers), "-+-".join("-" * width for width in (*widths, 10))]
    for name, expected, failed, verdict in rows:
        for index in range(max(len(expected), len(failed))):
            lines.append(line((name if index == 0 else "", expected[index] if index < len(expected) else "",
                               failed[index] if index < len(failed) else "", verdict if index == 0 else "")))
    return "\n".join(lines)


def write_json(path: Path, payload: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
