"""The ticket list as a streamed CSV file (newest first, as the list). No HTTP here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.csv_export import csv_stream
from services.clients.dependencies import build_tickets
from services.clients.settings import ClientsSettings
from services.clients.tickets.schemas import TicketQuery, TicketRead
from shared.sheet_language import SheetLanguage

EXPORT_COLUMNS = (
    "id", "account_id", "kind", "category", "severity", "channel", "title", "status",
    "owner_id", "handler_id", "grade_at_open", "opened_at", "first_response_at", "respond_by",
    "resolve_by", "resolved_at", "closed_at", "reopen_count", "response_breached",
    "resolution_breached", "breached", "escalated_to", "escalated_at", "satisfaction_score",
)  # fmt: skip


def export_cells(ticket: TicketRead) -> list[Any]:
    data = ticket.model_dump(mode="json")
    return [data[column] for column in EXPORT_COLUMNS]


def export_stream(
    factory: async_sessionmaker[AsyncSession],
    settings: ClientsSettings,
    filters: TicketQuery,
    owner_ids: Collection[int] | None,
    lang: SheetLanguage,
) -> AsyncIterator[bytes]:
    """The tickets of a list, as CSV, with ``breached`` read live like the list."""

    async def fetch(session: AsyncSession, before_id: int | None, limit: int) -> Sequence[Any]:
        service = build_tickets(session, settings)
        return await service.search(filters, owner_ids, before_id=before_id, limit=limit)

    return csv_stream(factory, EXPORT_COLUMNS, fetch, export_cells, lang)
