"""The password-hashing lane: off the event loop, bounded, clean callers first."""

import asyncio
import threading
import time
from collections.abc import Callable

from services.staff.identity.hashing import PasswordHashing
from services.staff.identity.secrets import hash_password
from tests.polling import until


async def soon(condition: Callable[[], bool]) -> None:
    """Wait until ``condition`` holds (a worker thread started, a caller queued)."""

    async def check() -> bool:
        return condition()

    await until(check, seconds=5, every=0.002)


async def test_hashing_leaves_the_event_loop_free() -> None:
    hashing = PasswordHashing(workers=1)
    stored = hash_password("a-password-1")
    try:
        checks = [asyncio.create_task(hashing.verify(stored, "wrong")) for _ in range(4)]
        ticks = 0
        while not all(check.done() for check in checks):
            await asyncio.sleep(0.005)
            ticks += 1
        assert not any(check.result() for check in checks)
        assert ticks >= 4  # the loop kept turning while four hashes ran
        assert await hashing.verify(stored, "a-password-1")
    finally:
        hashing.close()


async def test_no_more_than_the_workers_hash_at_once_and_clean_callers_go_first() -> None:
    hashing = PasswordHashing(workers=2)
    running, most, started = 0, 0, []
    lock = threading.Lock()
    release = threading.Event()

    def work(name: str) -> str:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
            started.append(name)
        release.wait(5)
        time.sleep(0.01)
        with lock:
            running -= 1
        return name

    try:
        first = [asyncio.create_task(hashing._run(0, lambda n=n: work(n))) for n in "ab"]
        await soon(lambda: len(started) == 2)
        suspects = [asyncio.create_task(hashing._run(9, lambda n=n: work(n))) for n in ("s1", "s2")]
        await soon(lambda: len(hashing._waiting) == 2)
        clean = asyncio.create_task(hashing._run(0, lambda: work("clean")))
        await soon(lambda: len(hashing._waiting) == 3)
        release.set()
        await asyncio.gather(*first, *suspects, clean)
        assert most == 2
        # Two slots came free at once: the clean caller takes one though it came last.
        assert sorted(started[:2]) == ["a", "b"] and "clean" in started[2:4]
        assert started[-1].startswith("s")
    finally:
        hashing.close()


async def test_a_caller_that_gives_up_while_waiting_frees_nothing_it_did_not_hold() -> None:
    hashing = PasswordHashing(workers=1)
    gate = threading.Event()
    try:
        busy = asyncio.create_task(hashing._run(0, lambda: gate.wait(5)))
        await soon(lambda: hashing._busy == 1)
        waiting = asyncio.create_task(hashing._run(0, lambda: True))
        await soon(lambda: len(hashing._waiting) == 1)
        waiting.cancel()
        gate.set()
        await busy
        assert await hashing._run(0, lambda: "next") == "next"
        assert hashing._busy == 0
    finally:
        hashing.close()


async def test_suspects_never_take_the_worker_kept_for_clean_callers() -> None:
    hashing = PasswordHashing(workers=2)
    gate = threading.Event()
    started: list[str] = []

    def work(name: str) -> None:
        started.append(name)
        gate.wait(5)

    try:
        suspects = [
            asyncio.create_task(hashing._run(3, lambda n=n: work(n))) for n in ("s1", "s2", "s3")
        ]
        await soon(lambda: started == ["s1"] and len(hashing._waiting) == 2)
        clean = asyncio.create_task(hashing._run(0, lambda: work("clean")))
        await soon(lambda: len(started) == 2)
        assert started == ["s1", "clean"]  # the flood holds one worker, the other is free
        gate.set()
        await asyncio.gather(*suspects, clean)
        assert sorted(started) == ["clean", "s1", "s2", "s3"]
    finally:
        hashing.close()
