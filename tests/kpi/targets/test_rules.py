"""Target decomposition: parts add up exactly to the parent, to the cent."""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.kpi.targets.rules import (
    MONTHS,
    Joiner,
    Leaver,
    TargetError,
    decompose_target,
    monthly_distribution,
    rebalance,
)

D = Decimal
CENT = D("0.01")

totals = st.integers(0, 10**13).map(lambda c: D(c) / 100)
share_values = st.decimals(min_value=0, max_value=10**6, places=3, allow_nan=False)
share_maps = st.dictionaries(
    st.text(min_size=1, max_size=4), share_values, min_size=1, max_size=12
).filter(lambda shares: any(v > 0 for v in shares.values()))


# --- decompose_target -----------------------------------------------------------------------


def test_thirds_hand_computed() -> None:
    parts = decompose_target(D("100.00"), {"a": D(1), "b": D(1), "c": D(1)})
    # 33.333… each; one leftover cent goes to the first key in sorted order
    assert parts == {"a": D("33.34"), "b": D("33.33"), "c": D("33.33")}


def test_largest_remainder_gets_the_leftover_cents() -> None:
    # 1,000,000.00 by 45 / 35 / 20 % of headcount-weighted shares 7 / 5 / 3
    parts = decompose_target(D("1000000.00"), {"east": D(7), "west": D(5), "north": D(3)})
    # exact: 466666.666…, 333333.333…, 200000 → floors leave 1 cent, east has .67 remainder
    assert parts == {"east": D("466666.67"), "west": D("333333.33"), "north": D("200000.00")}
    assert sum(parts.values()) == D("1000000.00")


def test_two_leftover_cents() -> None:
    # 0.05 over three equal shares: 0.0166… each → 0.01 each, two cents left
    parts = decompose_target(D("0.05"), {"x": D(1), "y": D(1), "z": D(1)})
    assert parts == {"x": D("0.02"), "y": D("0.02"), "z": D("0.01")}


def test_ties_prefer_the_larger_share_then_the_smaller_key() -> None:
    # 0.05 by 1 / 2 / 1: exact 1.25, 2.5, 1.25 cents; b has the largest remainder
    parts = decompose_target(D("0.05"), {"c": D(1), "b": D(2), "a": D(1)})
    assert parts == {"c": D("0.01"), "b": D("0.03"), "a": D("0.01")}
    # 0.02 by 1 / 3: exact 0.5 and 1.5 cents, equal remainders; the larger share wins
    assert decompose_target(D("0.02"), {"a": D(1), "b": D(3)}) == {"a": D(0), "b": D("0.02")}
    # equal shares and remainders: the smaller key wins, wherever it is listed
    ties = decompose_target(D("0.01"), {"z": D(1), "m": D(1)})
    assert ties == {"z": D("0.00"), "m": D("0.01")}


def test_zero_shares_get_exactly_zero_and_shares_may_be_percentages() -> None:
    parts = decompose_target(D("999.99"), {"a": D("62.5"), "b": D(0), "c": D("37.5")})
    assert parts["b"] == D("0.00")
    assert sum(parts.values()) == D("999.99")
    assert parts == {"a": D("624.99"), "b": D("0.00"), "c": D("375.00")}


def test_non_string_keys_and_zero_total() -> None:
    assert decompose_target(D(0), {1: D(1), 2: D(3)}) == {1: D(0), 2: D(0)}
    mixed = decompose_target(D("0.01"), {1: D(1), "1": D(1)})
    assert sum(mixed.values()) == D("0.01")


@pytest.mark.parametrize(
    ("total", "shares", "message"),
    [
        (D("100.005"), {"a": D(1)}, "whole number of cents"),
        (D(-1), {"a": D(1)}, "must not be negative"),
        (D(100), {}, "at least one share"),
        (D(100), {"a": D(0), "b": D(0)}, "not all be zero"),
        (D(100), {"a": D(1), "b": D(-1)}, "share of 'b' must not be negative"),
        (D(100), {"a": 0.5}, "float"),
        (100.0, {"a": D(1)}, "float"),
        (D("NaN"), {"a": D(1)}, "finite"),
    ],
)
def test_bad_input_is_refused(total: Decimal, shares: dict[str, Decimal], message: str) -> None:
    with pytest.raises(TargetError, match=message):
        decompose_target(total, shares)


