"""Pure rules of satisfaction surveys."""

from datetime import date

import pytest

from services.clients.surveys.rules import survey_period, surveyed_on_problem
from shared.periods import Month, Quarter


def test_periods_are_months_or_quarters() -> None:
    assert survey_period("2026-11") == Month(2026, 11)
    assert survey_period("2026-Q4") == Quarter(2026, 4)
    with pytest.raises(ValueError, match="year"):
        survey_period("2026")
    with pytest.raises(ValueError):
        survey_period("2026-13")


def test_surveyed_on_lies_in_the_period_and_not_ahead() -> None:
    today = date(2026, 11, 20)
    assert surveyed_on_problem(Quarter(2026, 4), date(2026, 10, 1), today) is None
    assert surveyed_on_problem(Month(2026, 11), today, today) is None
    assert "outside" in (surveyed_on_problem(Month(2026, 11), date(2026, 10, 31), today) or "")
    assert "future" in (surveyed_on_problem(Month(2026, 11), date(2026, 11, 21), today) or "")
