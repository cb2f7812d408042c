"""The circuit breaker's pure rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.clients.erp.schemas import BreakerState
from services.clients.erp.sync import after_failure, breaker_state

NOW = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)


def test_the_breaker_opens_at_the_threshold_then_half_opens_after_the_cool_down() -> None:
    failures, until = 0, None
    states = []
    for _ in range(3):
        failures, until = after_failure(failures, NOW, threshold=3, cooldown_seconds=60)
        states.append(breaker_state(failures, until, NOW, threshold=3))
    assert states == [BreakerState.CLOSED, BreakerState.CLOSED, BreakerState.OPEN]
    assert until == NOW + timedelta(seconds=60)
    assert breaker_state(failures, until, NOW + timedelta(seconds=59), 3) is BreakerState.OPEN
    assert breaker_state(failures, until, NOW + timedelta(seconds=60), 3) is BreakerState.HALF_OPEN
    # A failed probe opens it again for a whole cool-down.
    later = NOW + timedelta(seconds=61)
    failures, until = after_failure(failures, later, threshold=3, cooldown_seconds=60)
    assert breaker_state(failures, until, later, 3) is BreakerState.OPEN


@given(st.integers(0, 50), st.integers(1, 20), st.floats(0, 1000))
def test_closed_exactly_below_the_threshold(failures: int, threshold: int, cooldown: float) -> None:
    count, until = after_failure(failures, NOW, threshold, cooldown)
    assert count == failures + 1
    assert (until is None) == (count < threshold)
    state = breaker_state(count, until, NOW, threshold)
    assert (state is BreakerState.CLOSED) == (count < threshold)
