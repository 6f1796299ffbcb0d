"""The release gate's baseline rule: time to first token P95 against the median of the last K nightly runs.

Red when this run's P95 rose more than X % over the median of the P95s of the last K nightly runs of
the same target. With fewer than K such runs there is no baseline yet: not judged, and said so.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import Any

from latency.history import of_target
from latency.stats import FIRST_TOKEN

RISE_SETTING = "E2E_BASELINE_MAX_RISE_PERCENT"
RUNS_SETTING = "E2E_BASELINE_NIGHTLY_RUNS"


@dataclass(frozen=True)
class BaselineVerdict:
    judged: bool
    red: bool
    message: str
    current_p95: float
    baseline_median: float | None = None
    rise_percent: float | None = None


def judge_baseline(run: dict[str, Any], entries: list[dict[str, Any]], *, max_rise_percent: float,
                   nightly_runs: int) -> BaselineVerdict:
    """``run``'s time to first token P95 against the last ``nightly_runs`` nightly runs of its target."""
    current = float(run["figures"][FIRST_TOKEN]["p95"])
    nightly = [entry for entry in of_target(entries, run.get("target"))
               if entry["kind"] == "nightly" and entry["run_id"] != run.get("run_id")]
    if len(nightly) < nightly_runs:
        return BaselineVerdict(False, False, (
            f"latency baseline not judged: {len(nightly)} nightly run(s) of {run.get('target')} in the "
            f"history, the rule needs {nightly_runs} ({RUNS_SETTING}); time to first token P95 "
            f"{current:.2f} s"), current)
    last = [float(entry["figures"][FIRST_TOKEN]["p95"]) for entry in nightly[-nightly_runs:]]
    baseline = statistics.median(last)
    if baseline <= 0:
        return BaselineVerdict(False, False, f"latency baseline not judged: the nightly median is "
                               f"{baseline} s", current, baseline)
    # to a hundredth of a per cent, so that exactly X % (in decimal figures) is not read as more
    rise = round((current - baseline) / baseline * 100, 2)
    red = rise > max_rise_percent
    verdict = "RED" if red else "green"
    message = (f"latency baseline {verdict}: time to first token P95 {current:.2f} s is {rise:+.0f} % "
               f"against {baseline:.2f} s, the median P95 of the last {nightly_runs} nightly runs "
               f"(limit +{max_rise_percent:g} %, {RISE_SETTING})")
    return BaselineVerdict(True, red, message, current, baseline, rise)
