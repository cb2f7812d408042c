"""The survey list as a streamed CSV file. No HTTP here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.csv_export import csv_stream
from services.clients.surveys.repository import SurveyRepository
from services.clients.surveys.schemas import SurveyQuery
from shared.sheet_language import SheetLanguage

EXPORT_COLUMNS = (
    "id", "account_id", "period", "score", "surveyed_on", "respondent_contact_id", "channel",
    "comments", "owner_id", "created_by", "created_at", "updated_at",
)  # fmt: skip


def export_stream(
    factory: async_sessionmaker[AsyncSession],
    filters: SurveyQuery,
    owner_ids: Collection[int] | None,
    lang: SheetLanguage,
) -> AsyncIterator[bytes]:
    """The surveys of a list, as CSV."""

    async def fetch(session: AsyncSession, after_id: int | None, limit: int) -> Sequence[Any]:
        return await SurveyRepository(session).list(
            filters, owner_ids=owner_ids, after_id=after_id, limit=limit
        )

    return csv_stream(factory, EXPORT_COLUMNS, fetch, lang=lang)
