"""Watch the answers as the user sees them: every change of an ai-message's text or status, in order.

A MutationObserver in the page notes each visible state of the newest
``ai-message`` the moment the DOM changes, so a streaming check sees every
intermediate text, not just the ones a poll happens to catch. The notes stay in
the page and are read once the test has seen what it waited for: the observer
runs before any later evaluation, so nothing is still in flight.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from playwright.sync_api import Page

# Test ids are the contract's vocabulary; inside the page only a selector reaches them.
_OBSERVER_SCRIPT = """
(key) => {
  if (window[key]) return;
  const samples = window[key] = [];
  let previous = null;
  const snapshot = () => {
    const answers = document.querySelectorAll('[data-testid="ai-message"]');
    if (answers.length === 0) return;
    const answer = answers[answers.length - 1];
    const sample = {
      index: answers.length - 1,
      run_id: answer.getAttribute('data-run-id') || '',
      status: answer.getAttribute('data-status') || '',
      text: answer.innerText,
    };
    const serialized = JSON.stringify(sample);
    if (serialized === previous) return;
    previous = serialized;
    samples.push(sample);
  };
  new MutationObserver(snapshot).observe(document, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeFilter: ['data-status', 'data-run-id'],
  });
  snapshot();
}
"""


@dataclass(frozen=True)
class AnswerSample:
    index: int
    run_id: str
    status: str
    text: str


class AnswerWatch:
    """The visible states of the newest answer, from ``start()`` on (per document: a reload starts afresh)."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self._key = f"__e2eAnswerSamples_{secrets.token_hex(4)}"

    def start(self) -> AnswerWatch:
        # The init script covers documents loaded later, the evaluate the one shown now.
        self.page.add_init_script(f"({_OBSERVER_SCRIPT})({self._key!r});")
        self.page.evaluate(_OBSERVER_SCRIPT, self._key)
        return self

    def samples(self) -> list[AnswerSample]:
        raw = self.page.evaluate("(key) => window[key] || []", self._key)
        return [AnswerSample(int(item["index"]), item["run_id"], item["status"], item["text"])
                for item in raw]

    def of_run(self, run_id: str) -> list[AnswerSample]:
        return [sample for sample in self.samples() if sample.run_id == run_id]
