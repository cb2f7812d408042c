"""The forecast arithmetic: weighted amounts to the cent, totals that add up exactly,
commit / best case, win rate and conversion that are null (not 0) with nothing to count."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.pipeline import rules
from services.clients.pipeline.rules import Deal, ForecastPolicy, GroupBy, Move, Stage

POLICY = ForecastPolicy()
DECEMBER = date(2026, 12, 1)


def make(
    amount: str,
    probability: int,
    *,
    owner: int = 1,
    team: int | None = 10,
    department: int | None = 100,
    status: str = "open",
    stage: str = "proposal",
    rate: str = "1",
    month: date = DECEMBER,
) -> Deal:
    return rules.deal(
        owner_id=owner, team_id=team, department_id=department, month=month, status=status,
        stage_code=stage, probability=probability, amount=Decimal(amount), rate=Decimal(rate),
    )  # fmt: skip


def test_weighted_amount_is_exact_then_rounded_half_up_once() -> None:
    assert rules.weighted_amount(Decimal("0.05"), Decimal("1"), 50) == Decimal("0.03")
    assert rules.weighted_amount(Decimal("0.01"), Decimal("1"), 50) == Decimal("0.01")
    assert rules.weighted_amount(Decimal("0.01"), Decimal("1"), 49) == Decimal("0.00")
    # 333.33 USD at 7.1234 = 2374.443... ; × 75 % = 1780.83... : one rounding, at the end
    assert rules.weighted_amount(Decimal("333.33"), Decimal("7.1234"), 75) == Decimal("1780.83")
    assert rules.base_amount(Decimal("333.33"), Decimal("7.1234")) == Decimal("2374.44")


def test_forecast_splits_pipeline_best_case_commit_and_won() -> None:
    deals = [
        make("1000.00", 25, stage="qualified"),
        make("2000.00", 50),
        make("3000.00", 60, stage="negotiation"),  # a commit stage below the commit probability
        make("4000.00", 80),
        make("500.00", 100, status="won", stage="won"),
        make("700.00", 0, status="lost", stage="lost"),
    ]
    [(key, totals)] = rules.forecast(deals, GroupBy.OWNER, POLICY).items()
    assert key == (1, DECEMBER)
    assert totals.pipeline == Decimal("10000.00")
    assert totals.weighted == Decimal("250.00") + Decimal("1000.00") + Decimal("1800.00") + Decimal(
        "3200.00"
    )
    assert totals.best_case == Decimal("9000.00")
    assert totals.commit == Decimal("7000.00")
    assert (totals.won, totals.won_count, totals.lost_count, totals.open_count) == (
        Decimal("500.00"), 1, 1, 4,
    )  # fmt: skip


def test_groups_follow_owner_team_and_department_and_months_stay_apart() -> None:
    deals = [
        make("100.00", 50, owner=1, team=10),
        make("100.00", 50, owner=2, team=10),
        make("100.00", 50, owner=3, team=11, month=date(2027, 1, 1)),
    ]
    assert set(rules.forecast(deals, GroupBy.TEAM, POLICY)) == {
        (10, DECEMBER), (11, date(2027, 1, 1)),
    }  # fmt: skip
    by_department = rules.forecast(deals, GroupBy.DEPARTMENT, POLICY)
    assert by_department[(100, DECEMBER)].weighted == Decimal("100.00")


def test_win_rate_and_coverage_are_null_without_a_base() -> None:
    assert rules.win_rate(0, 0) is None
    assert rules.win_rate(0, 3) == Decimal("0")
    assert rules.win_rate(1, 2) == Decimal("0.3333")
    assert rules.win_rate(2, 1) == Decimal("0.6667")
    assert rules.coverage(Decimal("300"), None) is None
    assert rules.coverage(Decimal("300"), Decimal("0")) is None
    assert rules.coverage(Decimal("300"), Decimal("100")) == Decimal("3.0000")


def test_a_policy_with_best_case_above_commit_is_refused() -> None:
    with pytest.raises(ValueError, match="best-case"):
        ForecastPolicy(commit_probability=40, best_case_probability=50)


STAGES = [
    Stage("lead", 10, "open"), Stage("qualified", 20, "open"), Stage("proposal", 30, "open"),
    Stage("won", 90, "won"), Stage("lost", 100, "lost"),
]  # fmt: skip


def test_stage_conversion_counts_forward_moves_once_and_null_for_empty_stages() -> None:
    moves = [
        Move(1, None, "lead"), Move(1, "lead", "qualified"), Move(1, "qualified", "won"),
        Move(2, None, "lead"), Move(2, "lead", "lost"),
        Move(3, None, "lead"), Move(3, "lead", "qualified"), Move(3, "qualified", "lead"),
        Move(3, "lead", "qualified"),
    ]  # fmt: skip
    result = {c.stage_code: c for c in rules.stage_conversion(STAGES, moves)}
    assert set(result) == {"lead", "qualified", "proposal"}
    lead = result["lead"]
    assert (lead.entered, lead.advanced, lead.lost, lead.rate) == (3, 2, 1, Decimal("0.6667"))
    qualified = result["qualified"]
    assert (qualified.entered, qualified.advanced) == (2, 1)
    assert result["proposal"].entered == 0 and result["proposal"].rate is None


def test_stuck_means_more_days_than_the_limit() -> None:
    assert not rules.is_stuck(date(2026, 11, 5), date(2026, 12, 5), 30)
    assert rules.is_stuck(date(2026, 11, 4), date(2026, 12, 5), 30)
    assert rules.days_in_stage(date(2026, 12, 6), date(2026, 12, 5)) == 0


def test_months_between_crosses_the_year() -> None:
    assert rules.months_between(date(2026, 11, 1), date(2027, 2, 1)) == [
        date(2026, 11, 1), date(2026, 12, 1), date(2027, 1, 1), date(2027, 2, 1),
    ]  # fmt: skip


amounts = st.decimals(min_value=Decimal("0"), max_value=Decimal("99999999.99"), places=2)
rates = st.sampled_from(["1", "7.1234", "0.9312", "0.04921", "155.25"])
deals_strategy = st.lists(
    st.builds(
        make,
        amount=amounts.map(str),
        probability=st.integers(min_value=0, max_value=100),
        owner=st.integers(min_value=1, max_value=12),
        team=st.sampled_from([10, 11, None]),
        department=st.sampled_from([100, 101]),
        status=st.sampled_from(["open", "open", "won", "lost"]),
        rate=rates,
        month=st.sampled_from([DECEMBER, date(2027, 1, 1)]),
    ),
    max_size=40,
)


@given(deals_strategy)
def test_owner_totals_add_up_exactly_to_teams_and_departments(deals: list[Deal]) -> None:
    def summed(group_by: GroupBy, field: str) -> Decimal:
        grouped = rules.forecast(deals, group_by, POLICY)
        return sum((getattr(t, field) for t in grouped.values()), Decimal("0.00"))

    for field in ("pipeline", "weighted", "best_case", "commit", "won"):
        owners = summed(GroupBy.OWNER, field)
        assert owners == summed(GroupBy.TEAM, field) == summed(GroupBy.DEPARTMENT, field)
        assert owners == owners.quantize(rules.CENT)  # whole cents, no rounding left over
    open_deals = [d for d in deals if d.status == "open"]
    assert summed(GroupBy.OWNER, "weighted") == sum(
        (d.weighted_base for d in open_deals), Decimal("0.00")
    )


@given(amounts, rates, st.integers(min_value=0, max_value=100))
def test_weighted_is_within_half_a_cent_of_the_exact_product(
    amount: Decimal, rate: str, probability: int
) -> None:
    exact = amount * Decimal(rate) * probability / 100
    weighted = rules.weighted_amount(amount, Decimal(rate), probability)
    assert abs(weighted - exact) <= Decimal("0.005")
    assert weighted <= rules.base_amount(amount, Decimal(rate))
