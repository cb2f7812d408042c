"""Every query on appraisals, their items, actual snapshots and decisions."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

import sqlalchemy
from sqlalchemy import and_, case, func, insert, literal, update
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.sql.expression import Executable
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.kpi.access import KpiScope
from services.kpi.appraisals.models import ActualSnapshot, Appraisal, AppraisalEvent, AppraisalItem
from services.kpi.audit.models import KpiAuditEntry
from services.kpi.cycles.models import AppraisalCycle
from services.kpi.inbox.rules import AppraisalTarget
from services.kpi.indicators.models import Indicator
from services.kpi.org.models import OrgEmployee
from services.kpi.targets.models import TargetNode, TargetPlan
from services.kpi.templates.models import AppraisalTemplate, TemplateItem

ACTIVE = "active"


def _t(model: Any) -> Any:
    return model.__table__


class AppraisalRepository:
    """Queries on the appraisal tables; bulk work is one statement each."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _core(self, statement: Executable) -> Any:
        # Wide Core statements run on the session's connection (same transaction).
        connection = await self.session.connection()
        return await connection.execute(statement)

    # --- creation in bulk ------------------------------------------------------------------

    async def create_for_cycle(
        self,
        cycle_id: int,
        template_ids: Collection[int],
        department_ids: Collection[int] | None,
        position_codes: Collection[str] | None,
    ) -> int:
        """One appraisal per active employee whose position has a template in the cycle.

        A single INSERT … SELECT from the org copy; returns how many were created.
        """
        employees, templates = _t(OrgEmployee), _t(AppraisalTemplate)
        source = (
            core_select(
                literal(cycle_id), employees.c.employee_id, templates.c.id,
                employees.c.department_id, employees.c.manager_id, employees.c.position_code,
                literal("pending_self"), literal(1),
            )
            .join(templates, templates.c.position_code == employees.c.position_code)
            .where(templates.c.id.in_(list(template_ids)), employees.c.status == ACTIVE)
        )  # fmt: skip
        if department_ids:
            source = source.where(employees.c.department_id.in_(list(department_ids)))
        if position_codes:
            source = source.where(employees.c.position_code.in_(list(position_codes)))
        columns = ["cycle_id", "employee_id", "template_id", "department_id", "manager_id",
                   "position_code", "state", "version"]  # fmt: skip
        statement = insert(_t(Appraisal)).from_select(columns, source).returning(_t(Appraisal).c.id)
        result = await self._core(statement)
        return len(result.all())

    async def create_items_for_cycle(
        self, cycle_id: int, year: int, first_month: int, last_month: int
    ) -> None:
        """Copy every template item onto each appraisal of the cycle in one INSERT … SELECT.

        The target is the template's absolute one, or the sum of the employee's month
        targets of the period from the target plans ("from decomposition"); the indicator's
        rule is frozen with its direction.
        """
        appraisals, items, indicators = _t(Appraisal), _t(TemplateItem), _t(Indicator)
        nodes, plans = _t(TargetNode), _t(TargetPlan)
        decomposed = (
            select(func.sum(nodes.c.amount))
            .join(plans, plans.c.id == nodes.c.plan_id)
            .where(
                plans.c.indicator_id == items.c.indicator_id,
                plans.c.year == year,
                nodes.c.level == "month",
                nodes.c.employee_id == appraisals.c.employee_id,
                nodes.c.month.between(first_month, last_month),
            )
            .scalar_subquery()
        )
        target = case(
            (items.c.target_mode == "absolute", items.c.target),
            (items.c.target_mode == "decomposition", decomposed),
            else_=None,
        )
        rule = case(
            (
                indicators.c.id.is_not(None),
                indicators.c.scoring_rule.op("||")(
                    func.jsonb_build_object("direction", indicators.c.direction)
                ),
            ),
            else_=None,
        )
        source = (
            core_select(
                appraisals.c.id, items.c.id, items.c.position, items.c.key, items.c.title,
                items.c.kind, items.c.indicator_id, items.c.weight, target, rule,
                items.c.rating_scale,
            )
            .join(items, items.c.template_id == appraisals.c.template_id)
            .outerjoin(indicators, indicators.c.id == items.c.indicator_id)
            .where(appraisals.c.cycle_id == cycle_id)
        )  # fmt: skip
        columns = ["appraisal_id", "template_item_id", "position", "key", "title", "kind",
                   "indicator_id", "weight", "target", "scoring_rule", "rating_scale"]  # fmt: skip
        await self._core(insert(_t(AppraisalItem)).from_select(columns, source))

    # --- reads ----------------------------------------------------------------------------

    async def get(
        self,
        appraisal_id: int,
        *,
        for_update: bool = False,
        scope: KpiScope,
    ) -> Appraisal | None:
        query = select(Appraisal).where(col(Appraisal.id) == appraisal_id)
        if (in_scope := scope.employee_filter(col(Appraisal.employee_id))) is not None:
            query = query.where(in_scope)
        if for_update:
            query = query.with_for_update()
        result = await self.session.exec(query.execution_options(populate_existing=True))
        return result.first()

    async def items(self, appraisal_id: int) -> Sequence[AppraisalItem]:
        result = await self.session.exec(
            select(AppraisalItem)
            .where(col(AppraisalItem.appraisal_id) == appraisal_id)
            .order_by(col(AppraisalItem.position))
            .execution_options(populate_existing=True)
        )
        return result.all()

    async def latest_snapshots(self, item_ids: Collection[int]) -> dict[int, ActualSnapshot]:
        if not item_ids:
            return {}
        result = await self.session.exec(
            select(ActualSnapshot)
            .where(col(ActualSnapshot.appraisal_item_id).in_(list(item_ids)))
            .order_by(col(ActualSnapshot.appraisal_item_id), col(ActualSnapshot.id).desc())
            .ext(distinct_on(col(ActualSnapshot.appraisal_item_id)))
        )
        return {row.appraisal_item_id: row for row in result.all()}

    async def snapshots(self, item_id: int) -> Sequence[ActualSnapshot]:
        result = await self.session.exec(
            select(ActualSnapshot)
            .where(col(ActualSnapshot.appraisal_item_id) == item_id)
            .order_by(col(ActualSnapshot.id))
        )
        return result.all()

    async def events(self, appraisal_id: int) -> Sequence[AppraisalEvent]:
        result = await self.session.exec(
            select(AppraisalEvent)
            .where(col(AppraisalEvent.appraisal_id) == appraisal_id)
            .order_by(col(AppraisalEvent.id))
        )
        return result.all()

    async def list_page(self, **filters: Any) -> Sequence[Appraisal]:
        """A page of appraisals (filters as :meth:`named_page`)."""
        return [row[0] for row in await self.named_page(**filters)]

    async def named_page(
        self,
        *,
        cycle_id: int | None,
        state: str | None,
        employee_id: int | None,
        department_id: int | None,
        after_id: int | None,
        limit: int,
        scope: KpiScope,
    ) -> Sequence[Any]:
        """Rows of (appraisal, cycle name, employee name): one joined query per page."""
        query = (
            sqlalchemy.select(Appraisal, col(AppraisalCycle.name), col(OrgEmployee.name))
            .outerjoin(AppraisalCycle, col(AppraisalCycle.id) == col(Appraisal.cycle_id))
            .outerjoin(OrgEmployee, col(OrgEmployee.employee_id) == col(Appraisal.employee_id))
            .order_by(col(Appraisal.id))
            .limit(limit)
        )
        if (in_scope := scope.employee_filter(col(Appraisal.employee_id))) is not None:
            query = query.where(in_scope)
        for column, value in (
            (Appraisal.cycle_id, cycle_id),
            (Appraisal.state, state),
            (Appraisal.employee_id, employee_id),
            (Appraisal.department_id, department_id),
        ):
            if value is not None:
                query = query.where(col(column) == value)
        if after_id is not None:
            query = query.where(col(Appraisal.id) > after_id)
        result = await self.session.execute(query)  # rows of several columns
        return result.all()

    async def states(self, cycle_id: int) -> dict[int, str]:
        """Each appraisal's state in a cycle, keyed by employee id."""
        result = await self.session.exec(
            select(_t(Appraisal).c.employee_id, _t(Appraisal).c.state).where(
                _t(Appraisal).c.cycle_id == cycle_id
            )
        )
        return {row[0]: row[1] for row in result.all()}

    async def graded(self, cycle_id: int) -> list[tuple[int | None, str, str | None]]:
        """``(department_id, state, final grade)`` of every appraisal in the cycle."""
        table = _t(Appraisal)
        result = await self.session.exec(
            select(table.c.department_id, table.c.state, table.c.final_grade).where(
                table.c.cycle_id == cycle_id
            )
        )
        return [(row[0], row[1], row[2]) for row in result.all()]

    async def department_final_grades(
        self, cycle_id: int, department_id: int | None, *, except_id: int
    ) -> list[str]:
        """Final grades of the department's reviewed appraisals in the cycle, but one."""
        table = _t(Appraisal)
        department = (
            table.c.department_id.is_(None)
            if department_id is None
            else table.c.department_id == department_id
        )
        result = await self.session.exec(
            select(table.c.final_grade).where(
                table.c.cycle_id == cycle_id,
                department,
                table.c.id != except_id,
                table.c.final_grade.is_not(None),
                table.c.state.not_in(["pending_self", "pending_manager"]),
            )
        )
        return [row[0] for row in result.all()]

    async def work_targets(
        self,
        *,
        cycle_id: int | None = None,
        states: Collection[str] | None = None,
        ids: Collection[int] | None = None,
    ) -> list[AppraisalTarget]:
        """The appraisals the inbox items are about, with the person's name and reviewer
        (his manager in the org copy now, as the manager review checks)."""
        table, employees = _t(Appraisal), _t(OrgEmployee)
        query = (
            core_select(
                table.c.id, table.c.employee_id, employees.c.name, employees.c.manager_id,
                table.c.final_grade,
            )
            .outerjoin(employees, employees.c.employee_id == table.c.employee_id)
            .order_by(table.c.id)
        )  # fmt: skip
        if cycle_id is not None:
            query = query.where(table.c.cycle_id == cycle_id)
        if states is not None:
            query = query.where(table.c.state.in_(list(states)))
        if ids is not None:
            query = query.where(table.c.id.in_(list(ids)))
        rows = (await self._core(query)).all()
        return [
            AppraisalTarget(
                appraisal_id=row[0], employee_id=row[1], employee_name=row[2] or f"#{row[1]}",
                reviewer_id=row[3], final_grade=row[4],
            )
            for row in rows
        ]  # fmt: skip

    # --- writes ---------------------------------------------------------------------------

    async def save(self, appraisal: Appraisal) -> Appraisal:
        """Write a changed appraisal with the next version (its ETag)."""
        appraisal.version += 1
        self.session.add(appraisal)
        await self.session.flush()
        await self.session.refresh(appraisal)
        return appraisal

    async def save_items(self, items: Sequence[AppraisalItem]) -> None:
        for item in items:
            self.session.add(item)
        await self.session.flush()

    async def add_snapshots(self, rows: Sequence[dict[str, Any]]) -> None:
        """Record actual values (one executemany) — the manual path and, later, collection."""
        if rows:
            await self.session.exec(insert(ActualSnapshot), params=list(rows))

    async def indicator_kind(self, indicator_id: int | None) -> str | None:
        """The library kind (``automatic`` / ``manual``) of an item's indicator."""
        if indicator_id is None:
            return None
        indicator = await self.session.get(Indicator, indicator_id)
        return indicator.kind if indicator is not None else None

    async def add_audit_entry(self, entry: KpiAuditEntry) -> None:
        self.session.add(entry)
        await self.session.flush()

    async def add_event(self, appraisal_id: int, action: str, **fields: Any) -> None:
        self.session.add(AppraisalEvent(appraisal_id=appraisal_id, action=action, **fields))
        await self.session.flush()

    async def lock_department(
        self, cycle_id: int, department_id: int | None, actor_employee_id: int
    ) -> list[int]:
        """Move the department's calibrated-pending appraisals to ``calibrated``, logged;
        the ids of those moved."""
        table = _t(Appraisal)
        department = (
            table.c.department_id.is_(None)
            if department_id is None
            else table.c.department_id == department_id
        )
        result = await self.session.exec(
            update(table)
            .where(
                and_(
                    table.c.cycle_id == cycle_id, department, table.c.state == "pending_calibration"
                )
            )
            .values(state="calibrated", version=table.c.version + 1, updated_at=func.now())
            .returning(table.c.id)
        )
        ids = [row[0] for row in result.all()]
        if ids:
            await self.session.exec(
                insert(AppraisalEvent),
                params=[
                    {"appraisal_id": appraisal_id, "action": "calibration_locked",
                     "from_state": "pending_calibration", "to_state": "calibrated",
                     "actor_employee_id": actor_employee_id, "detail": {}}
                    for appraisal_id in ids
                ],
            )  # fmt: skip
        self.session.expire_all()
        return ids
