"""The benchmark's arithmetic: overhead without the app's own time, fastest runs, targets met or missed."""

from __future__ import annotations

from typing import Any

from bench.__main__ import SuiteRun, summarise
from bench.machine import busy_cores
from fixtures.app_pages import APP_WAIT_PROPERTY


def _test(nodeid: str, start: float, setup: float, call: float, teardown: float, waited: float,
          markers: tuple[str, ...] = (), worker: str = "gw0") -> dict[str, Any]:
    return {"nodeid": nodeid, "worker": worker, "markers": list(markers), "start": start, "setup": setup,
            "call": call, "teardown": teardown, "user_properties": [[APP_WAIT_PROPERTY, waited]]}


def _run(workers: int, wall: float, tests: list[dict[str, Any]]) -> SuiteRun:
    return SuiteRun(workers, wall, 0, 30.0, tests, busy_cores=1.5)


TESTS = [
    _test("e2e/a.py::first", 0, setup=2.5, call=1, teardown=0.1, waited=0.6),  # launches Chromium
    _test("e2e/a.py::b", 5, setup=0.6, call=1, teardown=0.1, waited=0.5),
    _test("e2e/a.py::c", 6, setup=0.7, call=2, teardown=0.1, waited=0.5, markers=("timeout",)),
]
MACHINE = {"cpus": 2, "cpu_model": "x", "ram_gib": 1, "python": "3.11", "chromium": "c",
           "load_average": [0, 0, 0]}


def test_overhead_is_setup_and_teardown_minus_the_wait_for_the_app():
    overheads = {nodeid: (seconds, first) for nodeid, seconds, first in _run(1, 10, TESTS).overheads()}

    assert overheads == {"e2e/a.py::first": (2.0, True), "e2e/a.py::b": (0.2, False),
                         "e2e/a.py::c": (0.3, False)}


def test_the_fastest_run_of_each_configuration_counts_and_targets_are_judged():
    runs = [_run(1, 20, TESTS), _run(2, 14, TESTS), _run(1, 18, TESTS), _run(2, 15, TESTS)]

    summary = summarise(runs, MACHINE, "now", [])

    assert summary["wall_seconds"] == {"n1": 18, "n2": 14}
    assert summary["ratio_n1_over_n2"] == 1.29 and not summary["targets"]["ratio"]["met"]
    assert summary["overhead"]["n1"]["median_seconds"] == 0.3
    assert summary["overhead"]["n1"]["worst_after_first_test"] == "e2e/a.py::c"
    assert summary["targets"]["median_overhead"]["met"]
    assert summary["timeout_tests"] == {"e2e/a.py::c": {"call_seconds": 2, "total_seconds": 2.8}}
    assert summary["targets"]["timeout_tests"]["met"]


def test_no_timeout_test_at_all_is_a_missed_target():
    runs = [_run(1, 20, TESTS[:2]), _run(2, 10, TESTS[:2])]

    assert not summarise(runs, MACHINE, "now", [])["targets"]["timeout_tests"]["met"]


def test_busy_cores_from_two_readings():
    assert busy_cores((100, 100), (250, 150), cpus=2) == 1.5
    assert busy_cores(None, (1, 1), cpus=2) is None
