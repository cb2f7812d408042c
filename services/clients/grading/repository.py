"""Every query of grading: the grade history and the contract value grades are based on."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import case, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.contracts.models import Contract
from services.clients.db import Repository
from services.clients.grading.models import GradeChange
from services.clients.receivables.models import Invoice, InvoiceLine


class GradingRepository(Repository):
    """Queries for grading, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add_change(self, change: GradeChange) -> None:
        self.session.add(change)

    async def history(
        self, account_id: int, *, before_id: int | None, limit: int
    ) -> Sequence[GradeChange]:
        """Newest first."""
        return await self.account_history(GradeChange, account_id, before_id=before_id, limit=limit)

    async def signed_contract_values(
        self, account_ids: Collection[int], start: date, end: date
    ) -> dict[int, Decimal]:
        """Signed contract value (base currency) per account with a signing date in
        ``[start, end]``, counted as credit exposure counts contracts: a signed (or
        expired) contract with its ``amount_base``; a terminated one only with the base
        value of the live invoices linked to it, at most its own (the uninvoiced rest left
        with the termination). Every requested id is in the result, 0 when it has none."""
        values = dict.fromkeys(account_ids, Decimal("0"))
        if not values:
            return values
        invoiced = (
            select(func.coalesce(func.sum(col(Invoice.amount_base)), 0))
            .where(
                col(Invoice.contract_id) == col(Contract.id),
                col(Invoice.status) != "cancelled",
            )
            .scalar_subquery()
        )
        counted = case(
            (
                col(Contract.status) == "terminated",
                func.least(col(Contract.amount_base), invoiced),
            ),
            else_=col(Contract.amount_base),
        )
        result = await self.session.exec(
            select(col(Contract.account_id), func.sum(counted))
            .where(
                col(Contract.account_id).in_(list(values)),
                col(Contract.status) != "draft",
                col(Contract.signed_on) >= start,
                col(Contract.signed_on) <= end,
            )
            .group_by(col(Contract.account_id))
        )
        for account_id, total in result.all():
            values[account_id] = Decimal(total or 0)
        return values

    async def oldest_open_due_dates(self, account_ids: Collection[int]) -> dict[int, date]:
        """The earliest due date of a line still open (not fully paid) on a live invoice,
        per account: one grouped query; accounts with nothing open are absent."""
        if not account_ids:
            return {}
        result = await self.session.exec(
            select(col(Invoice.account_id), func.min(col(InvoiceLine.due_date)))
            .join(Invoice, col(Invoice.id) == col(InvoiceLine.invoice_id))
            .where(
                col(Invoice.account_id).in_(list(account_ids)),
                col(Invoice.status) != "cancelled",
                col(InvoiceLine.paid_amount) < col(InvoiceLine.amount),
            )
            .group_by(col(Invoice.account_id))
        )
        return {account_id: due for account_id, due in result.all() if due is not None}
