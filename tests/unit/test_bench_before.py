"""bench/before.py's judgement: after / before from the fastest green run of each side, else invalid."""

from __future__ import annotations

from bench.before import TARGET_AFTER_OVER_BEFORE, SideRun, judge
from bench.environment import run_environment


def _run(side: str, wall: float, *, exit_code: int | None = 0, tests: int = 25,
         passed: int | None = None) -> SideRun:
    return SideRun(side, wall, exit_code, tests, tests if passed is None else passed, 1.0)


def test_the_target_is_nine_tenths_of_playwright_tests_with_ours_at_its_worse_ratio():
    assert TARGET_AFTER_OVER_BEFORE == round(0.9 / 1.18, 3)


def test_the_fastest_green_run_of_each_side_counts():
    runs = [_run("before", 55.0), _run("after", 33.0), _run("before", 50.0), _run("after", 30.0, tests=27)]

    [figure], raw = judge(runs, "abc123")

    assert figure.value == round(30.0 / 50.0, 3)
    assert figure.line().startswith("whole suite -n 2, wall time after / before, alternated: 0.6 x")
    assert ": met" in figure.line() and "before (abc123) 50 s for 25 tests" in figure.line()
    assert raw["ratio_after_over_before"] == 0.6 and len(raw["runs"]) == 4


def test_a_slow_after_is_missed():
    [figure], _ = judge([_run("before", 40.0), _run("after", 35.0)], "abc123")

    assert ": MISSED" in figure.line()


def test_a_red_or_empty_side_makes_the_figure_invalid_never_met():
    for after in (_run("after", 10.0, exit_code=1), _run("after", 10.0, passed=24),
                  _run("after", 10.0, tests=0), _run("after", 10.0, exit_code=None)):
        [figure], _ = judge([_run("before", 50.0), after], "abc123")
        assert ": INVALID (no green after run" in figure.line(), figure.line()


def test_the_runs_get_their_own_bundled_app_and_the_local_browser(monkeypatch):
    monkeypatch.setenv("E2E_BASE_URL", "https://staging.example.com")
    monkeypatch.setenv("E2E_BROWSER_ENDPOINT", "ws://127.0.0.1:1/")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")

    env = run_environment()

    assert "E2E_BASE_URL" not in env and "E2E_BROWSER_ENDPOINT" not in env
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
