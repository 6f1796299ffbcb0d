"""Failed sign-in attempts per email, to slow down password guessing."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable


class LoginThrottle:
    """Refuses an email after ``max_failures`` failures within ``window_seconds``; a success forgets them.

    Unknown emails are counted like known ones, so the answer never tells which exist.
    Kept in memory: one process serves the auth service.
    """

    def __init__(self, *, max_failures: int, window_seconds: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.window_seconds = window_seconds
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, email: str) -> deque[float]:
        failures = self._failures.get(email, deque())
        horizon = self._clock() - self.window_seconds
        while failures and failures[0] <= horizon:
            failures.popleft()
        if not failures:
            self._failures.pop(email, None)
        return failures

    def retry_after(self, email: str) -> int | None:
        """Seconds until ``email`` may try again, or None if it may try now."""
        failures = self._recent(email)
        if len(failures) < self.max_failures:
            return None
        # the attempt that frees a slot is the one at index len - max_failures
        frees_at = failures[len(failures) - self.max_failures] + self.window_seconds
        return max(1, math.ceil(frees_at - self._clock()))

    def record_failure(self, email: str) -> None:
        self._recent(email)
        self._failures.setdefault(email, deque()).append(self._clock())
        if len(self._failures) > 10_000:  # forget stale emails so the table cannot grow without end
            for stale in list(self._failures):
                self._recent(stale)

    def record_success(self, email: str) -> None:
        self._failures.pop(email, None)
