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

from services.staff.identity.secrets import hash_password, verify_password

T = TypeVar("T")


class PasswordHashing:
    """At most ``workers`` hashes at once, on threads of its own; lower priority first."""

    def __init__(self, workers: int) -> None:
        self.workers = workers
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="argon2")
        self._busy = 0
        self._waiting: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    async def _acquire(self, priority: float) -> None:
        if self._busy < self.workers and not self._waiting:
            self._busy += 1
            return
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._waiting, (priority, next(self._order), turn))
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # the slot was handed over just as the caller gave up
            raise

    def _release(self) -> None:
        while self._waiting:
            _, _, turn = heapq.heappop(self._waiting)
            if not turn.done():
                turn.set_result(None)  # the slot passes on: _busy stays
                return
        self._busy -= 1

    async def _run(self, priority: float, work: Callable[[], T]) -> T:
        await self._acquire(priority)
        try:
            return await asyncio.get_running_loop().run_in_executor(self._executor, work)
        finally:
            self._release()

    async def verify(self, password_hash: str | None, password: str, priority: float = 0) -> bool:
        """Whether ``password`` matches (a missing hash costs a check all the same)."""
        return await self._run(priority, lambda: verify_password(password_hash, password))

    async def hash(self, password: str) -> str:
        """An argon2id hash of ``password``."""
        return await self._run(0, lambda: hash_password(password))

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
