"""Other kinds of product: each profile with ``has_findings``, its suite beside the contract suite (issue 10).

For each such profile (``targets/<name>/``), the contract suite and the profile's suite
against its bundled app (``--target NAME``) run whole with ``-n 2``, one after the other,
on the same machine. Targets:

- the profile's suite's wall time is at most its ``speed_target_ratio`` times the contract suite's;
- each silence check (the browser clock moved past the target's patience with a silent agent)
  takes at most 5 s of wall time (issue 17).

The contract run counts only when green; the profile's run only when its promises are the
recorded ones (``targets/<name>/expected-promises.json``): broken promises are its findings,
and a run broken in any other way says nothing about speed. A never-answered run costs
``E2E_COMPLETED_WITHIN_SECONDS``, here 30 s for both suites (the bundled apps answer within seconds).
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.figures import Figure
from bench.machine import least_on_cpus
from targets.base import TargetProfile
from targets.findings import differences, expected_path

if TYPE_CHECKING:
    from bench.__main__ import SuiteRun

TARGET_SILENCE_CHECK_SECONDS = 5.0
BUDGET = {"E2E_COMPLETED_WITHIN_SECONDS": "30"}
SILENCE_TESTS = ("test_silence_after_agent_started", "test_silence_before_agent_started")


def against_contract(profile: TargetProfile) -> tuple[list[Figure], dict[str, Any]]:
    """The contract suite, then ``profile``'s suite against its bundled app; their figures."""
    from bench.__main__ import run_suite  # the one way the bench runs a whole suite

    contract = run_suite(2, [], BUDGET)
    with tempfile.TemporaryDirectory(prefix=f"bench-{profile.name}-") as folder:
        product = run_suite(2, ["--target", profile.name, "--alluredir", f"{folder}/allure-results"], BUDGET)
        table_file = Path(folder) / "promises.json"
        table = json.loads(table_file.read_text(encoding="utf-8")) if table_file.is_file() else None
    expected = json.loads(expected_path(profile.name).read_text(encoding="utf-8"))
    figures, raw = judge(profile, contract, product, table, expected)
    print(f"  where the difference goes: {describe_difference(raw['where_the_difference_goes'])}", flush=True)
    return figures, raw


def cpu_floor(product: SuiteRun, contract: SuiteRun, cpus: int) -> tuple[float | None, str]:
    """The lowest ratio the product's run could have had on ``cpus`` CPUs: no run ends before its
    processes' CPU-seconds divided by the CPUs. With a line saying so (None, "" without the figures)."""
    if not product.cpu_seconds or not contract.wall_seconds or cpus < 1:
        return None, ""
    least, words = least_on_cpus(product.cpu_seconds, cpus)
    ratio = round(least / contract.wall_seconds, 2)
    return ratio, f"{words}: {ratio:g} x the contract's wall time"


