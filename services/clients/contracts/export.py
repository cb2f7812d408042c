"""The contract list as a streamed CSV file. No HTTP here."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection, Sequence
from datetime import date
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.contracts.models import Contract
from services.clients.contracts.repository import ContractRepository
from services.clients.contracts.rules import shown_status
from services.clients.contracts.schemas import ContractQuery
from services.clients.csv_export import csv_stream
from shared.sheet_language import SheetLanguage

EXPORT_COLUMNS = (
    "id", "account_id", "number", "title", "amount", "currency", "amount_base",
    "base_currency", "signed_on", "start_date", "end_date", "status", "renewal_of_id",
    "owner_id", "signed_by", "terminated_on", "termination_reason", "created_at", "updated_at",
)  # fmt: skip


def export_cells(contract: Contract, today: date) -> list[Any]:
    """One contract as cells, in ``EXPORT_COLUMNS`` order, with the status as shown."""
    values: dict[str, Any] = {
        **contract.model_dump(),
        "status": shown_status(contract.status, contract.end_date, today).value,
    }
    return [values.get(column) for column in EXPORT_COLUMNS]


def export_stream(
    factory: async_sessionmaker[AsyncSession],
    filters: ContractQuery,
    owner_ids: Collection[int] | None,
    today: Callable[[], date],
    lang: SheetLanguage,
) -> AsyncIterator[bytes]:
    """The contracts of a list, as CSV (expiry read as of the export's day)."""
    day = today()

    async def fetch(session: AsyncSession, after_id: int | None, limit: int) -> Sequence[Any]:
        return await ContractRepository(session).list(
            filters, owner_ids=owner_ids, today=day, after_id=after_id, limit=limit
        )

    return csv_stream(factory, EXPORT_COLUMNS, fetch, lambda row: export_cells(row, day), lang)
