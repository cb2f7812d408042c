"""Every query on the org copy, for whichever schema a service binds it to.

Current-state questions (is this owner active, who reports to this manager now) read
``org_employees`` alone; dated ones ("at the plan's date") read ``org_employee_periods``.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import BindParameter, Table, case, func, literal, or_, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from shared.org_copy.models import OrgEmployeeBase, OrgEmployeePeriodBase, OrgStandInBase

ACTIVE = "active"
MAX_DEPTH = 20
STATE_COLUMNS = (
    "employee_no", "name", "position_code", "department_id", "manager_id", "status",
    "authority_limits", "version",
)  # fmt: skip

E = TypeVar("E", bound=OrgEmployeeBase)
P = TypeVar("P", bound=OrgEmployeePeriodBase)
S = TypeVar("S", bound=OrgStandInBase)
STAND_IN_COLUMNS = (
    "absent_employee_id", "stand_in_employee_id", "starts_on", "ends_on", "cancelled", "version",
)  # fmt: skip


def table_of(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def reporting_subtree_select(
    employees: Table, manager_id: int | BindParameter[int]
) -> SelectOfScalar[int]:
    """A SELECT of ``manager_id`` (a value or a bind parameter) and everyone reporting to
    them now, directly or not.

    A recursive CTE over ``manager_id``; ``UNION`` (not ``UNION ALL``) stops a loop in bad
    data from recursing for ever. Usable as ``owner_id IN (…)`` inside other queries.
    """
    manager = manager_id if isinstance(manager_id, BindParameter) else literal(manager_id)
    subtree = select(manager.label("employee_id")).cte("reporting_subtree", recursive=True)
    subtree = subtree.union(
        select(employees.c.employee_id).join(
            subtree, employees.c.manager_id == subtree.c.employee_id
        )
    )
    return select(cast(Any, subtree.c.employee_id))


class OrgCopyRepository(Generic[E, P]):
    """Queries on one schema's ``org_employees`` and ``org_employee_periods``."""

    def __init__(self, session: AsyncSession, employee: type[E], period: type[P]) -> None:
        self.session = session
        self.employee = employee
        self.period = period
        self.employees = table_of(employee)
        self.periods = table_of(period)

    # --- writing ------------------------------------------------------------------------

    async def upsert_newer(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert unknown employees and replace known ones whose version is older; close
        each replaced state's period and open one for the new state. Returns how many
        employees changed. ``rows`` must hold each employee at most once.
        """
        if not rows:
            return 0
        employees = self.employees
        # clock_timestamp, not now(): two deliveries inside one transaction are two states.
        moment = func.clock_timestamp()
        inserting = insert(employees).values(
            [{**row, "valid_from": moment, "received_at": moment} for row in rows]
        )
        excluded = inserting.excluded
        statement = inserting.on_conflict_do_update(
            index_elements=[employees.c.employee_id],
            set_={
                **{name: excluded[name] for name in STATE_COLUMNS},
                "valid_from": excluded.valid_from,
                "received_at": excluded.received_at,
            },
            where=employees.c.version < excluded.version,
        ).returning(employees)
        changed = [dict(row) for row in (await self.session.exec(statement)).mappings().all()]
        if changed:
            await self._open_periods(changed)
        # The ORM may hold stale copies of the rows just replaced.
        self.session.expire_all()
        return len(changed)

    async def _open_periods(self, states: Sequence[Mapping[str, Any]]) -> None:
        periods = self.periods
        started = {state["employee_id"]: state["valid_from"] for state in states}
        await self.session.exec(
            update(periods)
            .where(periods.c.employee_id.in_(list(started)), periods.c.valid_to.is_(None))
            .values(valid_to=case(started, value=periods.c.employee_id))
        )
        await self.session.exec(
            insert(periods).values(
                [
                    {
                        "employee_id": state["employee_id"],
                        "valid_from": state["valid_from"],
                        **{name: state[name] for name in STATE_COLUMNS},
                    }
                    for state in states
                ]
            )
        )

    # --- the current state --------------------------------------------------------------

    async def get(self, employee_id: int) -> E | None:
        return await self.session.get(self.employee, employee_id)

    async def active_among(self, employee_ids: Collection[int]) -> set[int]:
        """The ids among ``employee_ids`` that are active employees in the copy."""
        if not employee_ids:
            return set()
        employees = self.employees
        result = await self.session.exec(
            select(employees.c.employee_id).where(
                employees.c.employee_id.in_(list(employee_ids)), employees.c.status == ACTIVE
            )
        )
        return {int(row) for row in result.all()}

    async def statuses(self, employee_ids: Collection[int]) -> dict[int, str]:
        """Status of each known employee among ``employee_ids`` (unknown ones are absent)."""
        if not employee_ids:
            return {}
        employees = self.employees
        result = await self.session.exec(
            select(employees.c.employee_id, employees.c.status).where(
                employees.c.employee_id.in_(list(employee_ids))
            )
        )
        return {int(employee_id): str(status) for employee_id, status in result.all()}

    async def reporting_subtree(self, manager_id: int) -> list[int]:
        """``manager_id`` and every employee below them now, sorted."""
        result = await self.session.exec(reporting_subtree_select(self.employees, manager_id))
        return sorted(result.all())

    async def manager_chain(self, employee_id: int, *, max_depth: int = MAX_DEPTH) -> list[E]:
        """The employee's manager, their manager and so on up to the top (nearest first)."""
        employees = self.employees
        start = (
            select(employees.c.manager_id.label("employee_id"), literal(1).label("depth"))
            .where(employees.c.employee_id == employee_id)
            .cte("chain", recursive=True)
        )
        step = (
            select(employees.c.manager_id, start.c.depth + 1)
            .join(start, employees.c.employee_id == start.c.employee_id)
            .where(employees.c.manager_id.is_not(None), start.c.depth < max_depth)
        )
        chain = start.union_all(step)
        query = (
            select(self.employee)
            .join(chain, employees.c.employee_id == chain.c.employee_id)
            .order_by(chain.c.depth)
        )
        result = await self.session.exec(query)
        return list(result.all())

    # --- at a date ----------------------------------------------------------------------

    def _held_at(self, at: datetime) -> Any:
        periods = self.periods
        return (periods.c.valid_from <= at) & or_(
            periods.c.valid_to.is_(None), periods.c.valid_to > at
        )

    async def state_at(self, employee_id: int, at: datetime) -> P | None:
        """The employee's state as the copy held it at ``at`` (None before it knew them)."""
        result = await self.session.exec(
            select(self.period).where(
                col(self.period.employee_id) == employee_id, self._held_at(at)
            )
        )
        return result.first()

    async def reporting_subtree_at(self, manager_id: int, at: datetime) -> list[int]:
        """``manager_id`` and everyone who reported to them, directly or not, at ``at``."""
        periods = self.periods
        subtree = select(literal(manager_id).label("employee_id")).cte(
            "reporting_subtree_at", recursive=True
        )
        subtree = subtree.union(
            select(periods.c.employee_id)
            .join(subtree, periods.c.manager_id == subtree.c.employee_id)
            .where(self._held_at(at))
        )
        result = await self.session.exec(select(cast(Any, subtree.c.employee_id)))
        return sorted(int(row) for row in result.all())

    async def manager_chain_at(
        self, employee_id: int, at: datetime, *, max_depth: int = MAX_DEPTH
    ) -> list[int]:
        """The ids of the employee's managers at ``at``, nearest first."""
        chain: list[int] = []
        current: int | None = employee_id
        while current is not None and len(chain) < max_depth:
            state = await self.state_at(current, at)
            current = state.manager_id if state is not None else None
            if current is None or current in chain or current == employee_id:
                break
            chain.append(current)
        return chain


def stands_in_for_select(stand_ins: Table, stand_in_employee_id: int, day: date) -> Any:
    """A SELECT of the absent employees ``stand_in_employee_id`` acts for on ``day`` (the SQL
    twin of :func:`shared.org_copy.rules.stands_in_on`)."""
    return select(stand_ins.c.absent_employee_id).where(
        stand_ins.c.stand_in_employee_id == stand_in_employee_id,
        stand_ins.c.cancelled.is_(False),
        stand_ins.c.starts_on <= day,
        stand_ins.c.ends_on >= day,
    )


def stand_ins_on_select(stand_ins: Table, day: date) -> Any:
    """A SELECT of everybody who stands in for someone on ``day``."""
    return (
        select(stand_ins.c.stand_in_employee_id)
        .where(
            stand_ins.c.cancelled.is_(False),
            stand_ins.c.starts_on <= day,
            stand_ins.c.ends_on >= day,
        )
        .distinct()
    )


class OrgStandInRepository(Generic[S]):
    """Queries on one schema's ``org_stand_ins``."""

    def __init__(self, session: AsyncSession, stand_in: type[S]) -> None:
        self.session = session
        self.stand_in = stand_in
        self.stand_ins = table_of(stand_in)

    async def upsert_newer(self, rows: Sequence[Mapping[str, Any]]) -> int:
        """Insert unknown stand-ins and replace known ones whose version is older. Returns
        how many changed. ``rows`` must hold each stand-in at most once."""
        if not rows:
            return 0
        stand_ins = self.stand_ins
        inserting = insert(stand_ins).values(
            [{**row, "received_at": func.clock_timestamp()} for row in rows]
        )
        excluded = inserting.excluded
        statement = inserting.on_conflict_do_update(
            index_elements=[stand_ins.c.stand_in_id],
            set_={
                **{name: excluded[name] for name in STAND_IN_COLUMNS},
                "received_at": excluded.received_at,
            },
            where=stand_ins.c.version < excluded.version,
        ).returning(stand_ins.c.stand_in_id)
        changed = (await self.session.exec(statement)).all()
        self.session.expire_all()
        return len(changed)

    async def get(self, stand_in_id: int) -> S | None:
        return await self.session.get(self.stand_in, stand_in_id)

    async def stand_ins_on(self, day: date) -> frozenset[int]:
        """Everybody who stands in for someone on ``day`` (the per-process roster's source)."""
        result = await self.session.exec(stand_ins_on_select(self.stand_ins, day))
        return frozenset(int(row) for row in result.all())

    async def absent_ids_on(self, stand_in_employee_id: int, day: date) -> set[int]:
        """The employees ``stand_in_employee_id`` acts for on ``day``."""
        result = await self.session.exec(
            stands_in_for_select(self.stand_ins, stand_in_employee_id, day)
        )
        return {int(row) for row in result.all()}
