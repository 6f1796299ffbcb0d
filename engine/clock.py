"""The browser's clock: a 30-second watchdog tested in about a second, no test waiting for real time.

``install_clock`` goes in the ``prepare`` of ``open_chat`` (before the first load):
from then on the page's ``setTimeout``/``Date`` are Playwright's. The installed
clock still flows in real time; ``pass_watchdog`` jumps it past ``watchdog_seconds``
(read from the target's ``GET /config``), and ``pause``/``advance``/``resume`` let a
test say "within one second" of a timer exactly, however loaded the machine is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import allure
from playwright.sync_api import Page

# How far past the watchdog the clock jumps: enough that "past" holds whatever the
# page's timer granularity, little enough that a watchdog much longer than the
# target's own setting does not fire.
WATCHDOG_MARGIN_SECONDS = 1.0
PAUSE_AHEAD_MS = 2000
# A transport with a heartbeat (a ping every 25 s, say, with 20 s more of patience) times out when the
# clock jumps past it: the clock moves in steps no longer than this, the heartbeat renewed before each.
KEEPALIVE_STEP_SECONDS = 20.0


def install_clock(page: Page) -> None:
    """Give the page Playwright's clock; call it before the page loads."""
    page.clock.install()


@dataclass(frozen=True)
class BrowserClock:
    """The clock of one page, and the target's watchdog."""

    page: Page
    watchdog_seconds: float
    # Renews the transport's heartbeat, as the server would; False when the protocol has none.
    keep_alive: Callable[[], bool] | None = None
    watchdog_source: str = "GET /config watchdog_seconds"

    @property
    def past_watchdog_seconds(self) -> float:
        return self.watchdog_seconds + WATCHDOG_MARGIN_SECONDS

    def pass_watchdog(self) -> None:
        """Jump past ``watchdog_seconds``: a timer the page armed before now for that long fires."""
        with allure.step(f"Fast-forward the browser clock {self.past_watchdog_seconds:g} s "
                         f"(watchdog {self.watchdog_seconds:g} s, {self.watchdog_source})"):
            self._forward(self.past_watchdog_seconds)

    def pause(self) -> None:
        """Stop the page's time (a moment ahead): from then on its timers fire only on ``advance``."""
        now_ms = self.page.evaluate("() => Date.now()")
        # pause_at refuses a time the page has already passed, and the page's time keeps
        # flowing while this call travels: pause a little ahead, before anything is armed.
        self.page.clock.pause_at(now_ms + PAUSE_AHEAD_MS)

    def advance(self, seconds: float) -> None:
        with allure.step(f"Advance the browser clock {seconds:g} s"):
            self._forward(seconds)

    def _forward(self, seconds: float) -> None:
        remaining = seconds
        while remaining > 0:
            kept_alive = self.keep_alive is not None and self.keep_alive()
            step = min(remaining, KEEPALIVE_STEP_SECONDS) if kept_alive else remaining
            self.page.clock.fast_forward(int(step * 1000))
            remaining -= step

    def resume(self) -> None:
        self.page.clock.resume()


# CONTRACT.md 6.5: the first reconnect is tried within one second of the close.
FIRST_RECONNECT_WITHIN_SECONDS = 1.0


@dataclass
class ReconnectionHold:
    """Keeps the page's dropped socket down while a test looks at what the user is told, then lets it up.

    The target profile says how (``TargetProfile.block_reconnection``): by refusing its reconnection
    requests, or, where the page reconnects on a timer of its own, by pausing the browser clock.
    """

    clock: BrowserClock
    block: Callable[[], Callable[[], None] | None]
    _unblock: Callable[[], None] | None = None
    _paused: bool = False

    def hold(self) -> None:
        """From now on a dropped socket stays down; call it before the drop."""
        self._unblock = self.block()
        if self._unblock is None:
            self.clock.pause()  # from then on the page's timers fire only on advance
            self._paused = True

    def release(self) -> str:
        """Let the page reconnect; returns what was done, for a failure message."""
        if self._unblock is not None:
            self._unblock()
            return "its reconnection requests were let through again"
        self.clock.advance(FIRST_RECONNECT_WITHIN_SECONDS)
        return (f"the browser clock moved {FIRST_RECONNECT_WITHIN_SECONDS:g} s past the drop "
                "(the first try is due within it)")

    def finish(self) -> None:
        """Time flows again, if it was held."""
        if self._paused:
            self.clock.resume()
