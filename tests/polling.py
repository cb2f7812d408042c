"""Small helpers of the tests that talk to real processes over HTTP."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

T = TypeVar("T")


def ok(response: httpx.Response, status: int = 200) -> Any:
    """The JSON of a response that must have ``status``."""
    assert response.status_code == status, response.text
    return response.json()


def eventually(check: Callable[[], T | None], seconds: float = 30.0) -> T | None:
    """Poll ``check`` until it returns something truthy (the services' events are
    asynchronous), or the time is up: then its last answer."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(0.25)


async def until(
    check: Callable[[], Awaitable[T | None]], seconds: float = 30.0, every: float = 0.05
) -> T:
    """Await ``check`` until it returns something truthy, and return that; fail when
    ``seconds`` pass first (instead of sleeping a fixed time and hoping)."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, f"not reached within {seconds} s: {result!r}"
        await asyncio.sleep(every)
