"""Every query of the pipeline reports: read-only, scoped by ``access.visible_accounts``
on the opportunity's account. Bare SQLAlchemy Core: a department's report reads tens of
thousands of rows, and ORM objects would cost more than the query."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, and_, case, cast, func, literal, or_, select, union_all
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import OwnerScope, visible_accounts
from services.clients.accounts.models import Account
from services.clients.opportunities.models import (
    Opportunity,
    OpportunityStageChange,
    PipelineStage,
)
from services.clients.org.models import OrgEmployee
from services.clients.pipeline.rules import ForecastPolicy, GroupBy
from services.clients.rates.models import ExchangeRate
from services.clients.rates.repository import RateRepository
from shared.org_copy.repository import ACTIVE, table_of

_OPPS = table_of(Opportunity)
_CHANGES = table_of(OpportunityStageChange)
_STAGES = table_of(PipelineStage)
_ORG = table_of(OrgEmployee)
_ACCOUNTS = table_of(Account)
_RATES = table_of(ExchangeRate)


@dataclass(frozen=True)
class GroupMonth:
    """One group's opportunities of one month and status, summed in the base currency."""

    group_id: int | None
    month: date
    status: str
    count: int
    amount_base: Decimal
    weighted: Decimal
    best_case: Decimal
    commit: Decimal
    owners: list[int]


_ROW_COLUMNS = (
    _OPPS.c.id, _OPPS.c.name, _OPPS.c.account_id, _ACCOUNTS.c.legal_name.label("account_name"),
    _OPPS.c.owner_id, _ORG.c.name.label("owner_name"), _ORG.c.manager_id.label("team_id"),
    _ORG.c.department_id, _OPPS.c.status, _OPPS.c.stage_code, _OPPS.c.probability,
    _OPPS.c.amount, _OPPS.c.currency, _OPPS.c.expected_close_month, _OPPS.c.closed_at,
    _OPPS.c.created_at, _OPPS.c.lost_reason,
)  # fmt: skip
"""The columns of an :class:`OpportunityRow`."""


@dataclass(frozen=True)
class PipelineFilter:
    """Which opportunities a report reads: their month from ``first`` to ``last`` (first
    days of months, both included), optionally some owners or one department."""

    first: date | None
    last: date | None
    owner_ids: frozenset[int] | None = None
    department_id: int | None = None
    team_id: int | None = None


@dataclass(frozen=True)
class OpportunityRow:
    id: int
    name: str
    account_id: int
    account_name: str
    owner_id: int
    owner_name: str | None
    team_id: int | None
    department_id: int | None
    status: str
    stage_code: str
    probability: int
    amount: Decimal
    currency: str
    expected_close_month: date
    closed_at: datetime | None
    created_at: datetime | None
    lost_reason: str | None


def next_month(month: date) -> date:
    if month.month == 12:
        return month.replace(year=month.year + 1, month=1, day=1)
    return month.replace(month=month.month + 1, day=1)


def _whose(filters: PipelineFilter, scope: OwnerScope) -> list[Any]:
    """The caller's scope and the filter's owners, team or department."""
    conditions: list[Any] = [visible_accounts(_OPPS.c.account_id, scope)]
    if filters.owner_ids is not None:
        conditions.append(_OPPS.c.owner_id.in_(sorted(filters.owner_ids)))
    if filters.department_id is not None:
        conditions.append(_ORG.c.department_id == filters.department_id)
    if filters.team_id is not None:
        conditions.append(_ORG.c.manager_id == filters.team_id)
    return conditions


def _conditions(filters: PipelineFilter, scope: OwnerScope) -> list[Any]:
    conditions = _whose(filters, scope)
    if filters.first is None or filters.last is None:
        conditions.append(_OPPS.c.status == "open")
        return conditions
    after_last = next_month(filters.last)
    conditions.append(
        or_(
            and_(
                _OPPS.c.status == "open",
                _OPPS.c.expected_close_month >= filters.first,
                _OPPS.c.expected_close_month <= filters.last,
            ),
            and_(  # a day's margin each side: the service reads the company's day
                _OPPS.c.status != "open",
                _OPPS.c.closed_at >= filters.first - timedelta(days=1),
                _OPPS.c.closed_at < after_last + timedelta(days=1),
            ),
        )
    )
    return conditions


class PipelineRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def opportunities(
        self, filters: PipelineFilter, scope: OwnerScope
    ) -> list[OpportunityRow]:
        """The opportunities the caller may see that count in the months: open ones by
        their expected close month, closed ones around the months they closed in (the
        service keeps those closed on a company day of the months)."""
        query = (
            select(*_ROW_COLUMNS)
            .select_from(
                _OPPS.join(_ACCOUNTS, _ACCOUNTS.c.id == _OPPS.c.account_id).outerjoin(
                    _ORG, _ORG.c.employee_id == _OPPS.c.owner_id
                )
            )
            .where(*_conditions(filters, scope))
            .order_by(_OPPS.c.id)
        )
        result = await self.session.execute(query)
        return [OpportunityRow(**row._mapping) for row in result.all()]

    async def stages(self) -> list[tuple[str, str, int, str, int]]:
        """(code, name, position, outcome, default probability) of every stage."""
        result = await self.session.execute(
            select(
                _STAGES.c.code, _STAGES.c.name, _STAGES.c.position, _STAGES.c.outcome,
                _STAGES.c.default_probability,
            ).order_by(_STAGES.c.position)
        )  # fmt: skip
        return [tuple(row) for row in result.all()]

    async def moves(
        self, filters: PipelineFilter, scope: OwnerScope, start: datetime, end: datetime
    ) -> list[tuple[int, int, str | None, str]]:
        """(opportunity, its owner, from stage, to stage) of the stage changes made from
        ``start`` to before ``end`` on opportunities the caller may see (and the filter's
        owners, team or department), in order."""
        conditions = _whose(filters, scope)
        result = await self.session.execute(
            select(
                _CHANGES.c.opportunity_id, _OPPS.c.owner_id, _CHANGES.c.from_stage_code,
                _CHANGES.c.to_stage_code,
            )
            .select_from(
                _CHANGES.join(_OPPS, _OPPS.c.id == _CHANGES.c.opportunity_id).outerjoin(
                    _ORG, _ORG.c.employee_id == _OPPS.c.owner_id
                )
            )
            .where(_CHANGES.c.changed_at >= start, _CHANGES.c.changed_at < end, *conditions)
            .order_by(_CHANGES.c.opportunity_id, _CHANGES.c.changed_at, _CHANGES.c.id)
        )  # fmt: skip
        return [tuple(row) for row in result.all()]

    async def stuck(
        self, filters: PipelineFilter, scope: OwnerScope, entered_before: datetime
    ) -> list[tuple[OpportunityRow, datetime]]:
        """Open opportunities (the caller may see, of the filter's owners, team or
        department) whose last stage change was before ``entered_before``, with its time."""
        entered = (
            select(_CHANGES.c.changed_at)
            .where(_CHANGES.c.opportunity_id == _OPPS.c.id)
            .order_by(_CHANGES.c.changed_at.desc())
            .limit(1)
            .lateral("entered")
        )
        query = (
            select(*_ROW_COLUMNS, entered.c.changed_at.label("entered_at"))
            .select_from(
                _OPPS.join(_ACCOUNTS, _ACCOUNTS.c.id == _OPPS.c.account_id)
                .outerjoin(_ORG, _ORG.c.employee_id == _OPPS.c.owner_id)
                .join(entered, literal(True))
            )
            .where(*_whose(filters, scope), _OPPS.c.status == "open")
            .where(entered.c.changed_at < entered_before)
            .order_by(entered.c.changed_at, _OPPS.c.id)
        )
        result = await self.session.execute(query)
        found = []
        for row in result.all():
            values = dict(row._mapping)
            at = values.pop("entered_at")
            found.append((OpportunityRow(**values), at))
        return found

    async def stage_entered(self, opportunity_ids: Collection[int]) -> dict[int, datetime]:
        """When each opportunity entered its current stage (its last change)."""
        if not opportunity_ids:
            return {}
        result = await self.session.execute(
            select(_CHANGES.c.opportunity_id, _CHANGES.c.changed_at)
            .distinct(_CHANGES.c.opportunity_id)
            .where(_CHANGES.c.opportunity_id.in_(sorted(opportunity_ids)))
            .order_by(_CHANGES.c.opportunity_id, _CHANGES.c.changed_at.desc(), _CHANGES.c.id.desc())
        )
        return {int(row[0]): row[1] for row in result.all()}

    async def people(
        self, employee_ids: Collection[int]
    ) -> dict[int, tuple[str, int | None, int | None]]:
        """(name, manager, department) of each known employee among ``employee_ids``."""
        if not employee_ids:
            return {}
        result = await self.session.execute(
            select(_ORG.c.employee_id, _ORG.c.name, _ORG.c.manager_id, _ORG.c.department_id).where(
                _ORG.c.employee_id.in_(sorted(employee_ids))
            )
        )
        return {int(row[0]): (row[1], row[2], row[3]) for row in result.all()}

    async def members(
        self, team_ids: Collection[int], department_ids: Collection[int]
    ) -> list[int]:
        """The active employees in the teams (reporting to the leads) or departments."""
        if not team_ids and not department_ids:
            return []
        result = await self.session.execute(
            select(_ORG.c.employee_id).where(
                _ORG.c.status == ACTIVE,
                or_(
                    _ORG.c.manager_id.in_(sorted(team_ids)),
                    _ORG.c.department_id.in_(sorted(department_ids)),
                ),
            )
        )
        return [int(row[0]) for row in result.all()]

    async def rates(self, currencies: Sequence[str], on: date) -> dict[str, Decimal]:
        """The rate in force on ``on`` of each currency that has one."""
        rates = RateRepository(self.session)
        found: dict[str, Decimal] = {}
        for currency in currencies:
            rate = await rates.in_force(currency, on)
            if rate is not None:
                found[currency] = rate.rate
        return found

    async def forecast_totals(
        self,
        filters: PipelineFilter,
        scope: OwnerScope,
        group_by: GroupBy,
        policy: ForecastPolicy,
        *,
        base: str,
        on: date,
        timezone: str,
    ) -> tuple[list[GroupMonth], dict[str, int]]:
        """The forecast figures per group, month and status, summed in the database (a
        department's 100,000 opportunities never travel), and how many opportunities of
        each currency without a rate were left out.

        Each opportunity is converted and weighted exactly and rounded once to the cent
        (``round`` on numeric rounds half away from zero, i.e. half up for amounts that
        are never negative), as ``rules.weighted_amount`` does, then summed.
        """
        assert filters.first is not None and filters.last is not None
        latest = (
            select(_RATES.c.currency, _RATES.c.rate)
            .distinct(_RATES.c.currency)
            .where(_RATES.c.effective_on <= on, _RATES.c.currency != base)
            .order_by(_RATES.c.currency, _RATES.c.effective_on.desc())
        )
        rates = union_all(
            latest, select(literal(base).label("currency"), literal(Decimal(1)).label("rate"))
        ).cte("rates")
        month = case(
            (_OPPS.c.status == "open", _OPPS.c.expected_close_month),
            else_=cast(func.date_trunc("month", func.timezone(timezone, _OPPS.c.closed_at)), Date),
        )
        group = {
            GroupBy.OWNER: _OPPS.c.owner_id,
            GroupBy.TEAM: _ORG.c.manager_id,
            GroupBy.DEPARTMENT: _ORG.c.department_id,
        }[group_by]
        in_base = func.round(_OPPS.c.amount * rates.c.rate, 2)
        weighted = func.round(_OPPS.c.amount * rates.c.rate * _OPPS.c.probability / 100, 2)
        commit = or_(
            _OPPS.c.probability >= policy.commit_probability,
            _OPPS.c.stage_code.in_(sorted(policy.commit_stages) or [""]),
        )
        best_case = or_(_OPPS.c.probability >= policy.best_case_probability, commit)
        zero = literal(Decimal("0.00"))
        source = _OPPS.join(_ACCOUNTS, _ACCOUNTS.c.id == _OPPS.c.account_id).outerjoin(
            _ORG, _ORG.c.employee_id == _OPPS.c.owner_id
        )
        where = [*_conditions(filters, scope), month >= filters.first, month <= filters.last]
        query = (
            select(
                group.label("group_id"),
                month.label("month"),
                _OPPS.c.status,
                func.count().label("count"),
                func.coalesce(func.sum(in_base), zero).label("amount_base"),
                func.coalesce(func.sum(weighted), zero).label("weighted"),
                func.coalesce(func.sum(in_base).filter(best_case), zero).label("best_case"),
                func.coalesce(func.sum(in_base).filter(commit), zero).label("commit"),
                func.array_agg(func.distinct(_OPPS.c.owner_id)).label("owners"),
            )
            .select_from(source.join(rates, rates.c.currency == _OPPS.c.currency))
            .where(*where)
            .group_by(group, month, _OPPS.c.status)
        )
        result = await self.session.execute(query)
        rows = [GroupMonth(**row._mapping) for row in result.all()]
        unconverted = await self.session.execute(
            select(_OPPS.c.currency, func.count())
            .select_from(source.outerjoin(rates, rates.c.currency == _OPPS.c.currency))
            .where(*where, rates.c.rate.is_(None))
            .group_by(_OPPS.c.currency)
        )
        return rows, {str(currency): int(count) for currency, count in unconverted.all()}
