"""Latency figures: statistics, budgets, the history file (corrupt ones too), the baseline rule, the chart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from engine.settings import LatencySettings, MissingSetting, check_budget_settings
from latency.__main__ import CHART_ATTACHMENT, CHART_GLOBALS, main
from latency.baseline import judge_baseline
from latency.chart import render_svg
from latency.history import (
    HISTORY_FORMAT,
    RUN_FORMAT,
    UnusableRun,
    append_run,
    entry_for,
    read_history,
    read_run,
)
from latency.stats import (
    CHARS_PER_SECOND,
    FIRST_TOKEN,
    Budget,
    LatencySample,
    nearest_rank,
    run_figures,
    summarize,
    summarize_floor,
)


def sample(first_token: float, *, rate: float | None = 100.0) -> LatencySample:
    return LatencySample(first_frame_seconds=first_token / 2, first_token_seconds=first_token,
                         complete_seconds=first_token + 0.2, chars_per_second=rate, answer_chars=18)


def run(run_id: str = "r1", *, p95: float = 0.3, median: float = 0.25, target: str = "bundled") -> dict:
    summary = {"min": 0.1, "median": median, "p95": p95, "max": p95}
    return {"format": RUN_FORMAT, "run_id": run_id, "target": target, "profile": "contract",
            "commit": "abc123", "time": "2026-12-01T08:44:02+00:00",
            "figures": {"samples": 1, "first_frame_seconds": summary, FIRST_TOKEN: summary,
                        "complete_seconds": {"min": 0.3, "median": median + 0.2, "p95": p95 + 0.2,
                                             "max": 1.0},
                        CHARS_PER_SECOND: None}}


# --- statistics ---------------------------------------------------------------------------------


def test_nearest_rank_percentiles_are_measured_values():
    values = [float(value) for value in range(1, 21)]  # 1..20

    assert nearest_rank(values, 95) == 19.0
    assert nearest_rank(values, 5) == 1.0
    assert nearest_rank(values, 50) == 10.0
    assert nearest_rank([0.4], 95) == 0.4
    assert nearest_rank([3.0, 1.0, 2.0, 5.0, 4.0], 95) == 5.0  # below 20 samples: the largest


def test_nearest_rank_refuses_no_values_and_bad_percents():
    with pytest.raises(ValueError, match="no values"):
        nearest_rank([], 95)
    with pytest.raises(ValueError, match="percent"):
        nearest_rank([1.0], 0)


def test_summaries_give_min_median_tail_and_max():
    assert summarize([0.3, 0.1, 0.2, 0.4]) == {"min": 0.1, "median": 0.25, "p95": 0.4, "max": 0.4}
    assert summarize_floor([30.0, 10.0, 20.0]) == {"min": 10.0, "median": 20.0, "p5": 10.0, "max": 30.0}


def test_run_figures_leave_answers_shown_at_once_out_of_the_speed():
    figures = run_figures([sample(0.2, rate=None), sample(0.4, rate=50.0), sample(0.3, rate=None)])

    assert figures["samples"] == 3
    assert figures[FIRST_TOKEN] == {"min": 0.2, "median": 0.3, "p95": 0.4, "max": 0.4}
    assert figures[CHARS_PER_SECOND] == {"min": 50.0, "median": 50.0, "p5": 50.0, "max": 50.0}
    assert run_figures([sample(0.2, rate=None)])[CHARS_PER_SECOND] is None


def test_a_breached_budget_names_the_figure_the_budget_and_the_setting():
    figures = run_figures([sample(4.12), sample(0.2)])

    assert Budget(FIRST_TOKEN, 2.5, "E2E_FIRST_TOKEN_WITHIN_SECONDS").breach(figures) == (
        "time to first token P95 4.12 s is over its budget of 2.5 s (E2E_FIRST_TOKEN_WITHIN_SECONDS)")
    assert Budget(FIRST_TOKEN, 4.12, "E2E_FIRST_TOKEN_WITHIN_SECONDS").breach(figures) is None
    slow = run_figures([sample(0.2, rate=4.7)])
    assert Budget(CHARS_PER_SECOND, 20, "E2E_MIN_CHARS_PER_SECOND").breach(slow) == (
        "streaming speed P5 4.7 characters/s is under its floor of 20 (E2E_MIN_CHARS_PER_SECOND)")
    assert Budget(CHARS_PER_SECOND, 20, "X").breach(run_figures([sample(0.2, rate=None)])) is None


# --- settings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["E2E_FIRST_TOKEN_WITHIN_SECONDS", "E2E_MIN_CHARS_PER_SECOND",
                                  "E2E_BASELINE_MAX_RISE_PERCENT", "E2E_STARTED_WITHIN_SECONDS",
                                  "E2E_COMPLETED_WITHIN_SECONDS"])
@pytest.mark.parametrize("value", ["0", "-1", "abc", "nan", "inf"])
def test_a_budget_that_is_not_a_positive_number_is_named(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(MissingSetting, match=rf"^{name}={value!r}"):
        check_budget_settings()


@pytest.mark.parametrize("name", ["E2E_LATENCY_SAMPLES", "E2E_BASELINE_NIGHTLY_RUNS"])
@pytest.mark.parametrize("value", ["0", "-2", "1.5", "many"])
def test_counts_must_be_positive_whole_numbers(monkeypatch, name, value):
    monkeypatch.setenv(name, value)

    with pytest.raises(MissingSetting, match=rf"^{name}="):
        LatencySettings.from_environment()


def test_latency_settings_defaults_and_values(monkeypatch):
    assert LatencySettings.from_environment() == LatencySettings()
    monkeypatch.setenv("E2E_LATENCY_SAMPLES", "5")
    monkeypatch.setenv("E2E_FIRST_TOKEN_WITHIN_SECONDS", "2.5")

    settings = LatencySettings.from_environment()

    assert (settings.samples, settings.first_token_within_seconds) == (5, 2.5)


# --- the history ----------------------------------------------------------------------------------


def test_runs_are_appended_one_line_each_and_never_twice(tmp_path):
    path = tmp_path / "history" / "latency.jsonl"

    _, first = append_run(path, entry_for(run("r1"), "nightly"))
    _, again = append_run(path, entry_for(run("r1"), "nightly"))
    history, second = append_run(path, entry_for(run("r2"), "release"))

    assert (first, again, second) == (True, False, True)
    lines = path.read_text().splitlines()
    assert [json.loads(line)["run_id"] for line in lines] == ["r1", "r2"]
    assert all(json.loads(line)["format"] == HISTORY_FORMAT for line in lines)
    assert [entry["kind"] for entry in read_history(path).entries] == ["nightly", "release"]
    assert history.set_aside is None


@pytest.mark.parametrize(("bad_line", "problem"), [
    ("{not json", "line 2 is not JSON"),
    ('{"run_id": "old", "ttft": 0.2}', "line 2 is from an older format (no \"format\" field"),
    ('["a", "list"]', "line 2 is not a JSON object"),
    ('{"format": "latency-history/0", "run_id": "x"}', "line 2 is from another format ('latency-history/0'"),
])
def test_a_corrupt_or_old_history_is_set_aside_renamed_and_a_new_one_starts(tmp_path, bad_line, problem):
    path = tmp_path / "latency.jsonl"
    good = json.dumps(entry_for(run("r1"), "nightly"))
    path.write_text(f"{good}\n{bad_line}\n")

    history, appended = append_run(path, entry_for(run("r2"), "nightly"))

    assert appended
    assert history.set_aside is not None and "\n" not in history.set_aside
    assert problem in history.set_aside and "set aside as latency.jsonl.set-aside-" in history.set_aside
    assert "a new history starts" in history.set_aside
    kept = list(tmp_path.glob("latency.jsonl.set-aside-*"))
    assert len(kept) == 1 and kept[0].read_text() == f"{good}\n{bad_line}\n"  # renamed, not deleted
    assert [entry["run_id"] for entry in read_history(path).entries] == ["r2"]


def test_a_run_file_that_cannot_be_recorded_says_why(tmp_path):
    with pytest.raises(UnusableRun, match="does not exist: no golden-path sample"):
        read_run(tmp_path / "latency.json")
    (tmp_path / "latency.json").write_text("{}")
    with pytest.raises(UnusableRun, match="is not a latency-run/1 file"):
        read_run(tmp_path / "latency.json")
    with pytest.raises(UnusableRun, match="has no median and P95"):
        entry_for({**run(), "figures": {}}, "nightly")


# --- the baseline rule ----------------------------------------------------------------------------


def nightly_history(*p95s: float, target: str = "bundled") -> list[dict]:
    return [entry_for(run(f"n{index}", p95=p95, target=target), "nightly") for index, p95 in enumerate(p95s)]


def test_a_rise_over_the_limit_is_red_with_both_figures():
    entries = nightly_history(9.0, 0.30, 0.32, 0.34)  # the last 3: median 0.32

    verdict = judge_baseline(run("now", p95=0.52), entries, max_rise_percent=25, nightly_runs=3)

    assert verdict.judged and verdict.red
    assert verdict.baseline_median == 0.32 and round(verdict.rise_percent or 0) == 62
    assert "RED" in verdict.message and "0.52 s" in verdict.message and "0.32 s" in verdict.message
    assert "+62 %" in verdict.message and "limit +25 %" in verdict.message


def test_a_rise_of_exactly_the_limit_is_green():
    verdict = judge_baseline(run("now", p95=0.40), nightly_history(0.32, 0.32, 0.32), max_rise_percent=25,
                             nightly_runs=3)

    assert verdict.judged and not verdict.red and "green" in verdict.message


def test_only_nightly_runs_of_the_same_target_make_the_baseline():
    entries = [*nightly_history(0.1, 0.1, 0.1, target="https://staging.example.com"),
               entry_for(run("rel", p95=0.1), "release"), *nightly_history(1.0, 1.0)]

    verdict = judge_baseline(run("now", p95=1.1), entries, max_rise_percent=25, nightly_runs=3)

    assert not verdict.judged and not verdict.red
    assert "2 nightly run(s) of bundled" in verdict.message and "needs 3" in verdict.message


# --- the chart ------------------------------------------------------------------------------------


def test_the_chart_has_one_point_per_run_in_each_panel_and_line(tmp_path):
    entries = [entry_for(run(f"r{index}", p95=0.3 + index / 10), "nightly" if index % 2 else "release")
               for index in range(5)]

    svg = render_svg(entries, target="bundled <app>")

    # 5 runs x 2 panels x (median, P95): circles for nightly, squares for release; plus 2 legend markers
    squares = re.findall(r'<rect x="[^"]+" y="[^"]+" width="8"', svg)
    assert len(re.findall(r"<circle ", svg)) + len(squares) == 22
    assert svg.count("<polyline") == 4
    assert "bundled &lt;app&gt;" in svg and "last 5 run(s)" in svg


def test_the_chart_shows_only_the_last_thirty_runs():
    entries = [entry_for(run(f"r{index}"), "nightly") for index in range(40)]

    svg = render_svg(entries, target="bundled")

    assert "last 30 run(s)" in svg and "run r10 " in svg and "run r9 " not in svg


def test_an_empty_history_is_drawn_as_such():
    assert "no run in the latency history yet" in render_svg([], target="bundled")


# --- the command ----------------------------------------------------------------------------------


def _paths(tmp_path: Path) -> tuple[Path, Path, Path]:
    results = tmp_path / "allure-results"
    results.mkdir()
    return tmp_path / "latency.json", tmp_path / "history" / "latency.jsonl", results


def test_record_then_chart_appends_draws_and_attaches_to_the_report(tmp_path, capsys):
    run_file, history, results = _paths(tmp_path)
    run_file.write_text(json.dumps(run("r7")))
    (results / "gp-run.json").write_text(json.dumps({"run_id": "r7"}))

    recorded = main(["record", "--kind", "nightly", "--run", str(run_file), "--history", str(history),
                     "--results", str(results)])
    drawn = main(["chart", "--history", str(history), "--out", str(tmp_path / "latency.svg"),
                  "--results", str(results)])

    assert (recorded, drawn) == (0, 0)
    assert len(history.read_text().splitlines()) == 1
    assert (tmp_path / "latency.svg").read_text().startswith("<svg")
    globals_file = json.loads((results / CHART_GLOBALS).read_text())
    assert globals_file["attachments"][0]["source"] == CHART_ATTACHMENT
    assert (results / CHART_ATTACHMENT).read_text() == (tmp_path / "latency.svg").read_text()
    assert "recorded nightly run r7" in capsys.readouterr().out


def test_record_refuses_figures_left_over_from_another_run(tmp_path, capsys):
    run_file, history, results = _paths(tmp_path)
    run_file.write_text(json.dumps(run("yesterday")))
    (results / "gp-run.json").write_text(json.dumps({"run_id": "today"}))

    status = main(["record", "--kind", "nightly", "--run", str(run_file), "--history", str(history),
                   "--results", str(results)])

    assert status == 2 and not history.exists()
    assert "from run yesterday, not from this run today" in capsys.readouterr().out


def test_baseline_command_is_red_with_exit_status_1(tmp_path, monkeypatch, capsys):
    run_file, history, _ = _paths(tmp_path)
    history.parent.mkdir()
    history.write_text("".join(json.dumps(entry) + "\n" for entry in nightly_history(0.3, 0.3)))
    run_file.write_text(json.dumps(run("rel", p95=0.6)))
    monkeypatch.setenv("E2E_BASELINE_NIGHTLY_RUNS", "2")

    status = main(["baseline", "--run", str(run_file), "--history", str(history)])

    assert status == 1 and "latency baseline RED" in capsys.readouterr().out
    monkeypatch.setenv("E2E_BASELINE_MAX_RISE_PERCENT", "150")
    assert main(["baseline", "--run", str(run_file), "--history", str(history)]) == 0
