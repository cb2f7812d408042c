"""The time rules of clients' work items: birthdays (year end, 29 February), the renewal
window, ERP events waiting, imminent SLA deadlines, and the source keys."""

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.clients.workitems import rules
from services.clients.workitems.producer import Kind, WorkItem

days = st.dates(min_value=date(1950, 1, 1), max_value=date(2090, 12, 31))
instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


def test_a_birthday_in_the_new_year_is_announced_across_the_year_end() -> None:
    assert rules.birthday_ahead(date(1980, 1, 2), date(2026, 12, 30), 3) == date(2027, 1, 2)
    assert rules.birthday_ahead(date(1980, 1, 3), date(2026, 12, 30), 3) is None
    assert rules.birthday_ahead(date(1980, 12, 31), date(2026, 12, 31), 0) == date(2026, 12, 31)


def test_29_february_is_kept_on_28_february_when_the_year_has_none() -> None:
    leap_born = date(1996, 2, 29)
    assert rules.next_birthday(leap_born, date(2027, 2, 1)) == date(2027, 2, 28)
    assert rules.next_birthday(leap_born, date(2028, 2, 1)) == date(2028, 2, 29)
    assert rules.birthday_ahead(leap_born, date(2027, 2, 26), 2) == date(2027, 2, 28)
    assert rules.birthday_ahead(leap_born, date(2027, 2, 25), 2) is None
    # past this year's, the next is in the year after (a leap year here)
    assert rules.next_birthday(leap_born, date(2027, 3, 1)) == date(2028, 2, 29)


def test_a_birthday_today_is_announced_and_yesterdays_is_a_year_away() -> None:
    today = date(2026, 12, 5)
    assert rules.birthday_ahead(date(1970, 12, 5), today, 0) == today
    assert rules.next_birthday(date(1970, 12, 4), today) == date(2027, 12, 4)


@given(birthday=days, today=days)
def test_the_next_birthday_is_within_a_year_on_the_same_day_or_the_28th(
    birthday: date, today: date
) -> None:
    upcoming = rules.next_birthday(birthday, today)
    assert today <= upcoming < today + timedelta(days=367)
    assert upcoming.month == birthday.month
    assert upcoming.day == birthday.day or (birthday.day, upcoming.day) == (29, 28)


@given(birthday=days, today=days, ahead=st.integers(min_value=0, max_value=60))
def test_a_birthday_is_announced_exactly_when_it_is_at_most_n_days_away(
    birthday: date, today: date, ahead: int
) -> None:
    announced = rules.birthday_ahead(birthday, today, ahead)
    distance = (rules.next_birthday(birthday, today) - today).days
    assert (announced is not None) == (distance <= ahead)


def test_the_renewal_window_runs_from_n_days_before_the_end_to_the_end() -> None:
    end = date(2027, 1, 15)
    assert rules.renewal_due(end, date(2026, 12, 16), 30)
    assert not rules.renewal_due(end, date(2026, 12, 15), 30)
    assert rules.renewal_due(end, end, 30)
    assert not rules.renewal_due(end, end + timedelta(days=1), 30)


@given(end=days, today=days, notice=st.integers(min_value=0, max_value=365))
def test_a_contract_is_due_for_renewal_on_notice_plus_one_days(
    end: date, today: date, notice: int
) -> None:
    due = rules.renewal_due(end, today, notice)
    assert due == (end - timedelta(days=notice) <= today <= end)


def test_an_erp_event_is_reported_once_it_waited_the_hours() -> None:
    received = datetime(2026, 12, 5, 1, 0, tzinfo=UTC)
    assert not rules.pending_too_long(received, received + timedelta(hours=3, minutes=59), 4)
    assert rules.pending_too_long(received, received + timedelta(hours=4), 4)


@given(
    received=instants, waited=st.integers(min_value=0, max_value=10_000), hours=st.floats(0.5, 100)
)
def test_pending_too_long_grows_with_the_wait(
    received: datetime, waited: int, hours: float
) -> None:
    now = received + timedelta(minutes=waited)
    if rules.pending_too_long(received, now, hours):
        assert rules.pending_too_long(received, now + timedelta(minutes=1), hours)
    assert rules.pending_too_long(received, now, hours) == (waited >= hours * 60)


def test_a_deadline_is_imminent_inside_the_window_and_not_once_passed() -> None:
    now = datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert rules.breach_imminent(now + hour, now, hour)
    assert not rules.breach_imminent(now + hour + timedelta(seconds=1), now, hour)
    assert not rules.breach_imminent(now, now, hour)  # passed: a breach, not imminent
    assert not rules.breach_imminent(None, now, hour)


def test_keys_of_one_record_share_a_prefix_no_other_record_has() -> None:
    assert rules.escalation_key(12, 0).startswith(rules.ticket_prefix(12))
    assert not rules.escalation_key(123, 0).startswith(rules.ticket_prefix(12))
    assert rules.collection_task_keys(7) == ["collection-task:7:owner", "collection-task:7:manager"]
    assert rules.erp_pending_key(3, 9).startswith(rules.erp_event_prefix(3))
    key = rules.birthday_key(5, 6, date(2027, 2, 28))
    assert rules.birthday_day_of(key) == date(2027, 2, 28)
    assert rules.birthday_day_of(rules.renewal_key(1, date(2027, 1, 1))) is None


def test_the_morning_of_a_day_is_nine_in_the_company_zone() -> None:
    assert rules.morning_of(date(2026, 12, 7), "Asia/Shanghai").astimezone(UTC) == datetime(
        2026, 12, 7, 1, 0, tzinfo=UTC
    )


def test_a_work_item_refuses_a_key_its_close_could_not_carry_and_cuts_long_titles() -> None:
    with pytest.raises(ValueError, match="source key"):
        WorkItem("k" * 95, 1, Kind.SLA_ESCALATION, "t", "/v1/clients/tickets/1")
    payload = WorkItem("k", 1, Kind.SLA_ESCALATION, "长" * 300, "/v1/clients/tickets/1").payload()
    assert len(payload["title"]) == 200
    assert "due_at" not in payload
