"""One benchmark figure against its target: met, missed, or invalid (its run was not what was meant).

A figure measured on a run that was not green (for the speed figures) or not red
for the expected reason (for the time-to-red figures) is **invalid**: it says
nothing about the target, and is never reported as met or missed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MET, MISSED, INVALID = "met", "MISSED", "INVALID"


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | None
    unit: str
    target: str  # e.g. "<= 60 s"
    met: bool | None  # None: invalid
    why_invalid: str = ""
    detail: str = ""

    @classmethod
    def judged(cls, name: str, value: float | None, unit: str, *, at_most: float | None = None,
               at_least: float | None = None, target: str = "", valid: bool = True, why_invalid: str = "",
               detail: str = "", also_needed: tuple[bool, str] = (True, "")) -> Figure:
        """Met when ``value`` is within its bound and ``also_needed`` holds; invalid unless ``valid``."""
        bound = (f"<= {at_most:g} {unit}" if at_most is not None else f">= {at_least:g} {unit}")
        target = target or bound
        if not valid or value is None:
            return cls(name, value, unit, target, None, why_invalid or "no value was measured", detail)
        within = (at_most is None or value <= at_most) and (at_least is None or value >= at_least)
        needed, why_not = also_needed
        met = within and needed
        if within and not needed:
            detail = f"{detail}; {why_not}" if detail else why_not
        return cls(name, value, unit, target, met, "", detail)

    @property
    def verdict(self) -> str:
        return INVALID if self.met is None else (MET if self.met else MISSED)

    def line(self) -> str:
        value = "-" if self.value is None else f"{self.value:g} {self.unit}"
        if self.met is None:
            return f"{self.name}: {value}, target {self.target}: INVALID ({self.why_invalid})"
        extra = f" ({self.detail})" if self.detail else ""
        return f"{self.name}: {value}, target {self.target}: {self.verdict}{extra}"

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> Figure:
        """The figure ``to_json`` wrote, named ``name``."""
        return cls(name, data.get("value"), data.get("unit", ""), data.get("target", ""), data.get("met"),
                   data.get("why_invalid") or "", data.get("detail") or "")

    def to_json(self) -> dict[str, Any]:
        return {"value": self.value, "unit": self.unit, "target": self.target, "verdict": self.verdict,
                "met": self.met, "why_invalid": self.why_invalid or None, "detail": self.detail or None}
