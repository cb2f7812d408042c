"""Items staff posts itself: a position version awaiting approval (to the approver, closed
when answered) and a sign-in lockout (to the person, once per lock), each in the inbox and
the SMTP server exactly once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from services.staff.inbox.models import WorkItem
from services.staff.notifications.senders import SmtpSender
from shared.auth.principal import Role
from tests.conftest import bearer, post_current
from tests.staff.conftest import (
    POSITIONS,
    SECOND_ADMIN,
    StaffApp,
    make_department,
    make_employee,
    make_position,
)
from tests.staff.identity.test_api import PASSWORD, make_user, sign_in
from tests.staff.identity.test_sign_in_throttle import failures_until_refused, strict_guard
from tests.staff.notifications.conftest import SmtpSink, smtp_sink  # noqa: F401 - fixture

RUN_CHANNELS = "/v1/staff/notifications/jobs/deliver/run"


def as_person(employee_id: int) -> dict[str, str]:
    return bearer(Role.DEPT_MANAGER, employee_id=employee_id, subject=f"user:{9000 + employee_id}")


async def items(staff: StaffApp, employee_id: int, state: str = "open") -> list[dict[str, Any]]:
    page = await staff.client.get(
        "/v1/me/inbox", params={"state": state}, headers=as_person(employee_id)
    )
    assert page.status_code == 200, page.text
    return list(page.json()["items"])


async def mails_sent(staff: StaffApp) -> int:
    ran = await staff.client.post(RUN_CHANNELS)
    assert ran.status_code == 200, ran.text
    assert ran.json()["tried"] == ran.json()["sent"]
    return int(ran.json()["sent"])


async def staff_items(staff: StaffApp) -> int:
    async with staff.session_factory() as session:
        count = await session.exec(
            select(func.count()).select_from(WorkItem).where(WorkItem.source_service == "staff")  # type: ignore[arg-type]
        )
        return int(count.one()[0])


@pytest.fixture
def mailed(staff: StaffApp, smtp_sink: SmtpSink) -> SmtpSink:  # noqa: F811
    staff.app.state.notification_senders = {
        "email": SmtpSender("127.0.0.1", smtp_sink.port, "KAM <kam@example.com>", 5)
    }
    return smtp_sink


async def test_a_version_awaiting_approval_reaches_its_approver_and_closes_when_answered(
    staff: StaffApp, mailed: SmtpSink
) -> None:
    client = staff.client
    department = await make_department(client, "T-WI", head_position_code="T-WI-MGR")
    await make_position(client, "T-WI-MGR", department["id"], headcount_quota=1)
    assert await staff_items(staff) == 0  # the head's own description: nobody above it
    wang = await make_employee(
        client, "WI-1", name="王经理", position_code="T-WI-MGR", work_email="wang@example.com"
    )
    draft = await make_position(client, "T-WI-KAM", department["id"], approve=False)
    url = f"{POSITIONS}/{draft['position_id']}/versions/1"

    assert (await post_current(client, url, "/submit")).status_code == 200
    [item] = await items(staff, wang["id"])
    assert item["kind"] == "position_approval" and item["source_service"] == "staff"
    assert item["title"] == "职位说明书「T-WI-KAM 职位T-WI-KAM」第 1 版待您审批"
    assert item["record_path"] == url
    assert await mails_sent(staff) == 1
    assert "职位说明书待审批" in str(mailed.mails[0]["Subject"])

    assert (await post_current(client, url, "/return")).status_code == 200
    assert await items(staff, wang["id"]) == []  # returned: closed
    assert (await post_current(client, url, "/submit")).status_code == 200
    assert len(await items(staff, wang["id"])) == 1  # a new submission: a new item
    approved = await post_current(client, url, "/approve", headers=as_person(wang["id"]))
    assert approved.status_code == 200, approved.text
    assert await items(staff, wang["id"]) == []
    assert len(await items(staff, wang["id"], "done")) == 2

    revised = await client.post(f"{url}/revise")
    assert revised.status_code == 201, revised.text
    v2 = f"{POSITIONS}/{draft['position_id']}/versions/2"
    assert (await post_current(client, v2, "/submit")).status_code == 200
    assert len(await items(staff, wang["id"])) == 1
    assert (await post_current(client, v2, "/retire", headers=SECOND_ADMIN)).status_code == 200
    assert await items(staff, wang["id"]) == []  # withdrawn: closed
    assert await mails_sent(staff) == 2  # one mail per submission, never one per close
    assert await mails_sent(staff) == 0
    assert len(set(mailed.delivery_ids())) == 3


async def test_the_approver_who_submitted_is_not_asked_the_next_one_up_is(
    staff: StaffApp, mailed: SmtpSink
) -> None:
    client = staff.client
    top = await make_department(client, "T-WJ", head_position_code="T-WJ-MGR")
    team = await make_department(
        client, "T-WJ-T", parent_id=top["id"], head_position_code="T-WJ-LEAD"
    )
    await make_position(client, "T-WJ-MGR", top["id"], headcount_quota=1)
    await make_position(client, "T-WJ-LEAD", team["id"], reports_to_code="T-WJ-MGR")
    boss = await make_employee(client, "WJ-1", position_code="T-WJ-MGR")
    lead = await make_employee(client, "WJ-2", position_code="T-WJ-LEAD")
    draft = await make_position(client, "T-WJ-KAM", team["id"], approve=False)
    url = f"{POSITIONS}/{draft['position_id']}/versions/1"
    submitted = await post_current(client, url, "/submit", headers=as_person(lead["id"]))
    assert submitted.status_code == 200, submitted.text
    assert await items(staff, lead["id"]) == []  # four eyes: never his own
    assert [i["kind"] for i in await items(staff, boss["id"])] == ["position_approval"]


async def test_a_lockout_tells_the_person_once_per_lock_and_the_caller_nothing(
    staff: StaffApp, mailed: SmtpSink
) -> None:
    li = await make_employee(staff.client, "WI-2", name="李娜", work_email="li@example.com")
    await make_user(staff.client, "li.na", employee_id=li["id"])
    digest = await staff.client.put(
        "/v1/me/notification-preferences", json={"daily_digest": True}, headers=as_person(li["id"])
    )
    assert digest.status_code == 200
    strict_guard(staff, sign_in_delay_seconds=0.001, sign_in_lock_seconds=900)
    before = datetime.now(UTC)
    assert await failures_until_refused(staff.client, "li.na") == [401] * 4 + [429]
    for _ in range(3):  # attempts against the lock tell nobody again
        assert (await sign_in(staff.client, "li.na", "wrong-password!")).status_code == 429

    [item] = await items(staff, li["id"])
    assert item["kind"] == "signin_lockout" and item["severity"] == "urgent"
    assert item["title"].startswith("您的登录账号 li.na 因多次密码错误已被临时锁定至 ")
    due = datetime.fromisoformat(item["due_at"])
    assert before + timedelta(seconds=899) <= due <= datetime.now(UTC) + timedelta(seconds=900)
    assert await mails_sent(staff) == 1  # urgent: mailed at once although she chose the digest
    assert "登录已锁定" in str(mailed.mails[0]["Subject"])

    # An unknown login locks the same way and posts nothing; its answers are the same.
    assert await failures_until_refused(staff.client, "no.such.person") == [401] * 4 + [429]
    assert await staff_items(staff) == 1


async def test_the_right_password_on_the_last_attempt_locks_nothing_and_tells_nobody(
    staff: StaffApp, mailed: SmtpSink
) -> None:
    zhou = await make_employee(staff.client, "WI-3", work_email="zhou@example.com")
    await make_user(staff.client, "zhou.min", employee_id=zhou["id"])
    strict_guard(staff, sign_in_delay_seconds=0.001)
    for _ in range(3):
        assert (await sign_in(staff.client, "zhou.min", "wrong-password!")).status_code == 401
    assert (await sign_in(staff.client, "zhou.min", PASSWORD)).status_code == 200
    assert await items(staff, zhou["id"]) == []
    assert await mails_sent(staff) == 0


async def test_staffs_own_items_respect_preferences_and_quiet_hours(
    staff: StaffApp, mailed: SmtpSink
) -> None:
    client = staff.client
    department = await make_department(client, "T-WK", head_position_code="T-WK-MGR")
    await make_position(client, "T-WK-MGR", department["id"], headcount_quota=1)
    wang = await make_employee(
        client, "WK-1", position_code="T-WK-MGR", work_email="wang.k@example.com"
    )
    off = {"preferences": [{"kind": "position_approval", "channel": "email", "enabled": False}]}
    chosen = await client.put(
        "/v1/me/notification-preferences", json=off, headers=as_person(wang["id"])
    )
    assert chosen.status_code == 200, chosen.text
    draft = await make_position(client, "T-WK-KAM", department["id"], approve=False)
    url = f"{POSITIONS}/{draft['position_id']}/versions/1"
    assert (await post_current(client, url, "/submit")).status_code == 200
    assert [i["kind"] for i in await items(staff, wang["id"])] == ["position_approval"]
    assert await mails_sent(staff) == 0  # in the inbox, not mailed: he turned it off

    # Quiet hours around now (company time): even an urgent lockout waits for their end.
    local = datetime.now(ZoneInfo(staff.app.state.settings.timezone))
    quiet = {
        "quiet_from": (local - timedelta(hours=1)).strftime("%H:%M"),
        "quiet_until": (local + timedelta(hours=1)).strftime("%H:%M"),
    }
    zhao = await make_employee(client, "WK-2", work_email="zhao.k@example.com")
    assert (
        await client.put(
            "/v1/me/notification-preferences", json=quiet, headers=as_person(zhao["id"])
        )
    ).status_code == 200
    await make_user(client, "zhao.k", employee_id=zhao["id"])
    strict_guard(staff, sign_in_delay_seconds=0.001)
    assert await failures_until_refused(client, "zhao.k") == [401] * 4 + [429]
    assert [i["kind"] for i in await items(staff, zhao["id"])] == ["signin_lockout"]
    assert await mails_sent(staff) == 0
    assert mailed.mails == []
