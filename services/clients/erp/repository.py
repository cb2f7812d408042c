"""Every query of the ERP pull sync, of the reconciliation report, and the ERP's
references to our records (contract numbers) that ingest resolves."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import delete, func, text
from sqlalchemy import select as select_columns
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.contracts.models import Contract
from services.clients.erp.models import ErpSyncRun, ErpSyncState
from services.clients.receivables.models import Invoice, Payment

ERP_SYNC_LOCK = 0x6572705F73796E63  # "erp_sync": one replica starts a round at a time
STATE_ID = 1


@dataclass(frozen=True)
class OurDocument:
    """An invoice or payment as we hold it, reduced to what reconciliation compares."""

    reference: str
    account_ref: str | None
    amount: Decimal
    currency: str
    status: str


class ErpSyncRepository:
    """Queries of the sync's state and runs, bound to one session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def try_lock(self) -> bool:
        """The round's advisory lock (until the transaction ends); False when taken."""
        statement = text("SELECT pg_try_advisory_xact_lock(:k)")
        return bool((await self.session.execute(statement, {"k": ERP_SYNC_LOCK})).scalar_one())

    async def state(self, *, for_update: bool = False) -> ErpSyncState:
        query = select(ErpSyncState).where(col(ErpSyncState.id) == STATE_ID)
        if for_update:
            query = query.with_for_update()
        found = (await self.session.exec(query.execution_options(populate_existing=True))).first()
        if found is None:  # the migration creates it; recreate it if someone deleted it
            found = ErpSyncState(id=STATE_ID, consecutive_failures=0)
            self.session.add(found)
            await self.session.flush()
        return found

    async def save(self, record: ErpSyncState | ErpSyncRun) -> None:
        self.session.add(record)
        await self.session.flush()

    async def prune_runs(self, keep: int) -> None:
        """Keep the newest ``keep`` rounds."""
        newest = select(col(ErpSyncRun.id)).order_by(col(ErpSyncRun.id).desc()).limit(keep)
        await self.session.execute(
            delete(ErpSyncRun).where(col(ErpSyncRun.id).not_in(newest.scalar_subquery()))
        )

    async def recent_runs(self, limit: int) -> Sequence[ErpSyncRun]:
        query = select(ErpSyncRun).order_by(col(ErpSyncRun.id).desc()).limit(limit)
        return (await self.session.exec(query)).all()

    # ------------------------------------------------------------------ reconciliation

    async def our_invoices(self) -> list[OurDocument]:
        query = select_columns(
            col(Invoice.erp_document_no), col(Account.credit_code), col(Invoice.amount),
            col(Invoice.currency), col(Invoice.status),
        ).join(Account, col(Account.id) == col(Invoice.account_id))  # fmt: skip
        rows = (await self.session.execute(query)).all()
        return [OurDocument(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def our_payments(self) -> list[OurDocument]:
        query = select_columns(
            col(Payment.erp_ref), col(Account.credit_code), col(Payment.amount),
            col(Payment.currency), col(Payment.status),
        ).join(Account, col(Account.id) == col(Payment.account_id))  # fmt: skip
        # Write-offs are our bookings against lines, not payments the ERP could know.
        query = query.where(col(Payment.source) != "write_off")
        rows = (await self.session.execute(query)).all()
        return [OurDocument(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    async def count_runs(self) -> int:
        return int((await self.session.exec(select(func.count()).select_from(ErpSyncRun))).one())


class ErpReferences:
    """Our records the ERP names by its own keys."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def contract_id(self, account_id: int, number: str) -> int | None:
        query = select(Contract.id).where(
            col(Contract.account_id) == account_id, col(Contract.number) == number
        )
        return (await self.session.exec(query)).first()
