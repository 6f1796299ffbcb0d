"""The suite against another kind of product: the bundled Chainlit app against the reference app (issue 10).

Both whole suites run with ``-n 2``, one after the other, on the same machine. Targets:

- the Chainlit suite's wall time is at most 1.5 times the contract suite's;
- each silence check (the browser clock moved past the suite's patience, Chainlit having no
  watchdog) takes at most 5 s of wall time.

The contract run counts only when green; the Chainlit run only when its promises are the
recorded ones (``targets/chainlit/expected-promises.json``): broken promises are its findings,
and a run broken in any other way says nothing about speed. A never-answered run costs
``E2E_COMPLETED_WITHIN_SECONDS``, here 30 s for both suites (the bundled apps answer within seconds).
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from bench.figures import Figure
from targets.findings import differences, expected_path

TARGET_RATIO = 1.5
TARGET_SILENCE_CHECK_SECONDS = 5.0
BUDGET = {"E2E_COMPLETED_WITHIN_SECONDS": "30"}
SILENCE_TESTS = ("test_silence_after_agent_started", "test_silence_before_agent_started")


def chainlit_against_contract() -> tuple[list[Figure], dict[str, Any]]:
    from bench.__main__ import run_suite  # the one way the bench runs a whole suite

    contract = run_suite(2, [], BUDGET)
    with tempfile.TemporaryDirectory(prefix="bench-chainlit-") as folder:
        chainlit = run_suite(2, ["--target", "chainlit", "--alluredir", f"{folder}/allure-results"], BUDGET)
        table_file = Path(folder) / "promises.json"
        table = json.loads(table_file.read_text(encoding="utf-8")) if table_file.is_file() else None
    expected = json.loads(expected_path("chainlit").read_text(encoding="utf-8"))
    changed = differences(expected, table) if table is not None else ["the run left no promises table"]
    why_chainlit = "" if not changed else f"its promises are not the recorded ones: {'; '.join(changed[:3])}"
    why_contract = "" if contract.green else f"the contract suite was not green (exit {contract.exit_code})"
    ratio = round(chainlit.wall_seconds / contract.wall_seconds, 2) if contract.wall_seconds else None
    silence = [test for test in chainlit.tests if test["nodeid"].split("::")[-1].startswith(SILENCE_TESTS)]
    slowest = max((test.get("call", 0.0) for test in silence), default=None)
    figures = [
        Figure.judged("Chainlit suite -n 2 / contract suite -n 2, wall time", ratio, "x",
                      at_most=TARGET_RATIO,
                      valid=not why_chainlit and not why_contract,
                      why_invalid="; ".join(why for why in (why_contract, why_chainlit) if why),
                      detail=f"{chainlit.wall_seconds:g} s against {contract.wall_seconds:g} s"),
        Figure.judged("Chainlit silence checks, slowest body", slowest, "s",
                      at_most=TARGET_SILENCE_CHECK_SECONDS,
                      valid=len(silence) == len(SILENCE_TESTS) and not why_chainlit,
                      why_invalid=why_chainlit or f"found {len(silence)} silence tests"),
    ]
    raw = {"contract": {"wall_seconds": contract.wall_seconds, "green": contract.green,
                        "tests": len(contract.tests), "cpu_seconds": contract.cpu_seconds,
                        "cpu_by_process": contract.cpu_by_kind},
           "chainlit": {"wall_seconds": chainlit.wall_seconds, "exit_code": chainlit.exit_code,
                        "tests": len(chainlit.tests), "cpu_seconds": chainlit.cpu_seconds,
                        "cpu_by_process": chainlit.cpu_by_kind,
                        "promises_as_recorded": not changed, "differences": changed,
                        "silence_check_seconds": {test["nodeid"]: test.get("call") for test in silence}}}
    return figures, raw
