"""The verdict: green, red or unusable, every reason behind it, and how it is shown and stored."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

GREEN, RED, UNUSABLE = "green", "red", "unusable"
EXIT_STATUS = {GREEN: 0, RED: 1, UNUSABLE: 2}

# The human summary lists this many reasons; verdict.json always has all of them.
_SHOWN_REASONS = 20


@dataclass(frozen=True)
class Reason:
    """One thing that keeps the run from being green (or, when not blocking, worth a look)."""

    rule: str
    detail: str
    nodeid: str | None = None
    blocking: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "nodeid": self.nodeid, "detail": self.detail}

    def line(self) -> str:
        return f"{self.nodeid}: {self.detail}" if self.nodeid else self.detail


@dataclass
class Verdict:
    mode: str
    verdict: str
    reasons: list[Reason] = field(default_factory=list)
    notes: list[Reason] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    run_id: str | None = None
    started_at: str | None = None
    inputs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_findings(cls, mode: str, findings: list[Reason], **details: Any) -> Verdict:
        reasons = [finding for finding in findings if finding.blocking]
        notes = [finding for finding in findings if not finding.blocking]
        return cls(mode=mode, verdict=RED if reasons else GREEN, reasons=reasons, notes=notes, **details)

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS[self.verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "mode": self.mode,
            "run_id": self.run_id,
            "started_at": self.started_at,
            "reasons": [reason.to_json() for reason in self.reasons],
            "notes": [note.to_json() for note in self.notes],
            "counts": self.counts,
            "inputs": self.inputs,
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n", encoding="utf-8")

    def summary(self) -> str:
        """A few lines for a person: the verdict, the counts, then why."""
        run = f" run {self.run_id}" if self.run_id else ""
        lines = [f"truth-gate: {self.verdict.upper()} ({self.mode}){run}"]
        if self.counts:
            lines.append("  " + ", ".join(f"{name.replace('_', ' ')} {value}"
                                          for name, value in self.counts.items()
                                          if value or name in ("collected", "results", "passed")))
        for reason in self.reasons[:_SHOWN_REASONS]:
            lines.append(f"  - {reason.line()}")
        if len(self.reasons) > _SHOWN_REASONS:
            hidden = len(self.reasons) - _SHOWN_REASONS
            lines.append(f"  ... and {hidden} more reasons (see the verdict file)")
        for note in self.notes[:_SHOWN_REASONS]:
            lines.append(f"  note: {note.line()}")
        return "\n".join(lines)
