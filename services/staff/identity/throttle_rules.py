"""When a sign-in attempt may go ahead: progressive delay and temporary lock (pure rules).

Failures are counted per submitted login string, whether or not such a login exists, and
per client address. An attempt is counted as a failure *before* its password is checked
(a success takes it back), so a burst of parallel attempts cannot all slip past the count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class ThrottlePolicy:
    """How many failures are free, how the delay grows, when and how long a login locks."""

    free_failures: int = 5
    delay_seconds: float = 1.0
    max_delay_seconds: float = 60.0
    lock_after: int = 10
    lock_seconds: float = 900.0
    window_seconds: float = 900.0

    def delay(self, failures: int) -> float:
        """The wait after ``failures`` failures: none while free, then doubling, capped."""
        over = failures - self.free_failures
        if over <= 0:
            return 0.0
        return min(self.delay_seconds * 2.0 ** min(over - 1, 32), self.max_delay_seconds)


@dataclass(frozen=True)
class Counter:
    """Failures of one login string or one address, as stored."""

    failures: int = 0
    last_failure_at: datetime | None = None
    locked_until: datetime | None = None


@dataclass(frozen=True)
class LoginVerdict:
    """``retry_after`` seconds > 0: refused before hashing; else go on with ``counter``."""

    counter: Counter
    retry_after: float = 0.0


def _current(counter: Counter, policy: ThrottlePolicy, now: datetime) -> Counter:
    """The counter with failures older than the window (and an ended lock) forgotten."""
    if counter.locked_until is not None and counter.locked_until > now:
        return counter
    if counter.last_failure_at is None or now - counter.last_failure_at >= timedelta(
        seconds=policy.window_seconds
    ):
        return Counter()
    if counter.locked_until is not None:  # a lock that has run out starts a fresh count
        return Counter()
    return counter


def login_attempt(counter: Counter, policy: ThrottlePolicy, now: datetime) -> LoginVerdict:
    """Refuse while locked or inside the delay of the last failure; otherwise count the
    attempt as a failure now (locking the login when it reaches ``lock_after``)."""
    current = _current(counter, policy, now)
    if current.locked_until is not None and current.locked_until > now:
        return LoginVerdict(current, (current.locked_until - now).total_seconds())
    if current.last_failure_at is not None:
        allowed_at = current.last_failure_at + timedelta(seconds=policy.delay(current.failures))
        if allowed_at > now:
            return LoginVerdict(current, (allowed_at - now).total_seconds())
    failures = current.failures + 1
    locked_until = (
        now + timedelta(seconds=policy.lock_seconds) if failures >= policy.lock_after else None
    )
    return LoginVerdict(Counter(failures, now, locked_until))


@dataclass(frozen=True)
class AddressVerdict:
    """How long to hold an attempt from this address before checking it; never a refusal,
    so a correct password from a shared address still gets through."""

    counter: Counter
    delay: float


def address_attempt(counter: Counter, policy: ThrottlePolicy, now: datetime) -> AddressVerdict:
    """Count the attempt as a failure now; the delay grows with the earlier failures."""
    current = _current(counter, policy, now)
    return AddressVerdict(Counter(current.failures + 1, now, None), policy.delay(current.failures))


def retry_after_header(seconds: float) -> str:
    """Whole seconds, rounded up, at least 1 (RFC 9110 §10.2.3)."""
    return str(max(1, int(-(-seconds // 1))))
