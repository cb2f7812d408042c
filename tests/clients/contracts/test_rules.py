"""Pure rules of contracts: derived expiry, renewal start, termination dates."""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from services.clients.contracts.rules import (
    ContractStatus,
    renewal_start,
    shown_status,
    termination_problem,
)

days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


@given(days, days)
def test_only_signed_contracts_past_their_end_show_as_expired(end: date, today: date) -> None:
    shown = shown_status("signed", end, today)
    assert (shown is ContractStatus.EXPIRED) == (end < today)
    for stored in ("draft", "terminated"):
        assert shown_status(stored, end, today) is ContractStatus(stored)


def test_the_last_day_is_still_in_force() -> None:
    assert shown_status("signed", date(2026, 12, 31), date(2026, 12, 31)) is ContractStatus.SIGNED
    assert shown_status("signed", date(2026, 12, 31), date(2027, 1, 1)) is ContractStatus.EXPIRED


def test_a_renewal_starts_the_day_after() -> None:
    assert renewal_start(date(2026, 12, 31)) == date(2027, 1, 1)
    assert renewal_start(date(2028, 2, 28)) == date(2028, 2, 29)


def test_termination_dates() -> None:
    signed, end = date(2026, 3, 1), date(2026, 12, 31)
    assert termination_problem(date(2026, 3, 1), signed, end) is None
    assert termination_problem(date(2026, 12, 31), signed, end) is None
    assert "before" in (termination_problem(date(2026, 2, 28), signed, end) or "")
    assert "after" in (termination_problem(date(2027, 1, 1), signed, end) or "")
