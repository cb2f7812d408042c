"""Reading keyset cursors of the clients service's lists; a bad cursor is a 400."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Literal, TypeVar

from sqlalchemy import ColumnElement, tuple_
from sqlmodel import SQLModel, col, select
from sqlmodel.sql.expression import SelectOfScalar

from shared.errors import BadRequest
from shared.pagination import MAX_ID, decode_cursor, encode_cursor

T = TypeVar("T", bound=SQLModel)


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


CursorValueKind = Literal["int", "text", "instant", "day"]

FAR_FUTURE = datetime(9999, 12, 31, tzinfo=UTC)
"""Where rows without a date sort (last, ascending): keyset comparisons need a value."""
FAR_FUTURE_DAY = FAR_FUTURE.date()


@dataclass(frozen=True)
class ListOrder:
    """One sort order of a list: a SQL expression that is never null, its direction and
    the kind of value it puts in a cursor. Ties break on the row id in the same direction,
    so (value, id) is unique and a page boundary never skips or repeats a row."""

    name: str
    expression: Any  # a column or SQL expression
    descending: bool
    kind: CursorValueKind

    def clauses(self, id_column: Any) -> list[ColumnElement[Any]]:
        """ORDER BY clauses: the expression, then the id."""
        if self.descending:
            return [self.expression.desc(), id_column.desc()]
        return [self.expression.asc(), id_column.asc()]

    def after(self, id_column: Any, cursor: str | None) -> ColumnElement[bool] | None:
        """The condition for the rows after the cursor's (value, id), or None on page one."""
        position = cursor_position(cursor, self.name)
        if position is None:
            return None
        value, last_id = _cursor_value(self.kind, position[0]), position[1]
        row = tuple_(self.expression, id_column)
        return row < (value, last_id) if self.descending else row > (value, last_id)

    def cursor(self, value: Any, last_id: int) -> str:
        """The cursor after a row whose sort value is ``value``."""
        text = value.isoformat() if isinstance(value, date | datetime) else str(value)
        return encode_cursor({"sort": self.name, "value": text, "id": last_id})


def _cursor_value(kind: CursorValueKind, value: Any) -> Any:
    if not isinstance(value, str):
        raise BadRequest("cursor is not valid")
    try:
        if kind == "int":
            number = int(value)
            if abs(number) > MAX_ID:  # beyond an integer column: a 400, not a driver error
                raise ValueError("out of range")
            return number
        if kind == "instant":
            instant = datetime.fromisoformat(value)
            if instant.tzinfo is None:
                raise ValueError("naive instant")
            return instant
        if kind == "day":
            return date.fromisoformat(value)
    except ValueError as exc:
        raise BadRequest("cursor is not valid") from exc
    return value


def decision_queue_page(
    model: type[T],
    id_column: Any,
    state_column: Any,
    visible: ColumnElement[bool],
    decidable: ColumnElement[bool],
    *,
    state: StrEnum | None,
    for_me: bool,
    before_id: int | None,
    limit: int,
) -> SelectOfScalar[T]:
    """A page, newest first, of requests someone decides (approvals, ownership disputes):
    those ``visible`` to the caller, in ``state`` when given, only those the caller may
    decide (``decidable``) when ``for_me``, before the cursor's id."""
    query = select(model).where(visible).order_by(col(id_column).desc()).limit(limit)
    if state is not None:
        query = query.where(col(state_column) == state.value)
    if for_me:
        query = query.where(decidable)
    if before_id is not None:
        query = query.where(col(id_column) < before_id)
    return query
