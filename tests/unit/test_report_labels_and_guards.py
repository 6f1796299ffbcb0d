"""The report's labels by journey, the categories file, and the `-m` guard's reading of an expression."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from allure_commons.types import Severity

from fixtures.allure_environment import CATEGORIES, write_categories, write_environment
from fixtures.allure_labels import feature_of, severity_of
from fixtures.run_guards import unknown_markers


class _Item:
    def __init__(self, *markers: str) -> None:
        self.markers = markers

    def get_closest_marker(self, name: str) -> object | None:
        return name if name in self.markers else None


def test_each_journey_module_has_its_feature_and_an_unknown_one_gets_its_name_in_words() -> None:
    assert [feature_of(module) for module in ("test_login", "test_golden_path", "test_timeouts")] == [
        "Sign-in", "Golden path", "Timeouts"]
    assert feature_of("test_file_uploads") == "File uploads"


@pytest.mark.parametrize(("markers", "severity"), [
    (("golden_path", "websocket", "chat"), Severity.BLOCKER),
    (("auth", "smoke"), Severity.CRITICAL),
    (("timeout",), Severity.CRITICAL),
    (("chat", "websocket"), Severity.CRITICAL),
    (("chat",), Severity.NORMAL),
])
def test_severity_follows_the_markers(markers: tuple[str, ...], severity: Severity) -> None:
    assert severity_of(_Item(*markers)) == severity  # type: ignore[arg-type]


@pytest.mark.parametrize(("message", "status", "category"), [
    ("preflight failed: http://127.0.0.1:9/health: cannot connect", "broken",
     "Infrastructure: target unreachable"),
    ("Error: Page.goto: net::ERR_CONNECTION_REFUSED at http://x/chat\nCall log:", "broken",
     "Infrastructure: target unreachable"),
    ("Error: Target page, context or browser has been closed", "failed",
     "Infrastructure: browser crashed or closed"),
    ("AssertionError: Locator expected to have attribute 'data-status'", "failed", "Product defects"),
    ("TypeError: 'NoneType' object is not subscriptable", "broken", "Broken tests"),
])
def test_categories_tell_infrastructure_product_and_test_defects_apart(
    message: str, status: str, category: str
) -> None:
    # Allure 2 matches the whole message, Allure 3 searches it: the first category both agree on wins.
    def matches(rule: dict[str, object], full: bool) -> bool:
        pattern = rule.get("messageRegex")
        if status not in rule["matchedStatuses"]:  # type: ignore[operator]
            return False
        if pattern is None:
            return True
        found = (re.fullmatch if full else re.search)(str(pattern), message)
        return found is not None

    for full in (True, False):
        assert next(rule["name"] for rule in CATEGORIES if matches(rule, full)) == category


def test_environment_and_categories_files_are_what_allure_reads(tmp_path: Path) -> None:
    properties = {"target.url": "http://127.0.0.1:8000", "run.stopped": "a\\b\nc", "empty": ""}

    write_environment(tmp_path, properties)
    write_categories(tmp_path)

    assert (tmp_path / "environment.properties").read_text() == (
        "target.url=http://127.0.0.1:8000\nrun.stopped=a\\\\b\\nc\n")
    assert json.loads((tmp_path / "categories.json").read_text()) == CATEGORIES


@pytest.mark.parametrize(("expression", "unknown"), [
    ("nosuchmarker", ["nosuchmarker"]),
    ("smoke and not (auth or nosuch)", ["nosuch"]),
    ("golden_path", []),
    ("smoke(reason='x y') or typo", ["typo"]),
    ("not(typo)", ["typo"]),
])
def test_unknown_markers_in_an_m_expression(expression: str, unknown: list[str]) -> None:
    assert unknown_markers(expression, {"smoke", "auth", "golden_path"}) == unknown
