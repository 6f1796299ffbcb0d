"""A worker's waits for complete answers: the budget, cut to the expect timeout once the agent went silent."""

from __future__ import annotations

import pytest

from engine import answer_patience
from engine.answer_patience import AnswerPatience


class _Answer:
    """An answer whose wait takes ``seconds`` of the fake clock, then completes or fails."""

    def __init__(self, clock: list[float], seconds: float, *, completes: bool) -> None:
        self.clock, self.seconds, self.completes = clock, seconds, completes
        self.timeouts: list[float | None] = []

    def expect_complete(self, *, timeout: float | None = None) -> None:
        self.timeouts.append(timeout)
        self.clock[0] += self.seconds
        if not self.completes:
            raise AssertionError("the page gave up on it first")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(answer_patience.time, "monotonic", lambda: now[0])
    return now


def _patience() -> AnswerPatience:
    return AnswerPatience(budget_seconds=120.0, cut_seconds=10.0, silent_after_seconds=30.0)


def test_waits_have_the_whole_budget_while_no_wait_failed_past_the_watchdog(clock: list[float]) -> None:
    patience = _patience()
    answered = _Answer(clock, 2.0, completes=True)
    patience.for_test("test_a").expect_complete(answered)
    with pytest.raises(AssertionError):  # the page gave up early (an error): not the agent going silent
        patience.for_test("test_b").expect_complete(_Answer(clock, 29.9, completes=False))
    later = _Answer(clock, 1.0, completes=True)
    patience.for_test("test_c").expect_complete(later)

    assert answered.timeouts == [120_000.0] and later.timeouts == [120_000.0]
    assert patience.for_test("test_d").had == "it had up to 120 s; it fails as soon as the page gives up"


def test_after_a_wait_failed_past_the_watchdog_later_waits_are_cut_and_say_by_which_test(
        clock: list[float]) -> None:
    patience = _patience()
    with pytest.raises(AssertionError):
        patience.for_test("test_golden_path").expect_complete(_Answer(clock, 30.1, completes=False))
    cut = _Answer(clock, 10.0, completes=False)
    with pytest.raises(AssertionError):
        patience.for_test("test_next").expect_complete(cut)

    assert cut.timeouts == [10_000.0]
    assert patience.for_test("test_next").had == (
        "it had up to 10 s, cut from 120 s: in this worker test_golden_path already waited 30.1 s, "
        "past the 30 s watchdog, for an answer that never came")
    with pytest.raises(AssertionError):  # the first test that showed it stays the one named
        patience.for_test("test_third").expect_complete(_Answer(clock, 40.0, completes=False))
    assert "test_golden_path already waited 30.1 s" in patience.for_test("test_fourth").had


def test_a_message_that_names_no_budget_gets_the_cut_only_once_waits_are_cut(clock: list[float]) -> None:
    patience = _patience()
    assert patience.for_test("test_a").cut_note == ""
    with pytest.raises(AssertionError):
        patience.for_test("test_a").expect_complete(_Answer(clock, 31.0, completes=False))
    assert patience.for_test("test_b").cut_note.startswith(" (it had up to 10 s, cut from 120 s: in this "
                                                           "worker test_a already waited 31.0 s")
