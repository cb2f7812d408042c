"""Every query on bonus bases and rewards/penalties."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import func
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.access import KpiScope
from services.kpi.audit.models import KpiAuditEntry
from services.kpi.bonus.models import BonusBase, RewardPenalty


class BonusRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def set_base(self, row: BonusBase) -> BonusBase:
        """Insert the base, or replace the amount of the period's base for the same target."""
        table = BonusBase.__table__  # type: ignore[attr-defined]
        values = row.model_dump(exclude={"id", "created_at"})
        target = "position_code" if row.position_code is not None else "employee_id"
        statement = insert(table).values(values)
        upsert = statement.on_conflict_do_update(
            index_elements=[table.c.period, table.c[target]],
            index_where=table.c[target].is_not(None),
            set_={"amount": statement.excluded.amount, "currency": statement.excluded.currency,
                  "set_by": statement.excluded.set_by, "created_at": func.now()},
        ).returning(table.c.id)  # fmt: skip
        base_id = (await self.session.exec(upsert)).one()[0]
        stored = await self.session.get(BonusBase, base_id, populate_existing=True)
        assert stored is not None
        return stored

    async def bases(self, period: str, scope: KpiScope) -> Sequence[BonusBase]:
        """The period's bases: every position's, and the persons' in scope."""
        query = select(BonusBase).where(col(BonusBase.period) == period)
        person = scope.employee_filter(col(BonusBase.employee_id))
        if person is not None:
            query = query.where(col(BonusBase.employee_id).is_(None) | person)
        result = await self.session.exec(query.order_by(col(BonusBase.id)))
        return result.all()

    async def add_adjustment(self, row: RewardPenalty) -> RewardPenalty:
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row

    async def adjustment(
        self, adjustment_id: int, *, for_update: bool = False
    ) -> RewardPenalty | None:
        query = select(RewardPenalty).where(col(RewardPenalty.id) == adjustment_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def adjustments(self, cycle_id: int, scope: KpiScope) -> Sequence[RewardPenalty]:
        query = select(RewardPenalty).where(col(RewardPenalty.cycle_id) == cycle_id)
        person = scope.employee_filter(col(RewardPenalty.employee_id))
        if person is not None:
            query = query.where(person)
        result = await self.session.exec(query.order_by(col(RewardPenalty.id)))
        return result.all()

    async def approved_adjustments(self, cycle_id: int) -> list[tuple[int, str, Decimal, str]]:
        """``(employee_id, kind, amount, currency)`` of the cycle's approved records."""
        result = await self.session.exec(
            select(
                col(RewardPenalty.employee_id), col(RewardPenalty.kind),
                col(RewardPenalty.amount), col(RewardPenalty.currency),
            ).where(col(RewardPenalty.cycle_id) == cycle_id, col(RewardPenalty.state) == "approved")
        )  # fmt: skip
        return [(row[0], row[1], row[2], row[3]) for row in result.all()]

    async def save(self, row: RewardPenalty) -> RewardPenalty:
        row.version += 1
        self.session.add(row)
        await self.session.flush()
        await self.session.refresh(row)
        return row

    async def now(self) -> object:
        return await self.session.scalar(select(func.now()))

    async def add_audit_entry(self, entry: KpiAuditEntry) -> None:
        self.session.add(entry)
        await self.session.flush()
