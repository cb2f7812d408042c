"""The sign-in throttle's rules: progressive delay, temporary lock, address delay."""

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.staff.identity.throttle_rules import (
    Counter,
    ThrottlePolicy,
    address_attempt,
    login_attempt,
    retry_after_header,
)

POLICY = ThrottlePolicy(
    free_failures=3, delay_seconds=1, max_delay_seconds=8, lock_after=6, lock_seconds=600
)
T0 = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)

policies = st.builds(
    ThrottlePolicy,
    free_failures=st.integers(0, 10),
    delay_seconds=st.floats(0.01, 10),
    max_delay_seconds=st.floats(0.01, 120),
    lock_after=st.integers(1, 20),
    lock_seconds=st.floats(1, 3600),
    window_seconds=st.floats(1, 3600),
)
# Gaps between attempts, in seconds: bursts (0) as well as slow, patient guessing.
gaps = st.lists(st.floats(0, 120), min_size=1, max_size=60)


def test_the_first_failures_are_free_then_the_delay_doubles_up_to_its_cap() -> None:
    assert [POLICY.delay(n) for n in range(8)] == [0, 0, 0, 0, 1, 2, 4, 8]
    assert POLICY.delay(500) == 8


@settings(deadline=None)  # a busy CI machine must not fail a pure rule
@given(policies, st.integers(0, 1000))
def test_the_delay_never_decreases_and_never_passes_its_cap(
    policy: ThrottlePolicy, failures: int
) -> None:
    assert 0 <= policy.delay(failures) <= policy.delay(failures + 1) <= policy.max_delay_seconds


def test_an_attempt_inside_the_delay_is_refused_and_says_how_long_to_wait() -> None:
    counter = Counter(failures=4, last_failure_at=T0)
    refused = login_attempt(counter, POLICY, T0 + timedelta(seconds=0.25))
    assert refused.retry_after == 0.75 and refused.counter == counter
    allowed = login_attempt(counter, POLICY, T0 + timedelta(seconds=1))
    assert allowed.retry_after == 0 and allowed.counter.failures == 5


def test_the_failure_that_reaches_the_limit_locks_the_login() -> None:
    verdict = login_attempt(Counter(5, T0), POLICY, T0 + timedelta(seconds=2))
    assert verdict.counter.locked_until == T0 + timedelta(seconds=602)
    locked = login_attempt(verdict.counter, POLICY, T0 + timedelta(seconds=302))
    assert locked.retry_after == 300
    after = login_attempt(verdict.counter, POLICY, T0 + timedelta(seconds=602))
    assert after.retry_after == 0 and after.counter.failures == 1  # a fresh count


def test_failures_older_than_the_window_are_forgotten() -> None:
    counter = Counter(5, T0)
    verdict = login_attempt(counter, POLICY, T0 + timedelta(seconds=POLICY.window_seconds))
    assert verdict.counter.failures == 1


@settings(deadline=None)
@given(policies, gaps)
def test_a_login_never_gets_more_checks_than_the_lock_allows_in_a_lock_period(
    policy: ThrottlePolicy, pauses: list[float]
) -> None:
    """However the attempts are timed, a login reaches no more password checks than
    ``lock_after`` before it locks, and none while it is locked."""
    counter, now = Counter(), T0
    for pause in pauses:
        now += timedelta(seconds=pause)
        locked = counter.locked_until is not None and counter.locked_until > now
        verdict = login_attempt(counter, policy, now)
        if locked:
            assert verdict.retry_after == (counter.locked_until - now).total_seconds()
        if verdict.retry_after > 0:
            assert verdict.counter.failures == counter.failures  # a refusal is not counted
            continue
        # Each check counts one more failure, or starts a fresh count; the count never
        # passes the lock, and the check that reaches it locks.
        assert verdict.counter.failures in (1, counter.failures + 1)
        assert verdict.counter.failures <= policy.lock_after
        if verdict.counter.failures == policy.lock_after:
            assert verdict.counter.locked_until == now + timedelta(seconds=policy.lock_seconds)
        counter = verdict.counter


@settings(deadline=None)
@given(policies, st.integers(0, 200), st.floats(0, 100))
def test_an_address_is_delayed_but_never_refused(
    policy: ThrottlePolicy, failures: int, later: float
) -> None:
    verdict = address_attempt(Counter(failures, T0), policy, T0 + timedelta(seconds=later))
    assert 0 <= verdict.delay <= policy.max_delay_seconds
    assert verdict.counter.locked_until is None
    assert verdict.counter.failures >= 1


def test_an_address_over_its_free_failures_waits_longer_with_each() -> None:
    delays = [address_attempt(Counter(n, T0), POLICY, T0).delay for n in range(3, 7)]
    assert delays == [0, 1, 2, 4]


def test_retry_after_is_whole_seconds_rounded_up_and_at_least_one() -> None:
    assert [retry_after_header(s) for s in (0.01, 1.0, 1.2, 599.5)] == ["1", "1", "2", "600"]


@given(policies, st.floats(0, 3600))
def test_a_lock_always_ends_when_its_time_is_up_with_a_fresh_count(
    policy: ThrottlePolicy, late: float
) -> None:
    """Unlock by time (issue 25): whatever the policy, an attempt at or after the end of
    the lock is let through and counted as the first failure of a new count."""
    locked = Counter(policy.lock_after, T0, T0 + timedelta(seconds=policy.lock_seconds))
    during = login_attempt(locked, policy, T0 + timedelta(seconds=policy.lock_seconds / 2))
    assert during.retry_after > 0
    after = login_attempt(locked, policy, T0 + timedelta(seconds=policy.lock_seconds + late))
    assert after.retry_after == 0
    assert after.counter.failures == 1
    assert after.counter.locked_until is None or policy.lock_after == 1
