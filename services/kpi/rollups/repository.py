"""Every roll-up query: aggregates computed by PostgreSQL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, case, cast, func
from sqlalchemy import select as core_select
from sqlalchemy.sql.expression import Executable
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.access import KpiScope
from services.kpi.appraisals.models import Appraisal, AppraisalItem
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.org.models import OrgEmployee


def _t(model: Any) -> Any:
    return model.__table__


def _in_scope(query: Any, scope: KpiScope, appraisals: Any) -> Any:
    """Only appraisals of employees in the caller's scope count."""
    condition = scope.employee_filter(appraisals.c.employee_id)
    return query if condition is None else query.where(condition)


class RollupRepository:
    """Aggregates over appraisals of one cycle or many."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def employee_names(self, employee_ids: list[int]) -> dict[int, str]:
        """Names from the org copy (a team is named after its manager); one query."""
        if not employee_ids:
            return {}
        employees = _t(OrgEmployee)
        result = await self.session.execute(
            core_select(employees.c.employee_id, employees.c.name).where(
                employees.c.employee_id.in_(employee_ids)
            )
        )
        return {int(employee_id): str(name) for employee_id, name in result.all()}

    async def _core(self, statement: Executable) -> Any:
        # Core statements run on the session's connection (same transaction).
        connection = await self.session.connection()
        return await connection.execute(statement)

    async def grade_counts(
        self, cycle_id: int, group_column: str, scope: KpiScope
    ) -> list[tuple[int | None, str | None, int, Decimal | None]]:
        """``(group, final grade, count, sum of final scores)`` per group and grade."""
        table = _t(Appraisal)
        group = table.c[group_column]
        query = (
            core_select(group, table.c.final_grade, func.count(), func.sum(table.c.final_score))
            .where(table.c.cycle_id == cycle_id)
            .group_by(group, table.c.final_grade)
        )
        result = await self._core(_in_scope(query, scope, table))
        return [(row[0], row[1], row[2], row[3]) for row in result.all()]

    async def attainment(
        self, cycle_id: int, group_column: str, scope: KpiScope
    ) -> list[tuple[int | None, int, int, Decimal | None, Decimal | None]]:
        """``(group, indicator, items, mean attainment %, mean item score)`` of scored items.

        Attainment follows the frozen rule's direction: actual/target for higher-is-better,
        target/actual for lower-is-better; items without a usable ratio are left out of it.
        """
        appraisals, items = _t(Appraisal), _t(AppraisalItem)
        lower = items.c.scoring_rule["direction"].astext == "lower_is_better"
        ratio = case(
            (lower, items.c.target / func.nullif(items.c.actual, 0) * 100),
            else_=items.c.actual / func.nullif(items.c.target, 0) * 100,
        )
        group = appraisals.c[group_column]
        query = (
            core_select(
                group,
                items.c.indicator_id,
                func.count(),
                func.round(cast(func.avg(ratio), Numeric), 2),
                func.round(cast(func.avg(items.c.score), Numeric), 2),
            )
            .join(appraisals, appraisals.c.id == items.c.appraisal_id)
            .where(
                appraisals.c.cycle_id == cycle_id,
                items.c.indicator_id.is_not(None),
                items.c.score.is_not(None),
            )
            .group_by(group, items.c.indicator_id)
            .order_by(group, items.c.indicator_id)
        )
        result = await self._core(_in_scope(query, scope, appraisals))
        return [(r[0], r[1], r[2], r[3], r[4]) for r in result.all()]

    async def trend(
        self, period_kind: str, department_id: int | None, limit: int, scope: KpiScope
    ) -> list[tuple[int, str, str | None, int, Decimal | None]]:
        """``(cycle, period, grade, count, sum of final scores)`` of the latest cycles."""
        cycles, appraisals = _t(AppraisalCycle), _t(Appraisal)
        latest = (
            core_select(cycles.c.id)
            .where(cycles.c.period_kind == period_kind)
            .order_by(cycles.c.period.desc(), cycles.c.id.desc())
            .limit(limit)
            .subquery()
        )
        query = (
            core_select(
                cycles.c.id, cycles.c.period, appraisals.c.final_grade,
                func.count(appraisals.c.id), func.sum(appraisals.c.final_score),
            )
            .join(appraisals, appraisals.c.cycle_id == cycles.c.id)
            .where(cycles.c.id.in_(core_select(latest.c.id)))
            .group_by(cycles.c.id, cycles.c.period, appraisals.c.final_grade)
            .order_by(cycles.c.period, cycles.c.id)
        )  # fmt: skip
        if department_id is not None:
            query = query.where(appraisals.c.department_id == department_id)
        result = await self._core(_in_scope(query, scope, appraisals))
        return [(r[0], r[1], r[2], r[3], r[4]) for r in result.all()]

    async def export_rows(self, cycle_id: int, scope: KpiScope) -> list[dict[str, Any]]:
        """One row per appraisal in scope with the employee's number and name and the
        manager's name (org copy)."""
        appraisals, employees = _t(Appraisal), _t(OrgEmployee)
        managers = employees.alias("managers")
        query = (
            core_select(
                appraisals.c.employee_id, employees.c.employee_no, employees.c.name,
                appraisals.c.department_id, appraisals.c.manager_id, appraisals.c.position_code,
                appraisals.c.state, appraisals.c.score, appraisals.c.final_score,
                appraisals.c.final_grade, managers.c.name.label("manager_name"),
            )
            .outerjoin(employees, employees.c.employee_id == appraisals.c.employee_id)
            .outerjoin(managers, managers.c.employee_id == appraisals.c.manager_id)
            .where(appraisals.c.cycle_id == cycle_id)
            .order_by(appraisals.c.department_id, appraisals.c.employee_id)
        )  # fmt: skip
        result = await self._core(_in_scope(query, scope, appraisals))
        return [dict(row._mapping) for row in result.all()]
