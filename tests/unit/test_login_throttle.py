"""Failed sign-ins per email, with a clock the test controls."""

from __future__ import annotations

from reference_app.login_throttle import LoginThrottle


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _throttle(clock: FakeClock) -> LoginThrottle:
    return LoginThrottle(max_failures=5, window_seconds=60, clock=clock)


def test_five_failures_lock_the_email_with_the_seconds_to_wait():
    clock = FakeClock()
    throttle = _throttle(clock)
    for _ in range(4):
        throttle.record_failure("a@example.test")
        clock.now += 1
    assert throttle.retry_after("a@example.test") is None

    throttle.record_failure("a@example.test")

    # the first failure (at t=1000) leaves the window at t=1060; now is 1004
    assert throttle.retry_after("a@example.test") == 56
    assert throttle.retry_after("b@example.test") is None


def test_the_lock_ends_when_the_oldest_failure_leaves_the_window():
    clock = FakeClock()
    throttle = _throttle(clock)
    for _ in range(5):
        throttle.record_failure("a@example.test")

    clock.now += 60

    assert throttle.retry_after("a@example.test") is None


def test_a_success_forgets_the_failures():
    clock = FakeClock()
    throttle = _throttle(clock)
    for _ in range(4):
        throttle.record_failure("a@example.test")

    throttle.record_success("a@example.test")
    throttle.record_failure("a@example.test")

    assert throttle.retry_after("a@example.test") is None
