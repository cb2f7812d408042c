"""Password hashing off the event loop, a few at a time, clean callers first.

argon2 costs tens of milliseconds of CPU per check. Run on the event loop, a burst of
sign-ins stalls every request of the process (health checks included); run on the default
executor, it takes every core. Here a small thread pool of its own does the hashing, and
the waiting attempts queue by priority: an attempt from an address with recent failures
waits behind those from clean addresses, so a flood cannot starve other people's sign-in.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from services.staff.identity.secrets import hash_password, needs_rehash, verify_password

T = TypeVar("T")


class PasswordHashing:
    """At most ``workers`` hashes at once, on threads of its own; lower priority first.

    The priority of a sign-in is how many failures its address had. Above
    ``suspect_above`` the caller is a suspect: with two workers or more, suspects never
    hold every worker, so a flood of them leaves the next honest sign-in a free worker.
    """

    def __init__(self, workers: int, suspect_above: float = 0) -> None:
        self.workers = workers
        self.suspect_above = suspect_above
        self.suspect_workers = max(1, workers - 1)
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._busy = 0
        self._suspects_busy = 0
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def _may_start(self, priority: float) -> bool:
        if self._busy >= self.workers:
            return False
        return priority <= self.suspect_above or self._suspects_busy < self.suspect_workers

    def _start(self, priority: float) -> None:
        self._busy += 1
        if priority > self.suspect_above:
            self._suspects_busy += 1

    async def _acquire(self, priority: float) -> None:
        while self._waiting and self._waiting[0][2].done():  # callers that gave up
            heapq.heappop(self._waiting)
        # Waiting suspects may be held back by their share alone: a cleaner caller passes.
        ahead = self._waiting and self._waiting[0][0] <= priority
        if not ahead and self._may_start(priority):
            self._start(priority)
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release(priority)  # the slot was handed over just as the caller gave up
            raise

    def _release(self, priority: float) -> None:
        self._busy -= 1
        if priority > self.suspect_above:
            self._suspects_busy -= 1
        # Hand free workers to the waiters in priority order; the first that may not start
        # (a suspect while the suspects' workers are taken) has only suspects behind it.
        while self._waiting:
            waiting_priority, _, turn = self._waiting[0]
            if turn.done():  # its caller gave up
                heapq.heappop(self._waiting)
                continue
            if not self._may_start(waiting_priority):
                return
            heapq.heappop(self._waiting)
            self._start(waiting_priority)
            turn.set_result(None)

    async def _run(self, priority: float, work: Callable[[], T]) -> T:
        await self._acquire(priority)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            self._release(priority)

    async def verify(self, password_hash: str | None, password: str, priority: float = 0) -> bool:
        """Whether ``password`` matches (a missing hash costs a check all the same)."""
        return await self._run(priority, lambda: verify_password(password_hash, password))

    async def hash(self, password: str) -> str:
        """An argon2id hash of ``password``."""
        return await self._run(0, lambda: hash_password(password))

    async def rehash(self, password_hash: str | None, password: str) -> str | None:
        """A hash of today's parameters for a password that just matched ``password_hash``,
        or None when that hash already has them."""
        if password_hash is None or not needs_rehash(password_hash):
            return None
        return await self.hash(password)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
