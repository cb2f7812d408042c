"""Target decomposition (目标分解): split a target into parts that add up exactly, to the cent.

An annual department target goes to teams, then people, then months. Every split uses the
largest-remainder method on whole cents: each part first gets the exact proportional value
rounded down to the cent, and the cents left over go one each to the parts with the
largest remainders. So the parts always add up to the parent exactly, and each part is
within one cent of its exact proportional value.

Ties between equal remainders go to the larger share, then to the smaller key in sorted
order (keys that cannot be compared are ordered by their ``repr``), so the result does not
depend on the order in which the shares are listed.

Months are numbered 1–12 within the plan's year.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Generic, Protocol, TypeVar

from shared.money import parse_exact_decimal, quantize_cents

__all__ = [
    "MONTHS",
    "Joiner",
    "Leaver",
    "OutsideDepartment",
    "TargetError",
    "decompose_target",
    "lines_outside_department",
    "monthly_distribution",
    "plan_org_date",
    "rebalance",
    "visible_parts",
]

MONTHS = tuple(range(1, 13))
"""The month numbers of a plan."""

K = TypeVar("K", bound=Hashable)
P = TypeVar("P", bound=Hashable)

_CENTS_PER_UNIT = 100


class TargetError(ValueError):
    """A target or its shares cannot be decomposed as asked."""


def _exact(value: object, what: str) -> Decimal:
    try:
        return parse_exact_decimal(value)
    except ValueError as exc:
        raise TargetError(f"{what}: {exc}") from exc


def _cents(total: Decimal) -> int:
    total = _exact(total, "total")
    if total < 0:
        raise TargetError(f"a target must not be negative, got {total}")
    if quantize_cents(total) != total:
        raise TargetError(f"a target must be a whole number of cents, got {total}")
    return int(total * _CENTS_PER_UNIT)


def _canonical_rank(keys: Sequence[K]) -> dict[K, int]:
    try:
        ordered = sorted(keys)  # type: ignore[type-var]
    except TypeError:
        ordered = sorted(keys, key=lambda key: (type(key).__name__, repr(key)))
    return {key: rank for rank, key in enumerate(ordered)}


def decompose_target(total: Decimal, shares: Mapping[K, Decimal]) -> dict[K, Decimal]:
    """Split ``total`` in proportion to ``shares``, to the cent, adding up exactly.

    ``total`` is a non-negative amount in whole cents; ``shares`` are non-negative weights
    of any scale (percentages, headcounts, last year's sales), not all zero. A zero share
    gets exactly zero. The result keeps the order of ``shares``.

    >>> decompose_target(Decimal("100.00"), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)})
    {'a': Decimal('33.34'), 'b': Decimal('33.33'), 'c': Decimal('33.33')}
    """
    cents = _cents(total)
    if not shares:
        raise TargetError("a target needs at least one share to be split into")
    weights: dict[K, Fraction] = {}
    for key, raw in shares.items():
        share = _exact(raw, f"share of {key!r}")
        if share < 0:
            raise TargetError(f"share of {key!r} must not be negative, got {share}")
        weights[key] = Fraction(share)
    weight_sum = sum(weights.values(), Fraction(0))
    if weight_sum == 0:
        raise TargetError("shares must not all be zero")

    parts: dict[K, int] = {}
    remainders: dict[K, Fraction] = {}
    for key, weight in weights.items():
        exact = cents * weight / weight_sum
        parts[key] = exact.numerator // exact.denominator
        remainders[key] = exact - parts[key]
    leftover = cents - sum(parts.values())
    rank = _canonical_rank(list(weights))
    by_priority = sorted(weights, key=lambda key: (-remainders[key], -weights[key], rank[key]))
    for key in by_priority[:leftover]:
        parts[key] += 1
    return {key: Decimal(part) / _CENTS_PER_UNIT for key, part in parts.items()}


def monthly_distribution(
    total: Decimal, seasonal_weights: Sequence[Decimal] | None = None
) -> dict[int, Decimal]:
    """Split an annual ``total`` over months 1–12 by twelve seasonal weights (even if None).

    The weights are relative (e.g. ``8, 8, 9, …``); the twelve parts add up exactly to
    ``total``.
    """
    if seasonal_weights is None:
        seasonal_weights = [Decimal(1)] * len(MONTHS)
    if len(seasonal_weights) != len(MONTHS):
        raise TargetError(
            f"a seasonal distribution needs 12 monthly weights, got {len(seasonal_weights)}"
        )
    return decompose_target(total, dict(zip(MONTHS, seasonal_weights, strict=True)))


@dataclass(frozen=True, slots=True)
class Joiner(Generic[P]):
    """Someone who joins the plan from the effective month.

    ``share`` is the fraction (0 < share < 1) of each remaining month's total they take
    over; ``None`` means an equal per-head share, ``1 / (headcount + 1)``.
    """

    key: P
    share: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Leaver(Generic[P]):
    """Someone who leaves the plan from the effective month.

    Their remaining months are shared out among the others in proportion to those people's
    own targets that month.
    """

    key: P


def _check_plan(plan: Mapping[P, Mapping[int, Decimal]]) -> dict[P, dict[int, Decimal]]:
    if not plan:
        raise TargetError("the plan has nobody in it")
    checked: dict[P, dict[int, Decimal]] = {}
    for person, months in plan.items():
        if set(months) != set(MONTHS):
            raise TargetError(f"the plan for {person!r} must have exactly the months 1-12")
        checked[person] = {}
        for month in MONTHS:
            value = _exact(months[month], f"target of {person!r} in month {month}")
            _cents(value)
            checked[person][month] = value
    return checked


def _split_month(month_total: Decimal, weights: Mapping[P, Decimal]) -> dict[P, Decimal]:
    if month_total == 0:
        return dict.fromkeys(weights, Decimal("0.00"))
    if all(weight == 0 for weight in weights.values()):
        weights = dict.fromkeys(weights, Decimal(1))
    return decompose_target(month_total, weights)


def rebalance(
    plan: Mapping[P, Mapping[int, Decimal]],
    change: Joiner[P] | Leaver[P],
    effective_month: int,
) -> dict[P, dict[int, Decimal]]:
    """Re-split a team's monthly plan when someone joins or leaves mid-year.

    ``plan`` maps each person to their targets for months 1–12. Months before
    ``effective_month`` are left exactly as they were. From ``effective_month`` on, each
    month's team total is kept and re-split to the cent (largest remainder):

    - a :class:`Leaver` gets zero; the others share the month in proportion to their own
      targets that month (equally if those are all zero);
    - a :class:`Joiner` takes ``share`` of the month (zero before ``effective_month``); the
      others keep the rest in proportion to their own targets that month.

    So every month's total — and therefore the annual total — is unchanged, to the cent.
    The result lists everyone in the plan, a leaver included (their past months stand).
    """
    if not isinstance(effective_month, int) or not 1 <= effective_month <= 12:
        raise TargetError(f"the effective month must be between 1 and 12, got {effective_month}")
    current = _check_plan(plan)
    result = {person: dict(months) for person, months in current.items()}
    remaining = [month for month in MONTHS if month >= effective_month]

    if isinstance(change, Leaver):
        if change.key not in current:
            raise TargetError(f"{change.key!r} is not in the plan, so cannot leave it")
        stayers = [person for person in current if person != change.key]
        if not stayers:
            raise TargetError(f"{change.key!r} is the only person in the plan; nobody would remain")
        for month in remaining:
            month_total = sum((current[person][month] for person in current), Decimal(0))
            split = _split_month(month_total, {p: current[p][month] for p in stayers})
            for person in stayers:
                result[person][month] = split[person]
            result[change.key][month] = Decimal("0.00")
        return result

    if change.key in current:
        raise TargetError(f"{change.key!r} is already in the plan, so cannot join it")
    share = (
        Decimal(1) / (len(current) + 1)
        if change.share is None
        else _exact(change.share, "joiner's share")
    )
    if not 0 < share < 1:
        raise TargetError(f"a joiner's share must be between 0 and 1 (exclusive), got {share}")
    result[change.key] = dict.fromkeys(MONTHS, Decimal("0.00"))
    for month in remaining:
        month_total = sum((current[person][month] for person in current), Decimal(0))
        joined = {person: current[person][month] * (1 - share) for person in current}
        joined[change.key] = month_total * share if month_total > 0 else Decimal(0)
        split = _split_month(month_total, joined)
        for person, value in split.items():
            result[person][month] = value
    return result


# --- who sees which part --------------------------------------------------------------------


class TargetPart(Protocol):
    """What :func:`visible_parts` needs of a stored part (team, person or month)."""

    @property
    def level(self) -> str: ...

    @property
    def team_id(self) -> int: ...

    @property
    def employee_id(self) -> int | None: ...


Part = TypeVar("Part", bound=TargetPart)


def visible_parts(
    plan_department_id: int,
    parts: Sequence[Part],
    *,
    departments: frozenset[int] | None,
    employees: frozenset[int],
) -> list[Part]:
    """The parts of a plan a caller may read.

    ``departments is None`` means the caller sees everything. Otherwise a caller leading
    the plan's department sees the whole plan, one leading a team sees that team with all
    its people, and anyone sees his own (and his reports') person and month parts with
    their team's line; nobody else's individual target.
    """
    if departments is None or plan_department_id in departments:
        return list(parts)
    own_teams = {p.team_id for p in parts if p.employee_id in employees}
    return [
        part
        for part in parts
        if part.team_id in departments
        or (part.employee_id is None and part.team_id in own_teams)
        or (part.employee_id is not None and part.employee_id in employees)
    ]


# --- who may be in a plan ---------------------------------------------------------------------


def plan_org_date(year: int, today: date) -> date:
    """The date at which a plan's teams and people are checked against the org: today,
    clamped into the plan's year (a past year's plan is checked at its 31 December, a future
    year's at its 1 January)."""
    return min(max(today, date(year, 1, 1)), date(year, 12, 31))


@dataclass(frozen=True, slots=True)
class OutsideDepartment:
    """The lines of a plan that are not in the plan's department subtree."""

    team_ids: list[int]
    employee_ids: list[int]

    def __bool__(self) -> bool:
        return bool(self.team_ids or self.employee_ids)


def lines_outside_department(
    department_id: int,
    lines: Mapping[int, Iterable[int]],
    members: Mapping[int, int],
) -> OutsideDepartment:
    """Teams and people of a plan outside its department subtree, in the order given.

    ``lines`` maps team id → employee ids; ``members`` maps each employee of the subtree to
    their department. A team must be the department itself or a department someone of the
    subtree belongs to; a person must be in the subtree (any team of it: people are lent
    between teams of one department).
    """
    departments = {department_id, *members.values()}
    teams = [team for team in lines if team not in departments]
    people = [e for employees in lines.values() for e in employees if e not in members]
    return OutsideDepartment(team_ids=teams, employee_ids=people)
