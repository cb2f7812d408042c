"""Cursor pagination: ``{"items": [...], "next_cursor": ...}`` with a hard page-size cap."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Path, Query
from pydantic import BaseModel, Field

from shared.errors import BadRequest

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next_cursor`` is null on the last page."""

    items: list[T]
    next_cursor: str | None = Field(default=None, examples=["eyJpZCI6IDQyfQ"])
    total: int | None = Field(
        default=None,
        description="Rows matching the filters in the caller's scope, on every page, when "
        "the list was asked `with_total=true` (null otherwise: counting costs a query).",
        examples=[None],
    )


def encode_cursor(position: dict[str, Any]) -> str:
    """An opaque cursor for a keyset position (the sort key values of the last row)."""
    raw = json.dumps(position, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


MAX_ID = 2_147_483_647
"""The largest key a table holds (``integer``); ids and numbers in cursors are bounded by it."""
MAX_CURSOR_TEXT = 512


def decode_cursor(cursor: str) -> dict[str, Any]:
    """The keyset position inside a cursor; a tampered cursor is a 400, not a 500.

    A position is what :func:`encode_cursor` writes: an object of keys of the last row, each
    a positive integer up to :data:`MAX_ID` (an id, a number) or a short text (a sort value)
    without NUL, or null. Anything else was not made here and never reaches a query.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise BadRequest("cursor is not valid") from exc
    if not isinstance(value, dict) or not all(_key_value(item) for item in value.values()):
        raise BadRequest("cursor is not valid")
    return value


def _key_value(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return len(value) <= MAX_CURSOR_TEXT and "\x00" not in value
    return type(value) is int and 1 <= value <= MAX_ID


def cursor_key(cursor: str | None, key: str = "id") -> int | None:
    """The integer ``key`` (an id, a version number) of the last row of the previous page,
    or None on the first page; a cursor without it is a 400."""
    if cursor is None:
        return None
    value = decode_cursor(cursor).get(key)
    if type(value) is not int:
        raise BadRequest("cursor is not valid")
    return value


PageSize = Annotated[
    int, Query(ge=1, le=MAX_PAGE_SIZE, description="Items per page (at most 200).")
]
Cursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]


RecordId = Annotated[int, Field(ge=1, le=2_147_483_647)]
"""An id as an item of a list filter (``?owner_id=5&owner_id=7``): bounded like a key, so
a huge number is a 422, not a 500 from the database driver."""
WithTotal = Annotated[
    bool,
    Query(description="Also count the rows matching the filters (`total` in the page)."),
]
MAX_IDS_PER_LIST = 100
IdsFilter = Annotated[
    list[RecordId] | None,
    Query(
        alias="id",
        max_length=MAX_IDS_PER_LIST,
        description="Only these records (repeat: `?id=1&id=2`, at most 100).",
    ),
]


IdPath = Annotated[int, Path(ge=1, le=2_147_483_647, description="The record's id.")]


def keyset_page(items: list[T], limit: int, key: str = "id") -> Page[T]:
    """A page whose cursor is the ``key`` of its last item, when the page is full."""
    full = len(items) == limit and bool(items)
    cursor = encode_cursor({"id": getattr(items[-1], key)}) if full else None
    return Page[T](items=items, next_cursor=cursor)
