"""The pipeline reports (销售预测, 销售机会报表): rules over the repository's rows, the
targets from kpi beside them. Read-only; never flushes."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from services.clients.access import OwnerScope
from services.clients.pipeline import rules
from services.clients.pipeline.repository import (
    OpportunityRow,
    PipelineFilter,
    PipelineRepository,
    next_month,
)
from services.clients.pipeline.rules import Deal, ForecastPolicy, GroupBy, Totals
from services.clients.pipeline.schemas import (
    MAX_MONTHS,
    ConversionReport,
    ForecastReport,
    ForecastRow,
    OpportunityReport,
    ReportLine,
    StageConversion,
    StuckOpportunity,
    StuckReport,
    WinRateRow,
    money,
)
from services.clients.pipeline.targets import KpiTargets, Targets
from shared.errors import UnprocessableContent
from shared.money import Money
from shared.periods import company_day


def month_of(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def month_text(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


@dataclass(frozen=True)
class Window:
    """The months of a report, first to last, both included."""

    first: date
    last: date

    @classmethod
    def of(cls, first: str, last: str | None) -> Window:
        window = cls(month_of(first), month_of(last or first))
        count = len(rules.months_between(window.first, window.last))
        if window.last < window.first:
            raise UnprocessableContent("the last month is before the first")
        if count > MAX_MONTHS:
            raise UnprocessableContent(f"a report spans at most {MAX_MONTHS} months, not {count}")
        return window

    @property
    def months(self) -> list[date]:
        return rules.months_between(self.first, self.last)


@dataclass
class _Loaded:
    rows: list[OpportunityRow]
    deals: list[tuple[OpportunityRow, Deal]]
    rates: dict[str, Decimal]
    notes: list[str]


class PipelineReports:
    def __init__(
        self,
        repository: PipelineRepository,
        targets: KpiTargets,
        policy: ForecastPolicy,
        *,
        base: str,
        timezone: str,
        today: Callable[[], date],
        stuck_days: int,
    ) -> None:
        self.repository = repository
        self.targets = targets
        self.policy = policy
        self.base = base
        self.zone = ZoneInfo(timezone)
        self.today = today
        self.stuck_days = stuck_days

    def _month(self, row: OpportunityRow) -> date:
        if row.status == "open" or row.closed_at is None:
            return row.expected_close_month
        return rules.month_start(company_day(row.closed_at, self.zone))

    async def _load(self, filters: PipelineFilter, scope: OwnerScope) -> _Loaded:
        rows = await self.repository.opportunities(filters, scope)
        window = Window(filters.first, filters.last) if filters.first and filters.last else None
        if window is not None:
            rows = [r for r in rows if window.first <= self._month(r) <= window.last]
        currencies = sorted({r.currency for r in rows} - {self.base})
        rates = {self.base: Decimal(1), **await self.repository.rates(currencies, self.today())}
        notes = []
        missing = sorted({r.currency for r in rows} - set(rates))
        if missing:
            count = sum(1 for r in rows if r.currency in missing)
            notes.append(
                f"{count} opportunities in {', '.join(missing)} are left out of the totals: "
                f"no rate to {self.base} is in force"
            )
        deals = [
            (
                row,
                rules.deal(
                    owner_id=row.owner_id,
                    team_id=row.team_id,
                    department_id=row.department_id,
                    month=self._month(row),
                    status=row.status,
                    stage_code=row.stage_code,
                    probability=row.probability,
                    amount=row.amount,
                    rate=rates[row.currency],
                ),
            )
            for row in rows
            if row.currency in rates
        ]
        return _Loaded(rows, deals, rates, notes)

    async def _grouped(
        self, group_by: GroupBy, filters: PipelineFilter, scope: OwnerScope
    ) -> tuple[dict[tuple[int | None, date], Totals], list[str]]:
        """The figures per group and month, summed by the database, and notes on what they
        leave out."""
        rows, unconverted = await self.repository.forecast_totals(
            filters, scope, group_by, self.policy,
            base=self.base, on=self.today(), timezone=self.zone.key,
        )  # fmt: skip
        grouped: dict[tuple[int | None, date], Totals] = {}
        for row in rows:
            grouped.setdefault((row.group_id, row.month), Totals()).add_summed(
                row.status, row.count, row.amount_base, row.weighted, row.best_case,
                row.commit, row.owners,
            )  # fmt: skip
        notes = []
        if unconverted:
            notes.append(
                f"{sum(unconverted.values())} opportunities in {', '.join(sorted(unconverted))} "
                f"are left out of the totals: no rate to {self.base} is in force"
            )
        return grouped, notes

    async def _targets(
        self,
        group_by: GroupBy,
        grouped: dict[tuple[int | None, date], Totals],
        window: Window,
        scope: OwnerScope,
    ) -> tuple[dict[int, tuple[str, int | None, int | None]], Targets | None, str | None]:
        """The people the groups hold (owners with opportunities and the groups' active
        members, within the caller's scope) with their org data, and their targets."""
        people: set[int] = set().union(*(t.owners for t in grouped.values()))
        keys = {key for key, _month in grouped if key is not None}
        if group_by is not GroupBy.OWNER:
            members = await self.repository.members(
                keys if group_by is GroupBy.TEAM else set(),
                keys if group_by is GroupBy.DEPARTMENT else set(),
            )
            people |= {m for m in members if scope is None or m in scope}
        named = people | (keys if group_by is GroupBy.TEAM else set())
        org = await self.repository.people(named)
        targets, note = await self.targets.monthly(people, window.months)
        return org, targets, note

    async def forecast(
        self, group_by: GroupBy, window: Window, scope: OwnerScope, filters: PipelineFilter
    ) -> ForecastReport:
        """Pipeline, weighted, best case, commit and won per group and month, beside the
        KPI plan's targets of the same people and months."""
        grouped, notes = await self._grouped(group_by, filters, scope)
        return await self._forecast(group_by, window, scope, grouped, notes)

    async def _forecast(
        self,
        group_by: GroupBy,
        window: Window,
        scope: OwnerScope,
        grouped: dict[tuple[int | None, date], Totals],
        notes: list[str],
    ) -> ForecastReport:
        org, targets, note = await self._targets(group_by, grouped, window, scope)
        notes = [*notes, *([note] if note else [])]
        group_people: dict[int | None, set[int]] = {}
        for person, (_name, manager, department) in org.items():
            if group_by is GroupBy.OWNER:
                continue
            key = manager if group_by is GroupBy.TEAM else department
            group_people.setdefault(key, set()).add(person)
        for (key, _month), totals in grouped.items():
            group_people.setdefault(key, set()).update(
                totals.owners if group_by is not GroupBy.OWNER else {key} if key else set()
            )

        def name(key: int | None) -> str | None:
            if key is None or group_by is GroupBy.DEPARTMENT:
                return None
            return org.get(key, (None, None, None))[0]

        def target_of(people: Collection[int], month: date) -> Decimal | None:
            return None if targets is None else rules.sum_targets(targets, people, month)

        rows = [
            self._row(key, name(key), month, totals, target_of(group_people.get(key, set()), month))
            for (key, month), totals in sorted(
                grouped.items(), key=lambda item: (item[0][1], item[0][0] is None, item[0][0] or 0)
            )
        ]
        everyone = Totals()
        for totals in grouped.values():
            everyone.merge(totals)
        all_people = set().union(*group_people.values()) if group_people else set()
        total_target = None
        if targets is not None:
            found = [
                v
                for (p, m), v in targets.items()
                if p in all_people and window.first <= m <= window.last
            ]
            total_target = sum(found, Decimal("0.00")) if found else None
        return ForecastReport(
            group_by=group_by,
            first_month=month_text(window.first),
            last_month=month_text(window.last),
            currency=self.base,
            rows=rows,
            totals=self._row(None, None, None, everyone, total_target) if grouped else None,
            targets_available=targets is not None,
            notes=notes,
        )

    def _row(
        self,
        key: int | None,
        name: str | None,
        month: date | None,
        totals: Totals,
        target: Decimal | None,
    ) -> ForecastRow:
        def cash(amount: Decimal) -> Money:
            return money(amount, self.base)

        return ForecastRow(
            group_id=key,
            group_name=name,
            month=month_text(month) if month else None,
            open_count=totals.open_count,
            pipeline=cash(totals.pipeline),
            weighted=cash(totals.weighted),
            best_case=cash(totals.best_case),
            commit=cash(totals.commit),
            won_count=totals.won_count,
            won=cash(totals.won),
            lost_count=totals.lost_count,
            win_rate=rules.win_rate(totals.won_count, totals.lost_count),
            target=None if target is None else cash(rules.to_cent(target)),
            attainment=rules.coverage(totals.won, target),
            coverage=rules.coverage(totals.pipeline, target),
        )

    async def conversion(
        self, group_by: GroupBy, window: Window, scope: OwnerScope, filters: PipelineFilter
    ) -> ConversionReport:
        """Stage conversion of the stage changes made in the months, and the win rate per
        group of the opportunities closed in them."""
        by_month, _notes = await self._grouped(group_by, filters, scope)
        stages = await self._conversion(window, scope, filters)
        grouped: dict[int | None, list[int]] = {}
        for (key, _month), totals in by_month.items():
            counts = grouped.setdefault(key, [0, 0])
            counts[0] += totals.won_count
            counts[1] += totals.lost_count
        org = await self.repository.people({k for k in grouped if k is not None})
        return ConversionReport(
            first_month=month_text(window.first),
            last_month=month_text(window.last),
            group_by=group_by,
            stages=stages,
            win_rates=[
                WinRateRow(
                    group_id=key,
                    group_name=None
                    if key is None or group_by is GroupBy.DEPARTMENT
                    else org.get(key, (None, None, None))[0],
                    won=won,
                    lost=lost,
                    win_rate=rules.win_rate(won, lost),
                )
                for key, (won, lost) in sorted(
                    grouped.items(), key=lambda i: (i[0] is None, i[0] or 0)
                )
            ],
        )

    async def _conversion(
        self, window: Window, scope: OwnerScope, filters: PipelineFilter
    ) -> list[StageConversion]:
        stage_rows = await self.repository.stages()
        names = {code: name for code, name, *_ in stage_rows}
        stages = [
            rules.Stage(code, position, outcome) for code, _n, position, outcome, _p in stage_rows
        ]
        start = datetime.combine(window.first, time(), self.zone).astimezone(UTC)
        end = datetime.combine(next_month(window.last), time(), self.zone).astimezone(UTC)
        moves = [
            rules.Move(opportunity_id, source, target)
            for opportunity_id, _owner, source, target in await self.repository.moves(
                filters, scope, start, end
            )
        ]
        return [
            StageConversion(
                stage_code=c.stage_code,
                stage_name=names[c.stage_code],
                entered=c.entered,
                advanced=c.advanced,
                lost=c.lost,
                rate=c.rate,
            )
            for c in rules.stage_conversion(stages, moves)
        ]

    async def stuck(self, scope: OwnerScope, filters: PipelineFilter) -> StuckReport:
        """Open opportunities that have been in their stage more than the setting's days,
        longest first (the filtering is the database's: a department has many)."""
        today = self.today()
        cutoff = today - timedelta(days=self.stuck_days)  # entered before that day: stuck
        entered_before = datetime.combine(cutoff, time(), self.zone).astimezone(UTC)
        names = {code: name for code, name, *_ in await self.repository.stages()}
        items = []
        for row, entered in await self.repository.stuck(filters, scope, entered_before):
            since = company_day(entered, self.zone)
            items.append(
                StuckOpportunity(
                    id=row.id, name=row.name, account_id=row.account_id,
                    account_name=row.account_name, owner_id=row.owner_id,
                    owner_name=row.owner_name, stage_code=row.stage_code,
                    stage_name=names.get(row.stage_code, row.stage_code), in_stage_since=since,
                    days_in_stage=rules.days_in_stage(since, today),
                    amount=money(row.amount, row.currency),
                )
            )  # fmt: skip
        items.sort(key=lambda item: (-item.days_in_stage, item.id))
        return StuckReport(limit_days=self.stuck_days, items=items)

    async def report(
        self, window: Window, scope: OwnerScope, filters: PipelineFilter
    ) -> OpportunityReport:
        """销售机会报表: the opportunities of the months (a team's, or all the caller sees),
        the forecast per owner and the stage conversion."""
        loaded = await self._load(filters, scope)
        entered = await self.repository.stage_entered(
            [r.id for r in loaded.rows if r.status == "open"]
        )
        names = {code: name for code, name, *_ in await self.repository.stages()}
        by_id = {row.id: item for row, item in loaded.deals}
        today = self.today()
        lines = []
        for row in loaded.rows:
            item = by_id.get(row.id)
            since = entered.get(row.id)
            lines.append(
                ReportLine(
                    id=row.id, account_id=row.account_id, account_name=row.account_name,
                    name=row.name, owner_id=row.owner_id, owner_name=row.owner_name,
                    stage_code=row.stage_code,
                    stage_name=names.get(row.stage_code, row.stage_code), status=row.status,
                    probability=row.probability, amount=money(row.amount, row.currency),
                    amount_base=None if item is None else money(item.amount_base, self.base),
                    weighted_base=(
                        None if item is None or row.status != "open"
                        else money(item.weighted_base, self.base)
                    ),
                    expected_close_month=month_text(row.expected_close_month),
                    days_in_stage=(
                        None if since is None
                        else rules.days_in_stage(company_day(since, self.zone), today)
                    ),
                )
            )  # fmt: skip
        return OpportunityReport(
            first_month=month_text(window.first),
            last_month=month_text(window.last),
            team_id=filters.team_id,
            lines=lines,
            forecast=await self.forecast(GroupBy.OWNER, window, scope, filters),
            conversion=await self._conversion(window, scope, filters),
        )
