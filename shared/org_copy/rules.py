"""Pure rules of the org copy."""

from __future__ import annotations

from collections.abc import Iterable
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
