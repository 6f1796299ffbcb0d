"""What the suite finds, product by product (targets/findings.py): the comparison with the recorded
findings and the matrix of promises by product, on two made-up products' tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import targets.findings as findings
from engine.promises import BROKEN, KEPT, NOT_APPLICABLE, NOT_RUN
from targets.registry import KNOWN_TARGETS, get_profile

GOLDEN = "e2e/test_golden_path.py::test_prompt_gets_the_answer[chromium]"
SILENCE = "e2e/test_timeouts.py::test_silence_ends_in_agent_timeout[chromium]"
HISTORY = "e2e/test_threads.py::test_reloading_shows_earlier_messages[chromium]"
DROP = "e2e/test_connection.py::test_dropped_connection_is_told[chromium-1006]"


def _table(target: str, outcomes: dict[str, str]) -> dict[str, Any]:
    return {"target": target, "title": f"{target.title()} 1.x",
            "promises": [{"nodeid": nodeid, "outcome": outcome, "detail": "why" if outcome != KEPT else ""}
                         for nodeid, outcome in outcomes.items()]}


def _expected(target: str, outcomes: dict[str, str]) -> dict[str, Any]:
    return {"target": target, "promises": outcomes}


ACME = {GOLDEN: KEPT, SILENCE: BROKEN, HISTORY: NOT_APPLICABLE}
ZETA = {GOLDEN: KEPT, SILENCE: KEPT, DROP: BROKEN}


def test_the_matrix_has_a_row_a_promise_and_a_column_a_product_not_run_where_a_run_has_none() -> None:
    table = findings.matrix({"acme": _table("acme", ACME), "zeta": _table("zeta", ZETA)},
                            {"acme": _expected("acme", ACME), "zeta": _expected("zeta", ZETA)})

    assert table["products"] == ["acme", "zeta"]
    cells = {row["nodeid"]: row["outcomes"] for row in table["rows"]}
    assert cells == {
        DROP: {"acme": NOT_RUN, "zeta": BROKEN},
        GOLDEN: {"acme": KEPT, "zeta": KEPT},
        SILENCE: {"acme": BROKEN, "zeta": KEPT},
        HISTORY: {"acme": NOT_APPLICABLE, "zeta": NOT_RUN},
    }
    assert table["differences"] == {}  # a promise one product does not have is no difference of its own
    assert table["counts"]["acme"] == {KEPT: 1, BROKEN: 1, NOT_APPLICABLE: 1, NOT_RUN: 1}
    assert next(row for row in table["rows"] if row["nodeid"] == DROP)["promise"] == (
        "dropped connection is told (1006)")


def test_a_product_whose_outcome_changed_is_named_and_its_cell_says_what_was_recorded() -> None:
    changed = {**ZETA, SILENCE: BROKEN}

    table = findings.matrix({"acme": _table("acme", ACME), "zeta": _table("zeta", changed)},
                            {"acme": _expected("acme", ACME), "zeta": _expected("zeta", ZETA)})
    markdown = findings.render_matrix(table)

    assert table["differences"] == {"zeta": [f"{SILENCE}: expected kept, got broken (why)"]}
    silence = next(row for row in table["rows"] if row["nodeid"] == SILENCE)
    assert silence["outcomes"] == {"acme": BROKEN, "zeta": BROKEN} and silence["expected"] == {"zeta": KEPT}
    assert "| promise | test | acme | zeta |" in markdown
    assert (f"| silence ends in agent timeout | `{SILENCE.split('[')[0]}` | broken | "
            f"*broken (expected kept)* |") in markdown
    assert "zeta differs from its recorded findings:" in markdown
    assert "acme differs" not in markdown


def test_a_run_that_left_no_table_is_not_run_in_every_row_and_a_difference() -> None:
    table = findings.matrix({"acme": _table("acme", ACME), "zeta": None},
                            {"acme": _expected("acme", ACME), "zeta": _expected("zeta", ZETA)})

    assert {row["outcomes"]["zeta"] for row in table["rows"]} == {NOT_RUN}
    assert table["differences"] == {"zeta": [findings.NO_TABLE]}


@pytest.fixture
def two_products(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two made-up profiles' recorded findings, and a runs folder with each one's run in it."""
    monkeypatch.setattr(findings, "TARGETS_DIR", tmp_path / "targets")
    runs = tmp_path / "runs"
    for name, outcomes in (("acme", ACME), ("zeta", ZETA)):
        (tmp_path / "targets" / name).mkdir(parents=True)
        findings.expected_path(name).write_text(json.dumps(_expected(name, outcomes)), encoding="utf-8")
        (runs / name / "allure-results").mkdir(parents=True)
        (runs / name / "promises.json").write_text(json.dumps(_table(name, outcomes)), encoding="utf-8")
    return runs


def test_every_run_compared_and_one_matrix_written_and_attached_to_each_runs_results(
    two_products: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    base = tmp_path / "out" / "findings-matrix"

    status = findings.main(["--runs", str(two_products), "--target", "acme", "--target", "zeta",
                            "--matrix", str(base)])

    assert status == 0, capsys.readouterr().out
    written = json.loads(base.with_suffix(".json").read_text(encoding="utf-8"))
    assert written["products"] == ["acme", "zeta"] and len(written["rows"]) == 4
    markdown = base.with_suffix(".md").read_text(encoding="utf-8")
    for name in ("acme", "zeta"):
        results = two_products / name / "allure-results"
        attachment = json.loads(next(results.glob("*-globals.json")).read_text())["attachments"][0]
        assert attachment["name"] == findings.MATRIX_ATTACHMENT
        assert (results / attachment["source"]).read_text(encoding="utf-8") == markdown


def test_the_session_fails_naming_the_product_whose_outcomes_differ(
    two_products: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    (two_products / "zeta" / "promises.json").write_text(
        json.dumps(_table("zeta", {**ZETA, SILENCE: BROKEN})), encoding="utf-8")

    status = findings.main(["--runs", str(two_products), "--target", "acme", "--target", "zeta",
                            "--matrix", str(tmp_path / "matrix")])

    printed = capsys.readouterr().out
    assert status == 1
    assert "findings: the acme promises are the expected ones" in printed
    assert f"findings: the zeta promises differ from {findings.expected_path('zeta')}:" in printed
    assert f"  - {SILENCE}: expected kept, got broken (why)" in printed
    assert printed.rstrip().endswith("findings: zeta differ from their recorded findings")


def test_one_target_is_compared_as_before(two_products: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status = findings.main(["--target", "acme", "--promises", str(two_products / "acme" / "promises.json")])

    assert status == 0 and "the acme promises are the expected ones" in capsys.readouterr().out
    acme_run = str(two_products / "acme" / "promises.json")
    assert findings.main(["--target", "zeta", "--promises", acme_run]) == 1  # another product's table


def test_the_list_is_every_registered_profile_with_findings(capsys: pytest.CaptureFixture[str]) -> None:
    assert findings.main(["--list"]) == 0

    listed = json.loads(capsys.readouterr().out)
    assert listed == [name for name in KNOWN_TARGETS if get_profile(name).has_findings]
    assert all(findings.expected_path(name).is_file() for name in listed), listed