@given(totals, share_maps)
def test_parts_sum_exactly_and_stay_within_a_cent(
    total: Decimal, shares: dict[str, Decimal]
) -> None:
    parts = decompose_target(total, shares)
    assert list(parts) == list(shares)
    assert sum(parts.values(), D(0)) == total
    weight_sum = sum((Fraction(s) for s in shares.values()), Fraction(0))
    for key, part in parts.items():
        assert part == part.quantize(CENT)
        exact = Fraction(total) * Fraction(shares[key]) / weight_sum
        assert abs(Fraction(part) - exact) < Fraction(1, 100)
        if shares[key] == 0:
            assert part == 0


@given(totals, share_maps, st.randoms(use_true_random=False))
def test_order_of_the_shares_does_not_matter(
    total: Decimal, shares: dict[str, Decimal], rng: random.Random
) -> None:
    items = list(shares.items())
    rng.shuffle(items)
    assert decompose_target(total, dict(items)) == decompose_target(total, shares)


@given(totals, share_maps)
def test_scaling_all_shares_changes_nothing(total: Decimal, shares: dict[str, Decimal]) -> None:
    scaled = {key: value * 7 for key, value in shares.items()}
    assert decompose_target(total, scaled) == decompose_target(total, shares)


@given(
    totals,
    st.lists(share_values, min_size=2, max_size=5),
    st.lists(share_values, min_size=2, max_size=5),
)
def test_two_levels_add_up_to_the_department(
    total: Decimal, team_shares: list[Decimal], people_shares: list[Decimal]
) -> None:
    teams = {f"team{n}": s + 1 for n, s in enumerate(team_shares)}
    people = {f"p{n}": s + 1 for n, s in enumerate(people_shares)}
    team_targets = decompose_target(total, teams)
    grand_total = D(0)
    for team_target in team_targets.values():
        person_targets = decompose_target(team_target, people)
        assert sum(person_targets.values(), D(0)) == team_target
        grand_total += sum(person_targets.values(), D(0))
    assert grand_total == total


# --- monthly distribution ---------------------------------------------------------------------


def test_even_monthly_distribution() -> None:
    months = monthly_distribution(D("1000000.00"))
    assert list(months) == list(MONTHS)
    # 83333.333… each; four leftover cents go to months 1–4
    assert months[1] == months[4] == D("83333.34")
    assert months[5] == months[12] == D("83333.33")
    assert sum(months.values()) == D("1000000.00")


def test_seasonal_distribution() -> None:
    seasonal = [D(w) for w in (5, 6, 8, 8, 9, 9, 8, 8, 9, 9, 10, 11)]  # sums to 100
    months = monthly_distribution(D("1200000.00"), seasonal)
    assert months[1] == D("60000.00") and months[12] == D("132000.00")
    assert sum(months.values()) == D("1200000.00")


def test_seasonal_distribution_needs_twelve_weights() -> None:
    with pytest.raises(TargetError, match="12 monthly weights, got 11"):
        monthly_distribution(D(100), [D(1)] * 11)


@given(totals, st.lists(share_values, min_size=12, max_size=12).filter(any))
def test_months_add_up_to_the_year(total: Decimal, weights: list[Decimal]) -> None:
    assert sum(monthly_distribution(total, weights).values(), D(0)) == total


# --- rebalance ------------------------------------------------------------------------------


def _plan(**annual: str) -> dict[str, dict[int, Decimal]]:
    return {person: monthly_distribution(D(total)) for person, total in annual.items()}


def _month_totals(plan: dict[str, dict[int, Decimal]]) -> dict[int, Decimal]:
    return {m: sum((months[m] for months in plan.values()), D(0)) for m in MONTHS}


def test_leaver_hand_computed() -> None:
    plan = _plan(li="120000.00", wang="60000.00", zhao="60000.00")
    result = rebalance(plan, Leaver("li"), effective_month=7)
    for month in range(1, 7):
        assert {p: result[p][month] for p in plan} == {p: plan[p][month] for p in plan}
    # from July li's 10,000.00 a month goes to wang and zhao, 5,000.00 each
    for month in range(7, 13):
        assert result["li"][month] == D(0)
        assert result["wang"][month] == result["zhao"][month] == D("10000.00")
    assert sum(result["li"].values()) == D("60000.00")
    assert _month_totals(result) == _month_totals(plan)


