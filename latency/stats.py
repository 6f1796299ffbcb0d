"""Min, median, P95 and max of a run's latency samples.

Percentiles are nearest-rank: the P95 of N samples is the ceil(0.95 N)-th smallest, always a value
that was measured (with fewer than 20 samples that is the largest). The streaming speed is a floor,
so its tail is the slow end: P5, the ceil(0.05 N)-th smallest (the smallest below 20 samples).
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

# The figures of one sample (keys of LatencySample and of a run's "figures").
FIRST_FRAME = "first_frame_seconds"
FIRST_TOKEN = "first_token_seconds"
COMPLETE = "complete_seconds"
CHARS_PER_SECOND = "chars_per_second"
SECONDS_FIGURES = (FIRST_FRAME, FIRST_TOKEN, COMPLETE)

LABELS = {
    FIRST_FRAME: "first frame of the run",
    FIRST_TOKEN: "time to first token",
    COMPLETE: "time to the complete answer",
    CHARS_PER_SECOND: "streaming speed",
}


@dataclass(frozen=True)
class LatencySample:
    """One golden path, as the page saw it, in seconds from the moment the user's message frame left."""

    first_frame_seconds: float  # the first frame of the run on the socket (server time)
    first_token_seconds: float  # the first visible character of the answer
    complete_seconds: float  # the answer marked complete
    chars_per_second: float | None  # characters shown per second while streaming; None: shown at once
    answer_chars: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LatencySample:
        rate = data.get(CHARS_PER_SECOND)
        return cls(float(data[FIRST_FRAME]), float(data[FIRST_TOKEN]), float(data[COMPLETE]),
                   None if rate is None else float(rate), int(data.get("answer_chars", 0)))


def nearest_rank(values: Sequence[float], percent: float) -> float:
    """The ``percent``-th percentile by nearest rank: the ceil(percent/100 * N)-th smallest value."""
    if not values:
        raise ValueError("no values")
    if not 0 < percent <= 100:
        raise ValueError(f"percent must be in (0, 100], not {percent}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(percent / 100 * len(ordered))) - 1]


def summarize(values: Sequence[float]) -> dict[str, float]:
    """min, median, p95, max (seconds: the slow end is the top)."""
    return {"min": min(values), "median": statistics.median(values), "p95": nearest_rank(values, 95),
            "max": max(values)}


def summarize_floor(values: Sequence[float]) -> dict[str, float]:
    """min, median, p5, max (a speed: the slow end is the bottom)."""
    return {"min": min(values), "median": statistics.median(values), "p5": nearest_rank(values, 5),
            "max": max(values)}


def run_figures(samples: Sequence[LatencySample]) -> dict[str, Any]:
    """Each seconds figure summarized, and the speed (None if every answer was shown at once)."""
    if not samples:
        raise ValueError("no samples")
    figures: dict[str, Any] = {"samples": len(samples)}
    for name in SECONDS_FIGURES:
        figures[name] = {key: round(value, 3) for key, value in
                         summarize([getattr(sample, name) for sample in samples]).items()}
    rates = [sample.chars_per_second for sample in samples if sample.chars_per_second is not None]
    figures[CHARS_PER_SECOND] = ({key: round(value, 1) for key, value in summarize_floor(rates).items()}
                                 if rates else None)
    return figures


def describe(figures: dict[str, Any]) -> str:
    """One line per figure: 'time to first token: min 0.21 s, median 0.23 s, P95 0.30 s, max 0.30 s'."""
    lines = [f"{figures['samples']} sample(s)"]
    for name in SECONDS_FIGURES:
        summary = figures[name]
        lines.append(f"{LABELS[name]}: min {summary['min']:.2f} s, median {summary['median']:.2f} s, "
                     f"P95 {summary['p95']:.2f} s, max {summary['max']:.2f} s")
    rate = figures.get(CHARS_PER_SECOND)
    if rate is None:
        lines.append(f"{LABELS[CHARS_PER_SECOND]}: every answer was shown at once")
    else:
        lines.append(f"{LABELS[CHARS_PER_SECOND]}: min {rate['min']:.1f}, median {rate['median']:.1f}, "
                     f"P5 {rate['p5']:.1f}, max {rate['max']:.1f} characters/s")
    return "\n".join(lines)


@dataclass(frozen=True)
class Budget:
    """A limit on one figure: seconds at P95 (at most), or characters per second at P5 (at least)."""

    figure: str
    limit: float
    setting: str  # the variable that sets it, named in the message

    def breach(self, figures: dict[str, Any]) -> str | None:
        """What is wrong, with the figure and the budget, or None when the budget is kept."""
        summary = figures.get(self.figure)
        if summary is None:  # no streaming speed: every answer was shown at once
            return None
        if self.figure == CHARS_PER_SECOND:
            if summary["p5"] >= self.limit:
                return None
            return (f"{LABELS[self.figure]} P5 {summary['p5']:.1f} characters/s is under its floor of "
                    f"{self.limit:g} ({self.setting})")
        if summary["p95"] <= self.limit:
            return None
        return (f"{LABELS[self.figure]} P95 {summary['p95']:.2f} s is over its budget of {self.limit:g} s "
                f"({self.setting})")


def breaches(figures: dict[str, Any], budgets: Sequence[Budget]) -> list[str]:
    return [problem for budget in budgets if (problem := budget.breach(figures)) is not None]
