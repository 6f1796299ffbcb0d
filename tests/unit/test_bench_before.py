"""bench/before.py: after / before from the fastest green run of each side, else invalid; one app for both."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import before
from bench.before import TARGET_AFTER_OVER_BEFORE, TARGET_CPU_AFTER_OVER_BEFORE, SideRun, judge
from bench.environment import run_environment


def _run(side: str, wall: float, *, exit_code: int | None = 0, tests: int = 25,
         passed: int | None = None, cpu: float | None = 50.0) -> SideRun:
    return SideRun(side, wall, exit_code, tests, tests if passed is None else passed, 1.0, cpu)


def test_the_targets_are_issue_18s_per_test_share_and_a_third_less_cpu():
    assert TARGET_AFTER_OVER_BEFORE == round(0.75 / 0.93, 3)
    assert TARGET_CPU_AFTER_OVER_BEFORE == 0.667


def test_the_fastest_green_run_of_each_side_counts_per_test():
    runs = [_run("before", 55.0), _run("after", 33.0), _run("before", 50.0, cpu=40.0),
            _run("after", 30.0, tests=30, cpu=24.0)]

    [wall, cpu], raw = judge(runs, "abc123")

    # a test: 1.0 s after against 2.0 s before; CPU 0.8 against 1.6 a test
    assert wall.value == 0.5 and cpu.value == 0.5
    assert wall.line().startswith("whole suite -n 2, wall time per test after / before, alternated: 0.5 x")
    assert ": met" in wall.line() and "before (abc123: 50 s for 25)" in wall.line()
    assert ": met" in cpu.line() and "0.80 CPU-s a test after (24 in all), 1.60 before (40)" in cpu.line()
    assert raw["per_test_after_over_before"] == 0.5 and len(raw["runs"]) == 4


def test_a_slow_or_costly_after_is_missed():
    [wall, cpu], _ = judge([_run("before", 40.0), _run("after", 35.0, cpu=45.0)], "abc123")

    assert ": MISSED" in wall.line() and ": MISSED" in cpu.line()


def test_a_red_or_empty_side_makes_the_figures_invalid_never_met():
    for after in (_run("after", 10.0, exit_code=1), _run("after", 10.0, passed=24),
                  _run("after", 10.0, tests=0), _run("after", 10.0, exit_code=None)):
        figures, _ = judge([_run("before", 50.0), after], "abc123")
        for figure in figures:
            assert ": INVALID (no green after run" in figure.line(), figure.line()


def test_no_cpu_sample_makes_the_cpu_figure_invalid():
    [wall, cpu], _ = judge([_run("before", 50.0, cpu=None), _run("after", 30.0)], "abc123")

    assert ": met" in wall.line() and ": INVALID (no CPU figure was sampled)" in cpu.line()


def test_the_runs_get_their_own_bundled_app_and_the_local_browser(monkeypatch):
    monkeypatch.setenv("E2E_BASE_URL", "https://staging.example.com")
    monkeypatch.setenv("E2E_BROWSER_ENDPOINT", "ws://127.0.0.1:1/")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")

    env = run_environment()

    assert "E2E_BASE_URL" not in env and "E2E_BROWSER_ENDPOINT" not in env
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"


def test_the_before_tree_gets_this_trees_reference_app(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    here, tree = tmp_path / "here", tmp_path / "tree"
    (here / "reference_app" / "__pycache__").mkdir(parents=True)
    (here / "reference_app" / "netutil.py").write_text("NEW = 1\n")
    (here / "reference_app" / "__pycache__" / "netutil.cpython-311.pyc").write_bytes(b"")
    (tree / "reference_app").mkdir(parents=True)
    (tree / "reference_app" / "netutil.py").write_text("OLD = 1\n")
    (tree / "reference_app" / "gone.py").write_text("")
    (tree / "e2e").mkdir()
    monkeypatch.setattr(before, "ROOT", here)
    before.same_app(tree)
    assert sorted(path.name for path in (tree / "reference_app").iterdir()) == ["netutil.py"]
    assert (tree / "reference_app" / "netutil.py").read_text() == "NEW = 1\n"
    assert (tree / "e2e").is_dir()  # the rest of the tree is its own


def test_a_before_tree_without_a_reference_app_is_refused_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(SystemExit, match="has no reference_app/"):
        before.same_app(tmp_path)
