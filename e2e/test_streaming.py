"""Streaming: the answer grows in place while the run streams, then completes (CONTRACT.md 6.2)."""

from __future__ import annotations

import re

import pytest

from engine.recorder import WebSocketRecorder
from pages import ChatPage

pytestmark = [pytest.mark.chat, pytest.mark.websocket]


def _visible(text: str) -> str:
    # innerText drops trailing blanks as a line wraps; compare words, not layout.
    return re.sub(r"\s+", " ", text).strip()


def test_answer_text_only_grows_while_streaming_then_completes(
    chat_page: ChatPage, ws_recorder: WebSocketRecorder, e2e_marker: str
) -> None:
    watch = chat_page.watch_answers()

    answer = chat_page.send(f"{e2e_marker} What is 12 * 12?")

    answer.expect_complete()
    run_id = answer.run_id()
    ws_recorder.wait_for("agent_completed", run_id=run_id)
    deltas = [event for event in ws_recorder.run_events(run_id) if event.type == "agent_response_delta"]
    assert deltas, "the run streamed no agent_response_delta, so there was no streaming to watch"
    samples = watch.of_run(run_id)
    statuses = [sample.status for sample in samples]
    assert statuses and statuses[0] == "streaming" and statuses[-1] == "complete" and (
        statuses.index("complete") == len(statuses) - 1
    ), f"the answer's status went {' -> '.join(statuses) or 'nowhere'}; expected streaming ... then complete"
    texts = [_visible(sample.text) for sample in samples]
    shrinking = [(before, after) for before, after in zip(texts, texts[1:], strict=False)
                 if not after.startswith(before)]
    assert not shrinking, (
        "the visible answer did not only grow; each of these changes replaced text:\n"
        + "\n".join(f"{before!r} -> {after!r}" for before, after in shrinking)
    )
