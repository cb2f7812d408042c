"""The staff service's clock: the real one, or the one a test or job runner installs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, timezone-aware UTC."""
    return datetime.now(UTC)


def current_time(request: Request) -> datetime:
    """Now by ``app.state.clock`` when one is installed (tests, "run now" jobs), else the wall."""
    clock: Clock = getattr(request.app.state, "clock", system_clock)
    return clock()


NowDep = Annotated[datetime, Depends(current_time)]