def judge(profile: TargetProfile, contract: SuiteRun, product: SuiteRun, table: dict[str, Any] | None,
          expected: dict[str, Any], cpus: int | None = None) -> tuple[list[Figure], dict[str, Any]]:
    """The figures of one product's run beside the contract's: its promises table ``table`` (None: the
    run left none) against ``expected``, its wall time against the contract's (with the floor that its
    CPU-seconds set on ``cpus`` CPUs, this machine's by default), its silence checks."""
    changed = differences(expected, table) if table is not None else ["the run left no promises table"]
    why_product = "" if not changed else f"its promises are not the recorded ones: {'; '.join(changed[:3])}"
    why_contract = "" if contract.green else f"the contract suite was not green (exit {contract.exit_code})"
    why_no_target = "" if profile.speed_target_ratio is not None else (
        f"the {profile.name} profile declares no speed_target_ratio")
    ratio = round(product.wall_seconds / contract.wall_seconds, 2) if contract.wall_seconds else None
    floor, floor_line = cpu_floor(product, contract, cpus if cpus is not None else os.cpu_count() or 1)
    silence = [test for test in product.tests if test["nodeid"].split("::")[-1].startswith(SILENCE_TESTS)]
    slowest = max((test.get("call", 0.0) for test in silence), default=None)
    figures = [
        Figure.judged(f"{profile.title} suite -n 2 / contract suite -n 2, wall time", ratio, "x",
                      at_most=profile.speed_target_ratio if profile.speed_target_ratio is not None else 0.0,
                      target="" if not why_no_target else "none declared",
                      valid=not why_product and not why_contract and not why_no_target,
                      why_invalid="; ".join(why for why in (why_no_target, why_contract, why_product) if why),
                      detail=f"{product.wall_seconds:g} s against {contract.wall_seconds:g} s"
                      + (f"; {floor_line}" if floor_line else "")),
        Figure.judged(f"{profile.title} silence checks, slowest body", slowest, "s",
                      at_most=TARGET_SILENCE_CHECK_SECONDS,
                      valid=len(silence) == len(SILENCE_TESTS) and not why_product,
                      why_invalid=why_product or f"found {len(silence)} silence tests"),
    ]
    raw = {"where_the_difference_goes": where_the_difference_goes(contract, product),
           "cpu_floor_ratio": floor,
           "contract": {"wall_seconds": contract.wall_seconds, "green": contract.green,
                        "tests": len(contract.tests), "cpu_seconds": contract.cpu_seconds,
                        "cpu_by_process": contract.cpu_by_kind},
           profile.name: {"wall_seconds": product.wall_seconds, "exit_code": product.exit_code,
                          "tests": len(product.tests), "cpu_seconds": product.cpu_seconds,
                          "cpu_by_process": product.cpu_by_kind,
                          "promises_as_recorded": not changed, "differences": changed,
                          "silence_check_seconds": {test["nodeid"]: test.get("call") for test in silence}}}
    return figures, raw


def _test_seconds(test: dict[str, Any]) -> float:
    return test.get("setup", 0.0) + test.get("call", 0.0) + test.get("teardown", 0.0)


def _broken(test: dict[str, Any]) -> bool:
    return any(test.get(f"{phase}_outcome") == "failed" for phase in ("setup", "call", "teardown"))


def where_the_difference_goes(contract: SuiteRun, product: SuiteRun) -> dict[str, Any]:
    """The product's run beside the contract's, by phase: what makes its wall time longer.

    The test time of its broken promises is mostly bounded waits that prove an absence (the page was
    given its E2E_TOLD_WITHIN_SECONDS and showed nothing): a kept promise ends at the first sign.
    """
    def side(run: SuiteRun) -> dict[str, Any]:
        broken = [test for test in run.tests if _broken(test)]
        return {"wall_seconds": run.wall_seconds, "tests": len(run.tests), "phases": run.phases(),
                "test_seconds": round(sum(_test_seconds(test) for test in run.tests), 2),
                # every test opens its own fresh page: a product's page load is in each test's setup
                "setup_seconds": round(sum(test.get("setup", 0.0) for test in run.tests), 2),
                "broken_tests": len(broken),
                "broken_test_seconds": round(sum(_test_seconds(test) for test in broken), 2),
                "slowest": sorted(((test["nodeid"].split("::")[-1], round(_test_seconds(test), 2))
                                   for test in run.tests), key=lambda row: -row[1])[:6]}

    return {"contract": side(contract), "product": side(product)}


def describe_difference(difference: dict[str, Any]) -> str:
    """One line: the two runs' phases and test time, the product's broken promises' share."""
    contract, product = difference["contract"], difference["product"]

    def phases(side: dict[str, Any]) -> str:
        found = side["phases"] or {}
        return (f"{found.get('before_first_test_seconds', '-')} s before the first test, "
                f"{found.get('tests_seconds', '-')} s of tests, a later test's setup "
                f"{found.get('median_setup_of_later_tests_seconds', '-')} s")

    return (f"contract: {phases(contract)}, {contract['test_seconds']:g} s of test time "
            f"({contract['setup_seconds']:g} s in setups); product: {phases(product)}, "
            f"{product['test_seconds']:g} s of test time ({product['setup_seconds']:g} s in setups), "
            f"of which its {product['broken_tests']} broken promises {product['broken_test_seconds']:g} s")
