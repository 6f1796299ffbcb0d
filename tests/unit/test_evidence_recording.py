"""Screenshots and frame logs are made only when the run keeps them (engine/evidence.py set_recording):
a run without ``--alluredir`` takes none, a run with it takes every one."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import allure
import pytest

from engine import evidence
from fixtures import browser_evidence

pytestmark = pytest.mark.unit


class _Page:
    def __init__(self) -> None:
        self.shots = 0

    def locator(self, selector: str) -> str:
        return selector

    def screenshot(self, **_: Any) -> bytes:
        self.shots += 1
        return b"\x89PNG"


class _Recorder:
    def __init__(self) -> None:
        self.asked = 0

    def as_json(self) -> str:
        self.asked += 1
        return "[]"


@pytest.fixture
def attached(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    names: list[str] = []
    monkeypatch.setattr(allure, "attach", lambda body, name, attachment_type: names.append(name))
    monkeypatch.setattr(evidence, "_recording", evidence._recording)  # this run's own, put back after
    yield names


@pytest.mark.parametrize("alluredir, expected", [(None, 0), ("reports/allure-results", 1)])
def test_the_run_s_results_folder_decides_whether_evidence_is_made(
        attached: list[str], alluredir: str | None, expected: int) -> None:
    config = SimpleNamespace(option=SimpleNamespace(allure_report_dir=alluredir, video="off"))
    browser_evidence.pytest_configure(config)  # type: ignore[arg-type]
    page, recorder = _Page(), _Recorder()
    evidence.attach_screenshot(page, "answer shown")  # type: ignore[arg-type]
    evidence.attach_frame_log(recorder)  # type: ignore[arg-type]
    assert (page.shots, recorder.asked) == (expected, expected)
    assert attached == ["screenshot: answer shown", evidence.FRAME_LOG_NAME][:2 * expected]
