"""Reading what allure-pytest wrote: one `*-result.json` per test attempt, `*-container.json` per fixture."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from truth_gate.errors import UnusableInputError
from truth_gate.run_record import NODEID_LABEL, RUN_ID_LABEL


@dataclass(frozen=True)
class Attachment:
    name: str
    source: str
    type: str | None


@dataclass
class AllureResult:
    """One attempt of one test, as written by allure-pytest (a rerun writes one result per attempt)."""

    file: str
    name: str
    status: str
    message: str
    start: int | None
    stop: int | None
    uuid: str
    labels: dict[str, list[str]]
    attachments: list[Attachment] = field(default_factory=list)

    @property
    def run_id(self) -> str | None:
        values = self.labels.get(RUN_ID_LABEL)
        return values[0] if values else None

    @property
    def nodeid(self) -> str | None:
        values = self.labels.get(NODEID_LABEL)
        return values[0] if values else None

    @property
    def outcome(self) -> str:
        """passed, failed, broken, skipped, xfailed or xpassed: allure writes xfail as skipped and
        a non-strict xpass as passed, telling them apart only by the message pytest gave."""
        if self.status == "skipped" and self.message.startswith("XFAIL"):
            return "xfailed"
        if self.status == "passed" and self.message.startswith("XPASS"):
            return "xpassed"
        return self.status


def read_results(results_dir: Path) -> list[AllureResult]:
    """Every test result in the folder, with the attachments of its steps and of its own fixtures."""
    if not results_dir.is_dir():
        raise UnusableInputError(f"results folder {results_dir} does not exist: run the suite with "
                                 f"--alluredir {results_dir} first")
    results = [_result(path, _load(path)) for path in sorted(results_dir.glob("*-result.json"))]
    by_uuid = {result.uuid: result for result in results}
    for path in sorted(results_dir.glob("*-container.json")):
        container = _load(path)
        children = container.get("children") or []
        # A container is one fixture; its attachments belong to a test only when the fixture served
        # that test alone (function scope). A session fixture's attachments prove nothing per test.
        if len(children) == 1 and children[0] in by_uuid:
            for fixture in (container.get("befores") or []) + (container.get("afters") or []):
                by_uuid[children[0]].attachments.extend(_attachments(fixture))
    return results


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise UnusableInputError(f"Allure file {path} is unreadable: {error}") from error
    if not isinstance(data, dict):
        raise UnusableInputError(f"Allure file {path} is not a JSON object")
    return data


def _result(path: Path, data: dict[str, Any]) -> AllureResult:
    labels: dict[str, list[str]] = {}
    for label in data.get("labels") or []:
        if isinstance(label, dict) and isinstance(label.get("name"), str):
            labels.setdefault(label["name"], []).append(str(label.get("value")))
    details = data.get("statusDetails") or {}
    start, stop = data.get("start"), data.get("stop")
    return AllureResult(
        file=path.name,
        name=str(data.get("name", "")),
        # A result without a status never finished writing its outcome: count it as broken.
        status=str(data.get("status") or "broken"),
        message=str(details.get("message") or "") if isinstance(details, dict) else "",
        start=start if isinstance(start, int) else None,
        stop=stop if isinstance(stop, int) else None,
        uuid=str(data.get("uuid", path.name)),
        labels=labels,
        attachments=list(_attachments(data)),
    )


def _attachments(node: dict[str, Any]) -> Iterator[Attachment]:
    """The node's attachments and those of its steps, however deeply nested."""
    for attachment in node.get("attachments") or []:
        if isinstance(attachment, dict):
            yield Attachment(str(attachment.get("name", "")), str(attachment.get("source", "")),
                             attachment.get("type"))
    for step in node.get("steps") or []:
        if isinstance(step, dict):
            yield from _attachments(step)
