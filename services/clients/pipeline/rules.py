"""The forecast arithmetic of the pipeline reports (销售预测): pure functions, no I/O.

Money is exact. Each opportunity's amount is turned into the base currency and weighted by
its probability with exact decimals and rounded once, to the cent (ROUND_HALF_UP); every
total is then a sum of cents, so the owners' totals add up exactly to their team's and
department's. Rates (win rate, conversion, coverage) are ``None`` when nothing was there
to count: "no closed opportunity" is not a win rate of 0.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0001")
HUNDRED = Decimal(100)


class GroupBy(StrEnum):
    """Whose forecast a row is: one owner's, a team's (the owner's manager) or a
    department's."""

    OWNER = "owner"
    TEAM = "team"
    DEPARTMENT = "department"


@dataclass(frozen=True)
class ForecastPolicy:
    """Which open opportunities count as commit (承诺) and best case (乐观)."""

    commit_probability: int = 75
    best_case_probability: int = 50
    commit_stages: frozenset[str] = frozenset({"negotiation"})

    def __post_init__(self) -> None:
        if not 0 <= self.best_case_probability <= self.commit_probability <= 100:
            raise ValueError(
                "need 0 <= best-case probability <= commit probability <= 100, got "
                f"{self.best_case_probability} and {self.commit_probability}"
            )

    def is_commit(self, probability: int, stage_code: str) -> bool:
        return probability >= self.commit_probability or stage_code in self.commit_stages

    def is_best_case(self, probability: int, stage_code: str) -> bool:
        """Best case includes commit."""
        return probability >= self.best_case_probability or self.is_commit(probability, stage_code)


def to_cent(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def base_amount(amount: Decimal, rate: Decimal) -> Decimal:
    """An amount in the base currency (``rate`` base units per unit), to the cent."""
    return to_cent(amount * rate)


def weighted_amount(amount: Decimal, rate: Decimal, probability: int) -> Decimal:
    """amount × rate × probability / 100, exact, rounded once to the cent."""
    return to_cent(amount * rate * Decimal(probability) / HUNDRED)


@dataclass(frozen=True)
class Deal:
    """One opportunity as the forecast sees it (amounts already in the base currency).

    ``month`` is the first day of the month it counts in: the expected close month while
    open, the month it was won or lost once closed.
    """

    owner_id: int
    team_id: int | None
    department_id: int | None
    month: date
    status: str
    stage_code: str
    probability: int
    amount_base: Decimal
    weighted_base: Decimal


def deal(
    *,
    owner_id: int,
    team_id: int | None,
    department_id: int | None,
    month: date,
    status: str,
    stage_code: str,
    probability: int,
    amount: Decimal,
    rate: Decimal,
) -> Deal:
    """A :class:`Deal` from an opportunity's own amount and the rate of its currency."""
    return Deal(
        owner_id=owner_id,
        team_id=team_id,
        department_id=department_id,
        month=month,
        status=status,
        stage_code=stage_code,
        probability=probability,
        amount_base=base_amount(amount, rate),
        weighted_base=weighted_amount(amount, rate, probability),
    )


@dataclass
class Totals:
    """The forecast figures of one group and month, in the base currency."""

    open_count: int = 0
    pipeline: Decimal = Decimal("0.00")
    weighted: Decimal = Decimal("0.00")
    best_case: Decimal = Decimal("0.00")
    commit: Decimal = Decimal("0.00")
    won_count: int = 0
    won: Decimal = Decimal("0.00")
    lost_count: int = 0
    owners: set[int] = field(default_factory=set)

    def add(self, item: Deal, policy: ForecastPolicy) -> None:
        self.owners.add(item.owner_id)
        if item.status == "won":
            self.won_count += 1
            self.won += item.amount_base
        elif item.status == "lost":
            self.lost_count += 1
        else:
            self.open_count += 1
            self.pipeline += item.amount_base
            self.weighted += item.weighted_base
            if policy.is_best_case(item.probability, item.stage_code):
                self.best_case += item.amount_base
            if policy.is_commit(item.probability, item.stage_code):
                self.commit += item.amount_base

    def add_summed(
        self,
        status: str,
        count: int,
        amount_base: Decimal,
        weighted: Decimal,
        best_case: Decimal,
        commit: Decimal,
        owners: Iterable[int],
    ) -> None:
        """Add opportunities already summed (each weighted to the cent, as :func:`deal`)."""
        self.owners.update(owners)
        if status == "won":
            self.won_count += count
            self.won += amount_base
        elif status == "lost":
            self.lost_count += count
        else:
            self.open_count += count
            self.pipeline += amount_base
            self.weighted += weighted
            self.best_case += best_case
            self.commit += commit

    def merge(self, other: Totals) -> None:
        self.open_count += other.open_count
        self.pipeline += other.pipeline
        self.weighted += other.weighted
        self.best_case += other.best_case
        self.commit += other.commit
        self.won_count += other.won_count
        self.won += other.won
        self.lost_count += other.lost_count
        self.owners |= other.owners


def group_key(item: Deal, group_by: GroupBy) -> int | None:
    if group_by is GroupBy.OWNER:
        return item.owner_id
    if group_by is GroupBy.TEAM:
        return item.team_id
    return item.department_id


def forecast(
    deals: Iterable[Deal], group_by: GroupBy, policy: ForecastPolicy
) -> dict[tuple[int | None, date], Totals]:
    """The totals per group and month."""
    rows: dict[tuple[int | None, date], Totals] = {}
    for item in deals:
        rows.setdefault((group_key(item, group_by), item.month), Totals()).add(item, policy)
    return rows


def share(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole to four places, or None when there is nothing to divide by."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(RATE_PLACES, rounding=ROUND_HALF_UP)


def win_rate(won: int, lost: int) -> Decimal | None:
    """won / (won + lost); None (not 0) when nothing was closed."""
    return share(won, won + lost)


def coverage(amount: Decimal, target: Decimal | None) -> Decimal | None:
    """How many times the target an amount covers (pipeline coverage); None without a
    positive target."""
    if target is None or target <= 0:
        return None
    return share(amount, target)


@dataclass(frozen=True)
class Stage:
    code: str
    position: int
    outcome: str


@dataclass(frozen=True)
class Move:
    """One change of an opportunity's stage (``from_code`` None: its creation)."""

    opportunity_id: int
    from_code: str | None
    to_code: str


@dataclass(frozen=True)
class Conversion:
    stage_code: str
    entered: int
    advanced: int
    lost: int
    rate: Decimal | None


def stage_conversion(stages: Sequence[Stage], moves: Iterable[Move]) -> list[Conversion]:
    """Per open stage: how many opportunities were in it, how many left it forward (to a
    later open stage or won) and how many were lost from it; rate = advanced / entered,
    None when none entered. An opportunity counts once per stage however often it came
    back."""
    by_code = {stage.code: stage for stage in stages}
    entered: dict[str, set[int]] = {}
    advanced: dict[str, set[int]] = {}
    lost: dict[str, set[int]] = {}
    for move in moves:
        entered.setdefault(move.to_code, set()).add(move.opportunity_id)
        source, target = by_code.get(move.from_code or ""), by_code.get(move.to_code)
        if source is None or target is None:
            continue
        if target.outcome == "lost":
            lost.setdefault(source.code, set()).add(move.opportunity_id)
        elif target.outcome == "won" or target.position > source.position:
            advanced.setdefault(source.code, set()).add(move.opportunity_id)
    result = []
    for stage in sorted(stages, key=lambda s: s.position):
        if stage.outcome != "open":
            continue
        came = entered.get(stage.code, set()) | advanced.get(stage.code, set())
        went = advanced.get(stage.code, set())
        result.append(
            Conversion(
                stage.code, len(came), len(went), len(lost.get(stage.code, set())),
                share(len(went), len(came)),
            )
        )  # fmt: skip
    return result


def days_in_stage(since: date, today: date) -> int:
    return max((today - since).days, 0)


def is_stuck(since: date, today: date, limit_days: int) -> bool:
    """An open opportunity is stuck when it has been in its stage more than ``limit_days``."""
    return days_in_stage(since, today) > limit_days


def month_start(day: date) -> date:
    return day.replace(day=1)


def months_between(first: date, last: date) -> list[date]:
    """The first days of the months from ``first``'s to ``last``'s, both included."""
    months = []
    current = month_start(first)
    while current <= last:
        months.append(current)
        current = (
            current.replace(year=current.year + 1, month=1)
            if current.month == 12
            else current.replace(month=current.month + 1)
        )
    return months


def sum_targets(
    targets: Mapping[tuple[int, date], Decimal],
    owners: Collection[int],
    month: date,
) -> Decimal | None:
    """The target of some owners for a month (None when none of them has one)."""
    found = [targets[(owner, month)] for owner in owners if (owner, month) in targets]
    return sum(found, Decimal("0.00")) if found else None


TargetLookup = Callable[[Collection[int], date], Decimal | None]
