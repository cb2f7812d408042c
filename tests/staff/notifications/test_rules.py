"""Notification rules: quiet hours in the company time zone, backoff, templates."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from services.staff.notifications.rules import (
    email_body,
    email_subject,
    quiet_hours_end,
    retry_delay_seconds,
)

SHANGHAI = "Asia/Shanghai"
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)
)
times = st.times().map(lambda t: t.replace(second=0, microsecond=0))


def local(day: str, hhmm: str) -> datetime:
    return datetime.fromisoformat(f"{day}T{hhmm}:00+08:00").astimezone(UTC)


def test_a_message_in_quiet_hours_waits_for_their_end() -> None:
    start, end = time(22, 0), time(7, 30)
    assert quiet_hours_end(local("2026-12-05", "23:10"), start, end, SHANGHAI) == local(
        "2026-12-06", "07:30"
    )
    assert quiet_hours_end(local("2026-12-06", "06:59"), start, end, SHANGHAI) == local(
        "2026-12-06", "07:30"
    )
    noon = local("2026-12-06", "12:00")
    assert quiet_hours_end(noon, start, end, SHANGHAI) == noon
    lunch = (time(12, 0), time(13, 30))
    assert quiet_hours_end(noon, *lunch, SHANGHAI) == local("2026-12-06", "13:30")


@given(moment=moments, start=times, end=times)
def test_quiet_hours_never_bring_a_message_forward_nor_delay_it_a_day(
    moment: datetime, start: time, end: time
) -> None:
    sent = quiet_hours_end(moment, start, end, SHANGHAI)
    assert moment <= sent <= moment + timedelta(days=1)
    # Once released, a message is not in quiet hours any more.
    assert quiet_hours_end(sent, start, end, SHANGHAI) == sent


@given(attempts=st.integers(min_value=1, max_value=40))
def test_backoff_doubles_up_to_its_cap(attempts: int) -> None:
    delay = retry_delay_seconds(attempts, 5, 3600)
    assert 5 <= delay <= 3600
    assert retry_delay_seconds(attempts + 1, 5, 3600) >= delay


def test_templates_are_chinese() -> None:
    assert (
        email_subject("催收任务", "华东电力 逾期 30 天")
        == "【KAM待办】催收任务：华东电力 逾期 30 天"
    )
    body = email_body("张伟", "催收任务", "逾期", "2026-12-08 09:00", "华东电力", "/v1/clients/x/1")
    assert body.startswith("张伟，您好：")
    assert "截止时间：2026-12-08 09:00" in body and "客户：华东电力" in body
