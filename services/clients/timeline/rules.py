"""Pure rules of the timeline: its order, its cursor and its titles.

The timeline is ordered newest first on (occurred_at, kind, id): ``kind`` breaks ties
between sources at the same instant and ``id`` (the source row's) within a source, so the
key is unique and a page boundary never skips or repeats an entry. Kinds compare by their
code points (``COLLATE "C"`` in SQL), the same in Python and in the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from shared.errors import BadRequest
from shared.labels import label
from shared.languages import Language
from shared.pagination import decode_cursor, encode_cursor


@dataclass(frozen=True, order=True)
class Position:
    """An entry's place in the timeline's order (ascending here; the list is descending)."""

    occurred_at: datetime
    kind: str
    id: int


class Bound(Enum):
    """How a source of one kind is cut below a cursor (the list descends)."""

    AT_OR_BEFORE = "at_or_before"  # occurred_at <= the cursor's: the kind sorts below
    BEFORE_BY_ID = "before_by_id"  # (occurred_at, id) < the cursor's: the same kind
    BEFORE = "before"  # occurred_at < the cursor's: the kind sorts above


def bound_for(kind: str, after: Position) -> Bound:
    """The condition a source of ``kind`` needs so that it yields exactly the entries that
    come after ``after`` in the descending order, i.e. whose position is smaller."""
    if kind < after.kind:
        return Bound.AT_OR_BEFORE
    if kind == after.kind:
        return Bound.BEFORE_BY_ID
    return Bound.BEFORE


def comes_after(entry: Position, after: Position, bound: Bound) -> bool:
    """Whether ``entry`` passes ``bound`` (the SQL conditions, in Python, for tests)."""
    if bound is Bound.AT_OR_BEFORE:
        return entry.occurred_at <= after.occurred_at
    if bound is Bound.BEFORE_BY_ID:
        return (entry.occurred_at, entry.id) < (after.occurred_at, after.id)
    return entry.occurred_at < after.occurred_at


def encode_position(position: Position) -> str:
    """The opaque cursor after an entry."""
    return encode_cursor(
        {"at": position.occurred_at.isoformat(), "kind": position.kind, "id": position.id}
    )


def decode_position(cursor: str | None, kinds: frozenset[str]) -> Position | None:
    """The position a cursor holds (None on the first page); anything this list did not
    make is a 400."""
    if cursor is None:
        return None
    value = decode_cursor(cursor)
    at, kind, last_id = value.get("at"), value.get("kind"), value.get("id")
    if not isinstance(at, str) or kind not in kinds or type(last_id) is not int:
        raise BadRequest("cursor is not valid for this timeline")
    try:
        instant = datetime.fromisoformat(at)
    except ValueError as exc:
        raise BadRequest("cursor is not valid for this timeline") from exc
    if instant.tzinfo is None:
        raise BadRequest("cursor is not valid for this timeline")
    return Position(instant, str(kind), last_id)


def entry_title(event: str, headline: str | None, language: Language) -> str:
    """The entry's title: the event's label in ``language``, then the record's own words
    (a ticket's title, a contract's name …) when it has them."""
    labels = label("TimelineEvent", event)
    zh, en = labels if labels is not None else (event, event)
    text = zh if language == "zh-CN" else en
    if not headline:
        return text
    return f"{text}：{headline}" if language == "zh-CN" else f"{text}: {headline}"
