"""Pure rules of the org copy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Protocol, TypeVar


class Versioned(Protocol):
    @property
    def employee_id(self) -> int: ...

    @property
    def version(self) -> int: ...


V = TypeVar("V", bound=Versioned)


def newest_per_employee(events: Iterable[V]) -> list[V]:
    """Keep, per employee, only the event with the highest version (first one on a tie).

    A batch may repeat an employee (retries, bursts of changes); one upsert statement may
    touch a row only once, and only the newest state matters anyway.
    """
    newest: dict[int, V] = {}
    for event in events:
        kept = newest.get(event.employee_id)
        if kept is None or event.version > kept.version:
            newest[event.employee_id] = event
    return list(newest.values())


class VersionedStandIn(Protocol):
    @property
    def stand_in_id(self) -> int: ...

    @property
    def version(self) -> int: ...


S = TypeVar("S", bound=VersionedStandIn)


def newest_per_stand_in(events: Iterable[S]) -> list[S]:
    """Keep, per stand-in, only the event with the highest version (first one on a tie)."""
    newest: dict[int, S] = {}
    for event in events:
        kept = newest.get(event.stand_in_id)
        if kept is None or event.version > kept.version:
            newest[event.stand_in_id] = event
    return list(newest.values())


def stands_in_on(starts_on: date, ends_on: date, cancelled: bool, day: date) -> bool:
    """Whether a stand-in grants access on ``day``: not cancelled and ``day`` within its
    dates, both ends included. Nothing has to run when it ends: the answer changes by itself
    the day after ``ends_on``."""
    return not cancelled and starts_on <= day <= ends_on
