"""The latency of one answer from the page's notes: which moments count, and what is missing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pages.answer_watch import AnswerWatch, TimingUnavailable, WatchMark
from pages.chat_page import CONTRACT_ANSWER


class NotesPage:
    """Stands in for a Page whose in-page watch holds ``notes``."""

    def __init__(self, notes: dict[str, Any]) -> None:
        self.notes = notes

    def evaluate(self, script: str, argument: Any = None) -> Any:
        return self.notes


def state(at: float, text: str, *, index: int = 1, complete: bool = False) -> dict[str, Any]:
    return {"index": index, "run_id": "r", "status": "complete" if complete else "streaming", "text": text,
            "at": at, "complete": complete}


def watch(samples: list[dict[str, Any]], sent: list[dict[str, Any]] | None = None,
          received: list[dict[str, Any]] | None = None) -> AnswerWatch:
    notes = {"samples": samples,
             "sent": sent if sent is not None else [{"at": 100.0, "message": False},
                                                    {"at": 1000.0, "message": True}],
             "received": received if received is not None else [{"at": 990.0, "run": True},
                                                                {"at": 1050.0, "run": False},
                                                                {"at": 1100.0, "run": True}]}
    return AnswerWatch(NotesPage(notes), CONTRACT_ANSWER)  # type: ignore[arg-type]


MARK = WatchMark(samples=0, sent=0, received=0, answers=1)
STREAMED = [state(900, "an older answer", index=0, complete=True), state(1100, ""), state(1250, "The "),
            state(1280, "The answer "), state(1310, "The answer is 391."),
            state(1400, "The answer is 391.", complete=True)]


def test_the_moments_are_counted_from_the_message_frame_leaving():
    timing = watch(STREAMED).timing_since(MARK)

    assert timing.first_frame_seconds == 0.1  # the run's frame after the message, not the pong before it
    assert timing.first_token_seconds == 0.25  # the first state with a visible character
    assert timing.complete_seconds == 0.4
    assert timing.chars_per_second == 250.0  # 15 more characters between 1250 and 1310 ms
    assert timing.answer_chars == 18


def test_an_answer_shown_at_once_has_no_streaming_speed():
    timing = watch([state(1100, ""), state(1300, "The answer is 391.", complete=True)]).timing_since(MARK)

    assert timing.first_token_seconds == timing.complete_seconds == 0.3
    assert timing.chars_per_second is None


@pytest.mark.parametrize(("notes", "missing"), [
    ({"samples": STREAMED, "sent": [{"at": 100.0, "message": False}]}, "sent no message frame"),
    ({"samples": STREAMED, "received": [{"at": 990.0, "run": True}]}, "no frame of the run"),
    ({"samples": STREAMED[:-1]}, "never became complete"),
    ({"samples": [state(1100, ""), state(1400, " ", complete=True)]}, "without a visible character"),
])
def test_a_missing_moment_is_named(notes, missing):
    with pytest.raises(TimingUnavailable, match=missing):
        watch(**notes).timing_since(MARK)


def test_the_contract_spec_reaches_the_page_as_one_javascript_object():
    script = CONTRACT_ANSWER.as_javascript()

    assert script.startswith("{selector: " + json.dumps(CONTRACT_ANSWER.selector) + ",")
    assert "sentMessage: (data) => JSON.parse(data).type === 'user_message'" in script
    assert 'attributes: ["data-status", "data-run-id"]' in script
