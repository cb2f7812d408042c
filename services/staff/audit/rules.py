"""Pure rules of the audit search across services: merging each service's newest-first
entries into one page, and the composite cursor that says how far each service was read.

Each service pages its own log by id, newest first; the merged page interleaves them by
``occurred_at`` (then service, then id, so equal instants have one order). A position per
service is the id of its last entry already shown (absent: nothing shown yet; null: none
left), so a page reads each service from where the previous one stopped, and no entry is
lost or shown twice, whatever the page size.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from shared.errors import BadRequest
from shared.pagination import MAX_ID, decode_cursor, encode_cursor

Positions = dict[str, int | None]
"""Service → id of its last entry shown (None: the service has nothing more)."""


class Merged(Protocol):
    """What the merge reads of an entry."""

    @property
    def id(self) -> int: ...

    @property
    def occurred_at(self) -> datetime: ...


E = TypeVar("E", bound=Merged)


@dataclass(frozen=True)
class Batch(Generic[E]):
    """Entries one service answered after its position, newest first; ``full`` when it
    answered as many as asked (it may hold older ones)."""

    service: str
    entries: Sequence[E]
    full: bool


def newest_first(service: str, entry: Merged) -> tuple[datetime, str, int]:
    """The merged order's key (the larger, the earlier on the page)."""
    return entry.occurred_at, service, entry.id


def merge_page(
    batches: Sequence[Batch[E]], positions: Mapping[str, int | None], limit: int
) -> tuple[list[E], Positions]:
    """Up to ``limit`` entries of ``batches`` newest first, and each service's position
    after the page. Each batch must hold up to ``limit`` entries, so a service runs out
    of fetched entries before the page is full only when it has no more."""
    heads = {batch.service: 0 for batch in batches}
    after: Positions = dict(positions)
    page: list[E] = []
    while len(page) < limit:
        waiting = [
            (newest_first(batch.service, batch.entries[heads[batch.service]]), batch)
            for batch in batches
            if heads[batch.service] < len(batch.entries)
        ]
        if not waiting:
            break
        _, batch = max(waiting, key=lambda found: found[0])
        chosen = batch.entries[heads[batch.service]]
        heads[batch.service] += 1
        after[batch.service] = chosen.id
        page.append(chosen)
    for batch in batches:
        if heads[batch.service] == len(batch.entries) and not batch.full:
            after[batch.service] = None
    return page, after


def next_cursor(positions: Positions, services: Sequence[str]) -> str | None:
    """The cursor of the next page, or None when every service asked has nothing more."""
    if all(name in positions and positions[name] is None for name in services):
        return None
    return encode_cursor({name: positions[name] for name in services if name in positions})


def read_cursor(cursor: str | None, services: Sequence[str]) -> Positions:
    """The positions in a cursor of this search; a cursor this search did not make is a
    400 (a service's own keys, an id out of range)."""
    if cursor is None:
        return {}
    found = decode_cursor(cursor)
    if not found:  # a next page always names where at least one service stopped
        raise BadRequest("cursor is not valid")
    positions: Positions = {}
    for name, value in found.items():
        if name not in services:
            raise BadRequest("cursor is not valid")
        if value is not None and not (type(value) is int and 1 <= value <= MAX_ID):
            raise BadRequest("cursor is not valid")
        positions[name] = value
    return positions
