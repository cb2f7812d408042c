"""Per-caller rate limits at the gateway: a token bucket per user or API key.

Kept in this process; with several gateway replicas each enforces its share (DESIGN.md:
move to PostgreSQL or Redis when replicas multiply).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """``per_minute`` requests a minute with bursts up to ``burst``; 0 turns it off."""

    def __init__(self, per_minute: int, burst: int, max_callers: int = 100_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.max_callers = max_callers
        self._buckets: dict[str, _Bucket] = {}

    @property
    def enabled(self) -> bool:
        return self.rate > 0

    def check(self, caller: str, now: float | None = None) -> float:
        """0 when the request may pass, else the seconds to wait before retrying."""
        if not self.enabled:
            return 0.0
        moment = time.monotonic() if now is None else now
        bucket = self._buckets.get(caller)
        if bucket is None:
            if len(self._buckets) >= self.max_callers:
                self._buckets.clear()
            bucket = self._buckets[caller] = _Bucket(tokens=self.burst, updated=moment)
        bucket.tokens = min(self.burst, bucket.tokens + (moment - bucket.updated) * self.rate)
        bucket.updated = moment
        if bucket.tokens >= 1:
            bucket.tokens -= 1
            return 0.0
        return (1 - bucket.tokens) / self.rate

    @staticmethod
    def retry_after_header(wait_seconds: float) -> str:
        """Whole seconds, at least 1."""
        return str(max(1, math.ceil(wait_seconds)))
