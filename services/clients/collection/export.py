"""The collection task list as a streamed CSV file (by id, as the list). No HTTP here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.collection.models import CollectionTask
from services.clients.collection.repository import CollectionRepository, TaskQuery
from services.clients.csv_export import csv_stream
from shared.sheet_language import SheetLanguage

EXPORT_COLUMNS = (
    "id", "account_id", "invoice_id", "invoice_line_id", "line_no", "line_due_date",
    "open_amount", "currency", "level", "channel", "days_overdue", "escalated_to",
    "triggered_on", "due_on", "owner_id", "status", "closed_at", "done_by", "note",
)  # fmt: skip


def export_stream(
    factory: async_sessionmaker[AsyncSession],
    filters: TaskQuery,
    owner_ids: Collection[int] | None,
    lang: SheetLanguage,
) -> AsyncIterator[bytes]:
    """The collection tasks of a list, as CSV."""

    async def fetch(
        session: AsyncSession, after_id: int | None, limit: int
    ) -> Sequence[CollectionTask]:
        return await CollectionRepository(session).tasks(
            filters, owner_ids=owner_ids, after_id=after_id, limit=limit
        )

    return csv_stream(factory, EXPORT_COLUMNS, fetch, lang=lang)
