"""Who stands in for somebody today, kept per process so most callers skip a query.

Nearly every restricted caller is nobody's stand-in, yet the scope of each of their
requests used to ask ``org_stand_ins`` (a session and a round trip on the hottest reads).
The roster holds, per company day, the set of employees named as a stand-in on that day;
a caller outside it needs no query. It only ever *skips* a query: for a caller inside it,
the scope still reads the absent colleagues from the table, so a cancelled stand-in ends
at once. A stand-in named after the roster was loaded is seen when this process applies
its event (``forget``) and by other replicas within ``ttl_seconds`` at the latest: access
granted late, never kept too long.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date

DEFAULT_TTL_SECONDS = 30.0

Loader = Callable[[date], Awaitable[frozenset[int]]]


@dataclass
class StandInRoster:
    """The stand-ins of one company day, reloaded after ``ttl_seconds`` or ``forget``."""

    ttl_seconds: float = DEFAULT_TTL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _day: date | None = field(default=None, init=False)
    _ids: frozenset[int] = field(default=frozenset(), init=False)
    _loaded_at: float = field(default=float("-inf"), init=False)

    async def includes(self, employee_id: int, day: date, load: Loader) -> bool:
        """Whether ``employee_id`` may stand in for somebody on ``day``."""
        if self._day != day or self.clock() - self._loaded_at >= self.ttl_seconds:
            ids = await load(day)
            self._day, self._ids, self._loaded_at = day, ids, self.clock()
        return employee_id in self._ids

    def forget(self) -> None:
        """Reload on the next question (a stand-in event was just applied here)."""
        self._day = None
