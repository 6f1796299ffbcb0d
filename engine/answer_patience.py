"""How long a test waits for a complete answer: the budget, until the agent has shown it goes silent.

A wait for a complete answer has E2E_COMPLETED_WITHIN_SECONDS (120 s; never less than the
expect timeout, so that a tight budget fails on the latency check, with the figure) and
fails as soon as the page gives up on the answer. So a silent agent costs each such wait
the product's watchdog (the reference app: 30 s), or the whole budget where the product
has none.

Once one wait of a worker has failed after at least that watchdog (or the suite's patience,
``E2E_PATIENCE_SECONDS``, for a product without one), the agent has shown that it goes
silent, and that test is red with what the page showed. Every later wait of the same worker
for a complete answer is cut to the expect timeout (``E2E_EXPECT_TIMEOUT_SECONDS``, 10 s),
and its failure says that it was cut, and by which earlier test. The run was red already;
it says so sooner (issue 18: a silent agent's time to red). A green run never cuts: no wait
of it failed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

#: in the failure of every wait that was cut
CUT_WORDS = "cut from"


class CompletableAnswer(Protocol):
    def expect_complete(self, *, timeout: float | None = None) -> None: ...


@dataclass
class AnswerPatience:
    """One worker's waits for complete answers (see the module)."""

    budget_seconds: float  # E2E_COMPLETED_WITHIN_SECONDS, at least the expect timeout
    cut_seconds: float  # the expect timeout: a wait once the agent has gone silent
    silent_after_seconds: float  # the product's watchdog, or the suite's patience
    silent_in: str = ""  # the test whose wait showed the agent silent
    silent_for_seconds: float = 0.0

    def for_test(self, test: str) -> AnswerWait:
        return AnswerWait(self, test)

    @property
    def seconds(self) -> float:
        """How long a wait for a complete answer has now."""
        return self.cut_seconds if self.silent_in else self.budget_seconds

    def had(self) -> str:
        """What a wait had, for its failure message."""
        if not self.silent_in:
            return f"it had up to {self.budget_seconds:g} s; it fails as soon as the page gives up"
        return (f"it had up to {self.cut_seconds:g} s, {CUT_WORDS} {self.budget_seconds:g} s: in this "
                f"worker {self.silent_in} already waited {self.silent_for_seconds:.1f} s, past the "
                f"{self.silent_after_seconds:g} s watchdog, for an answer that never came")

    def waited(self, test: str, seconds: float) -> None:
        """A wait of ``test`` failed after ``seconds``: the agent went silent if they reach the watchdog."""
        if not self.silent_in and seconds >= self.silent_after_seconds:
            self.silent_in, self.silent_for_seconds = test, seconds


@dataclass
class AnswerWait:
    """A test's view of its worker's ``AnswerPatience``."""

    patience: AnswerPatience
    test: str

    @property
    def had(self) -> str:
        return self.patience.had()

    @property
    def cut_note(self) -> str:
        """`` (it had up to ...)`` when this worker's waits are cut, else nothing: for a failure message
        that does not name the budget."""
        return f" ({self.had})" if self.patience.silent_in else ""

    def expect_complete(self, answer: CompletableAnswer) -> None:
        """``answer`` becomes complete within the wait it has now; a failure after the watchdog is kept."""
        started = time.monotonic()
        try:
            answer.expect_complete(timeout=self.patience.seconds * 1000)
        except AssertionError:
            self.patience.waited(self.test, time.monotonic() - started)
            raise
