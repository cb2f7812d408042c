"""Streaming CSV exports of the clients service's lists (visits, tickets, contracts …).

A streamed body is produced after the request's session has closed, so each export reads
with its own session from the app's session factory, batch by batch: ``fetch`` gets the
last row's id of the previous batch (None first) and pages on it in the list's own order.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.spreadsheet import CSV_MEDIA_TYPE, csv_chunk

EXPORT_BATCH = 500
Fetch = Callable[[AsyncSession, int | None, int], Awaitable[Sequence[Any]]]
"""Reads one batch: ``(session, last id of the previous batch or None, batch size)``."""
Cells = Callable[[Any], Sequence[Any]]

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The CSV file.",
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
    }
}


def csv_cell(value: Any) -> Any:
    """One value as a CSV cell: lists joined with ';', dates in ISO form, None empty;
    amounts stay numbers (``csv_chunk`` neutralises text that would start a formula)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(csv_cell(item)) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def attribute_cells(columns: Sequence[str]) -> Cells:
    """Cells of a row read as the attributes named by ``columns``."""
    return lambda row: [getattr(row, column) for column in columns]


async def csv_stream(
    factory: async_sessionmaker[AsyncSession],
    columns: Sequence[str],
    fetch: Fetch,
    cells: Cells | None = None,
) -> AsyncIterator[bytes]:
    """The CSV file (UTF-8 with BOM so Excel reads the Chinese), chunk by chunk.

    Each row becomes ``cells(row)``; by default the attributes named by ``columns``.
    """
    to_cells = cells or attribute_cells(columns)
    yield "\ufeff".encode() + csv_chunk([columns])
    async with factory() as session:
        last_id: int | None = None
        while True:
            rows = await fetch(session, last_id, EXPORT_BATCH)
            if not rows:
                return
            yield csv_chunk([[csv_cell(cell) for cell in to_cells(row)] for row in rows])
            if len(rows) < EXPORT_BATCH:
                return
            last_id = rows[-1].id
