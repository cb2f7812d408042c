"""Reading keyset cursors of the clients service's lists; a bad cursor is a 400."""

from __future__ import annotations

from typing import Any

from shared.errors import BadRequest
from shared.pagination import decode_cursor


def cursor_id(cursor: str | None) -> int | None:
    """The last id of the previous page, or None on the first page."""
    if cursor is None:
        return None
    value = decode_cursor(cursor).get("id")
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BadRequest("cursor is not valid")
    return value


def cursor_position(cursor: str | None, sort: str) -> tuple[Any, int] | None:
    """The (sort value, id) of the last row of the previous page, for a list sorted by
    ``sort``; a cursor made for another sort order is refused."""
    if cursor is None:
        return None
    position = decode_cursor(cursor)
    last_id = position.get("id")
    if position.get("sort") != sort or isinstance(last_id, bool) or not isinstance(last_id, int):
        raise BadRequest("cursor is not valid for this sort order")
    return position.get("value"), last_id
