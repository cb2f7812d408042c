"""Target decomposition with persistence: every stored level adds up to its parent."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from decimal import Decimal

from services.kpi.access import KpiScope
from services.kpi.indicators.repository import IndicatorRepository
from services.kpi.org.repository import OrgRepository
from services.kpi.targets.models import TargetNode, TargetPlan
from services.kpi.targets.repository import TargetRepository
from services.kpi.targets.rules import (
    MONTHS,
    Joiner,
    Leaver,
    TargetError,
    decompose_target,
    lines_outside_department,
    monthly_distribution,
    plan_org_date,
    rebalance,
    visible_parts,
)
from services.kpi.targets.schemas import (
    MonthlyTarget,
    MonthlyTargets,
    PersonTarget,
    RebalanceChange,
    TargetPlanCreate,
    TargetPlanRead,
    TargetRebalance,
    TeamTarget,
)
from shared.errors import Duplicate, InvalidTransition, NotFound, UnprocessableContent

TEAM, PERSON, MONTH = "team", "person", "month"


def _node(
    plan_id: int, level: str, team_id: int, amount: Decimal, **extra: object
) -> dict[str, object]:
    row: dict[str, object] = dict.fromkeys(("parent_id", "employee_id", "month", "share"))
    row.update(plan_id=plan_id, level=level, team_id=team_id, amount=amount)
    row.update(extra)
    return row


def plan_read(plan: TargetPlan, nodes: Sequence[TargetNode]) -> TargetPlanRead:
    """The plan as a tree: teams → people → months."""
    months: dict[int, dict[int, Decimal]] = {}
    people: dict[int, list[PersonTarget]] = {}
    for node in nodes:
        if node.level == MONTH and node.parent_id is not None and node.month is not None:
            months.setdefault(node.parent_id, {})[node.month] = node.amount
    for node in nodes:
        if node.level == PERSON and node.parent_id is not None and node.employee_id is not None:
            assert node.id is not None
            people.setdefault(node.parent_id, []).append(
                PersonTarget(
                    employee_id=node.employee_id,
                    amount=node.amount,
                    months=dict(sorted(months.get(node.id, {}).items())),
                )
            )
    teams = [
        TeamTarget(team_id=node.team_id, amount=node.amount, people=people.get(node.id or 0, []))
        for node in nodes
        if node.level == TEAM
    ]
    return TargetPlanRead.model_validate(
        {**plan.model_dump(), "teams": teams}, from_attributes=False
    )


class TargetService:
    """Create plans, read them, rebalance them when people join or leave."""

    def __init__(
        self,
        repository: TargetRepository,
        indicators: IndicatorRepository,
        org: OrgRepository,
        *,
        scope: KpiScope,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.repository = repository
        self.indicators = indicators
        self.org = org
        self.scope = scope
        self.today = today

    async def _check_in_department(
        self, department_id: int, year: int, lines: Mapping[int, Sequence[int]]
    ) -> None:
        """Every team and person must belong to the plan's department subtree (org copy at
        the plan's date, :func:`plan_org_date`)."""
        at = plan_org_date(year, self.today())
        members = await self.org.department_members_at(department_id, at)
        outside = lines_outside_department(department_id, lines, members)
        if outside:
            raise UnprocessableContent(
                f"not in department {department_id} on {at.isoformat()}: "
                + ", ".join(
                    [f"team {t}" for t in outside.team_ids]
                    + [f"employee {e}" for e in outside.employee_ids]
                ),
                extra={"team_ids": outside.team_ids, "employee_ids": outside.employee_ids},
            )

    async def get(self, plan_id: int) -> TargetPlan:
        plan = await self.repository.get(plan_id, self.scope)
        if plan is None:
            raise NotFound(f"target plan {plan_id} does not exist")
        return plan

    async def read(self, plan_id: int) -> TargetPlanRead:
        """The plan with the parts the caller may see (:func:`visible_parts`)."""
        plan = await self.get(plan_id)
        nodes = visible_parts(
            plan.department_id,
            await self.repository.nodes(plan_id),
            departments=None if self.scope.sees_all else self.scope.department_ids,
            employees=self.scope.employee_ids or frozenset(),
        )
        return plan_read(plan, nodes)

    async def list_page(
        self,
        *,
        year: int | None,
        indicator_id: int | None,
        department_id: int | None,
        after_id: int | None,
        limit: int,
    ) -> Sequence[TargetPlan]:
        return await self.repository.list_page(
            year=year,
            indicator_id=indicator_id,
            department_id=department_id,
            after_id=after_id,
            limit=limit,
            scope=self.scope,
        )

    async def create(self, data: TargetPlanCreate) -> TargetPlanRead:
        """Split the total to teams, people and months (largest remainder) and store it all."""
        if await self.indicators.get(data.indicator_id) is None:
            raise UnprocessableContent(
                f"indicator {data.indicator_id} does not exist; a target needs a real indicator"
            )
        if await self.repository.find(data.indicator_id, data.year, data.department_id):
            raise Duplicate(
                f"department {data.department_id} already has a {data.year} plan "
                f"for indicator {data.indicator_id}"
            )
        await self._check_in_department(
            data.department_id,
            data.year,
            {team.team_id: [p.employee_id for p in team.people] for team in data.teams},
        )
        try:
            team_amounts = decompose_target(
                data.total, {team.team_id: team.share for team in data.teams}
            )
            person_amounts = {
                team.team_id: decompose_target(
                    team_amounts[team.team_id], {p.employee_id: p.share for p in team.people}
                )
                for team in data.teams
            }
            month_amounts = {
                employee_id: monthly_distribution(amount, data.seasonal_weights)
                for people in person_amounts.values()
                for employee_id, amount in people.items()
            }
        except TargetError as exc:
            raise UnprocessableContent(str(exc)) from exc
        plan = await self.repository.add(
            TargetPlan(
                indicator_id=data.indicator_id,
                year=data.year,
                department_id=data.department_id,
                total=data.total,
                seasonal_weights=[str(w) for w in data.seasonal_weights]
                if data.seasonal_weights
                else None,
                note=data.note,
            )
        )
        assert plan.id is not None
        team_shares = {team.team_id: team for team in data.teams}
        team_ids = await self.repository.insert_nodes(
            [
                _node(plan.id, TEAM, team_id, amount, share=team_shares[team_id].share)
                for team_id, amount in team_amounts.items()
            ]
        )
        shares = {p.employee_id: p.share for team in data.teams for p in team.people}
        person_rows = [
            _node(plan.id, PERSON, team_id, amount, parent_id=parent, employee_id=employee_id,
                  share=shares[employee_id])
            for parent, team_id in zip(team_ids, list(team_amounts), strict=True)
            for employee_id, amount in person_amounts[team_id].items()
        ]  # fmt: skip
        person_ids = await self.repository.insert_nodes(person_rows)
        await self.repository.insert_nodes(
            [
                _node(plan.id, MONTH, int(str(row["team_id"])), amount, parent_id=parent,
                      employee_id=row["employee_id"], month=month)
                for parent, row in zip(person_ids, person_rows, strict=True)
                for month, amount in month_amounts[int(str(row["employee_id"]))].items()
            ]
        )  # fmt: skip
        return await self.read(plan.id)

    async def rebalance(self, plan_id: int, change: TargetRebalance) -> TargetPlanRead:
        """Re-split a team's remaining months; each month's team total is unchanged."""
        plan = await self.get(plan_id)
        nodes = await self.repository.nodes(plan_id)
        team = next((n for n in nodes if n.level == TEAM and n.team_id == change.team_id), None)
        if team is None:
            raise UnprocessableContent(f"team {change.team_id} is not in target plan {plan_id}")
        people = {n.employee_id: n for n in nodes if n.level == PERSON and n.parent_id == team.id}
        elsewhere = {n.employee_id for n in nodes if n.level == PERSON} - set(people)
        if change.employee_id in elsewhere:
            raise Duplicate(f"employee {change.employee_id} is in another team of this plan")
        if change.change is RebalanceChange.JOIN:
            await self._check_in_department(
                plan.department_id, plan.year, {team.team_id: [change.employee_id]}
            )
        month_nodes = {
            (n.employee_id, n.month): n
            for n in nodes
            if n.level == MONTH and n.team_id == team.team_id
        }
        current = {
            employee_id: {m: month_nodes[(employee_id, m)].amount for m in MONTHS}
            for employee_id in people
            if employee_id is not None
        }
        move = (
            Joiner(change.employee_id, change.share)
            if change.change is RebalanceChange.JOIN
            else Leaver(change.employee_id)
        )
        try:
            result = rebalance(current, move, change.effective_month)
        except TargetError as exc:
            raise InvalidTransition(str(exc)) from exc
        amounts: dict[int, Decimal] = {}
        for employee_id, months in result.items():
            if employee_id not in people:
                continue
            for month, amount in months.items():
                node_id = month_nodes[(employee_id, month)].id
                assert node_id is not None
                amounts[node_id] = amount
            person_id = people[employee_id].id
            assert person_id is not None
            amounts[person_id] = sum(months.values(), Decimal(0))
        await self.repository.set_amounts(amounts)
        if change.change is RebalanceChange.JOIN:
            assert team.id is not None
            months = result[change.employee_id]
            [joiner_id] = await self.repository.insert_nodes(
                [_node(plan_id, PERSON, team.team_id, sum(months.values(), Decimal(0)),
                       parent_id=team.id, employee_id=change.employee_id)]
            )  # fmt: skip
            await self.repository.insert_nodes(
                [_node(plan_id, MONTH, team.team_id, amount, parent_id=joiner_id,
                       employee_id=change.employee_id, month=month)
                 for month, amount in months.items()]
            )  # fmt: skip
        await self.repository.touch(plan)
        return await self.read(plan_id)

    async def monthly(
        self, indicator_code: str, year: int, employee_ids: Sequence[int]
    ) -> MonthlyTargets:
        """The month targets of ``employee_ids`` under the plans of ``year`` for the
        indicator coded ``indicator_code`` (for another service's report; no scope: the
        route admits services only)."""
        rows = await self.repository.monthly_amounts(indicator_code, year, employee_ids)
        return MonthlyTargets(
            indicator=indicator_code,
            year=year,
            items=[
                MonthlyTarget(employee_id=employee, month=f"{year}-{month:02d}", amount=amount)
                for employee, month, amount in rows
            ],
        )
