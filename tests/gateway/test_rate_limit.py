from hypothesis import given
from hypothesis import strategies as st

from gateway.rate_limit import RateLimiter


def test_burst_then_refill() -> None:
    limiter = RateLimiter(per_minute=60, burst=2)
    assert limiter.check("a", now=0) == 0
    assert limiter.check("a", now=0) == 0
    assert limiter.check("a", now=0) > 0
    assert limiter.check("a", now=1.0) == 0


def test_zero_turns_it_off() -> None:
    limiter = RateLimiter(per_minute=0, burst=1)
    assert all(limiter.check("a", now=0) == 0 for _ in range(1000))


@given(st.lists(st.floats(min_value=0, max_value=0.5), min_size=1, max_size=300))
def test_never_more_than_burst_plus_rate_times_elapsed(gaps: list[float]) -> None:
    limiter = RateLimiter(per_minute=120, burst=5)
    now, allowed = 0.0, 0
    for gap in gaps:
        now += gap
        allowed += limiter.check("caller", now=now) == 0
    assert allowed <= 5 + 2 * now + 1e-9