def test_joiner_takes_an_equal_share_by_default() -> None:
    plan = _plan(li="120000.00", wang="120000.00")
    result = rebalance(plan, Joiner("chen"), effective_month=10)
    assert list(result) == ["li", "wang", "chen"]
    assert all(result["chen"][m] == 0 for m in range(1, 10))
    for month in (10, 11, 12):
        # 20,000.00 a month split three ways: 6666.67 / 6666.67 / 6666.66 (ties: larger
        # share first, then the key: chen < li < wang)
        assert sorted(result[p][month] for p in result) == [
            D("6666.66"),
            D("6666.67"),
            D("6666.67"),
        ]
    assert _month_totals(result) == _month_totals(plan)


def test_joiner_with_an_explicit_share() -> None:
    plan = _plan(li="120000.00", wang="120000.00")
    result = rebalance(plan, Joiner("chen", D("0.2")), effective_month=12)
    assert result["chen"][12] == D("4000.00")
    assert result["li"][12] == result["wang"][12] == D("8000.00")


def test_months_with_nothing_stay_zero_and_zero_targets_share_equally() -> None:
    plan = {"a": dict.fromkeys(MONTHS, D(0)), "b": dict.fromkeys(MONTHS, D(0))}
    plan["c"] = dict.fromkeys(MONTHS, D("10.00"))
    joined = rebalance({"a": plan["a"]}, Joiner("z"), effective_month=1)
    assert all(v == 0 for months in joined.values() for v in months.values())
    left = rebalance(plan, Leaver("c"), effective_month=6)
    assert left["a"][6] == left["b"][6] == D("5.00")
    assert _month_totals(left) == _month_totals(plan)


@pytest.mark.parametrize(
    ("change", "month", "message"),
    [
        (Leaver("nobody"), 5, "not in the plan"),
        (Joiner("li"), 5, "already in the plan"),
        (Joiner("chen", D(1)), 5, "between 0 and 1"),
        (Joiner("chen", D(0)), 5, "between 0 and 1"),
        (Leaver("li"), 0, "between 1 and 12"),
        (Leaver("li"), 13, "between 1 and 12"),
    ],
)
def test_bad_changes_are_refused(
    change: Joiner[str] | Leaver[str], month: int, message: str
) -> None:
    plan = _plan(li="1200.00", wang="1200.00")
    with pytest.raises(TargetError, match=message):
        rebalance(plan, change, month)


def test_bad_plans_are_refused() -> None:
    with pytest.raises(TargetError, match="only person"):
        rebalance(_plan(li="1200.00"), Leaver("li"), 3)
    with pytest.raises(TargetError, match="exactly the months"):
        rebalance({"li": {1: D(1)}}, Joiner("x"), 3)
    with pytest.raises(TargetError, match="nobody"):
        rebalance({}, Joiner("x"), 3)
    bad = _plan(li="1200.00")
    bad["li"][3] = D("1.001")
    with pytest.raises(TargetError, match="whole number of cents"):
        rebalance(bad, Joiner("x"), 3)


@st.composite
def plans(draw: st.DrawFn) -> dict[str, dict[int, Decimal]]:
    people = draw(st.integers(2, 6))
    return {
        f"p{n}": monthly_distribution(
            draw(totals),
            draw(st.lists(share_values, min_size=12, max_size=12).filter(any)),
        )
        for n in range(people)
    }


@given(plans(), st.integers(1, 12), st.data())
def test_rebalance_keeps_the_past_and_every_month_total(
    plan: dict[str, dict[int, Decimal]], effective: int, data: st.DataObject
) -> None:
    if data.draw(st.booleans()):
        change: Joiner[str] | Leaver[str] = Leaver(data.draw(st.sampled_from(sorted(plan))))
    else:
        share = data.draw(st.none() | st.decimals(min_value="0.01", max_value="0.99", places=2))
        change = Joiner("new", share)
    result = rebalance(plan, change, effective)
    assert _month_totals(result) == _month_totals(plan)
    for person, months in plan.items():
        for month in range(1, effective):
            assert result[person][month] == months[month]
    for months in result.values():
        assert all(v >= 0 and v == v.quantize(CENT) for v in months.values())
    if isinstance(change, Leaver):
        assert all(result[change.key][m] == 0 for m in range(effective, 13))
    else:
        assert all(result["new"][m] == 0 for m in range(1, effective))
