"""Work items reach a real SMTP server exactly once: preferences, quiet hours, retries,
dead letters, and a restart of the sending process that loses and doubles nothing."""

from __future__ import annotations

import time as wall
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.staff.notifications.dispatcher import ChannelDispatcher
from services.staff.notifications.lifespan import channel_dispatcher
from services.staff.notifications.senders import SmtpSender
from shared.auth.principal import Role
from tests.conftest import bearer
from tests.staff.conftest import StaffApp, make_employee
from tests.staff.notifications.conftest import SmtpSink

WORK_ITEMS = "/v1/staff/internal/work-items"
PREFERENCES = "/v1/me/notification-preferences"
RUN_JOB = "/v1/staff/notifications/jobs/deliver/run"
DEAD = "/v1/staff/notifications/dead-letters"
FROM_CLIENTS = bearer(subject="service:clients")
NOON = datetime.fromisoformat("2026-12-07T12:00:00+08:00").astimezone(UTC)


def as_person(employee_id: int) -> dict[str, str]:
    return bearer(
        Role.ACCOUNT_MANAGER, employee_id=employee_id, subject=f"user:{9000 + employee_id}"
    )


def item(employee_id: int, key: str, kind: str = "dunning_task") -> dict[str, Any]:
    return {
        "source_key": key,
        "employee_id": employee_id,
        "kind": kind,
        "title": f"华东电力 {key} 逾期 30 天",
        "due_at": "2026-12-08T09:00:00+08:00",
        "account_name": "华东电力集团",
        "record_path": "/v1/clients/receivables/dunning/7",
    }


@pytest.fixture
async def person(staff: StaffApp, smtp_sink: SmtpSink) -> int:
    staff.app.state.clock = lambda: NOON
    staff.app.state.notification_senders = {
        "email": SmtpSender("127.0.0.1", smtp_sink.port, "KAM <kam@example.com>", 5)
    }
    created = await make_employee(staff.client, "NT001", work_email="zhang.wei@example.com")
    return int(created["id"])


async def run_job(staff: StaffApp) -> dict[str, int]:
    response = await staff.client.post(RUN_JOB)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_each_kind_reaches_the_inbox_and_smtp_exactly_once(
    staff: StaffApp, smtp_sink: SmtpSink, person: int
) -> None:
    kinds = ["sla_escalation", "dunning_task", "position_approval"]
    for kind in kinds:
        for _ in range(2):  # the sender's outbox delivers twice
            await staff.client.post(
                WORK_ITEMS, json=item(person, f"{kind}:1", kind), headers=FROM_CLIENTS
            )
    assert await run_job(staff) == {"tried": 3, "sent": 3}
    assert await run_job(staff) == {"tried": 0, "sent": 0}
    assert len(smtp_sink.mails) == 3
    assert len(set(smtp_sink.delivery_ids())) == 3
    subjects = sorted(str(mail["Subject"]) for mail in smtp_sink.mails)
    assert subjects[0].startswith("【KAM待办】")
    assert any("催收任务：华东电力 dunning_task:1 逾期 30 天" in s for s in subjects)
    mail = smtp_sink.mails[0]
    assert mail["To"] == "zhang.wei@example.com"
    assert mail["Message-ID"] == f"<{mail['X-KAM-Delivery-Id']}@kam.delivery>"
    assert str(mail.get_content()).startswith("员工NT001，您好：")
    assert "截止时间：2026-12-08 09:00" in str(mail.get_content())
    inbox = (await staff.client.get("/v1/me/inbox", headers=as_person(person))).json()
    assert sorted(inbox["counts"].items()) == [(k, 1) for k in sorted(kinds)]


async def test_preferences_and_quiet_hours_are_respected(
    staff: StaffApp, smtp_sink: SmtpSink, person: int
) -> None:
    headers = as_person(person)
    defaults = (await staff.client.get(PREFERENCES, headers=headers)).json()
    assert all(p["enabled"] for p in defaults["preferences"])
    wanted = {
        "quiet_from": "22:00",
        "quiet_until": "07:30",
        "preferences": [{"kind": "contact_birthday", "channel": "email", "enabled": False}],
    }
    stored = await staff.client.put(PREFERENCES, json=wanted, headers=headers)
    assert stored.status_code == 200, stored.text
    off = [p for p in stored.json()["preferences"] if not p["enabled"]]
    assert off == [{"kind": "contact_birthday", "channel": "email", "enabled": False}]

    late = datetime.fromisoformat("2026-12-07T23:00:00+08:00").astimezone(UTC)
    staff.app.state.clock = lambda: late
    await staff.client.post(
        WORK_ITEMS, json=item(person, "b:1", "contact_birthday"), headers=FROM_CLIENTS
    )
    await staff.client.post(WORK_ITEMS, json=item(person, "d:1"), headers=FROM_CLIENTS)
    assert await run_job(staff) == {"tried": 0, "sent": 0}  # quiet: held back
    staff.app.state.clock = lambda: datetime.fromisoformat("2026-12-08T07:29:00+08:00")
    assert await run_job(staff) == {"tried": 0, "sent": 0}
    staff.app.state.clock = lambda: datetime.fromisoformat("2026-12-08T07:30:00+08:00")
    assert await run_job(staff) == {"tried": 1, "sent": 1}
    assert [str(m["Subject"]).split("：")[0] for m in smtp_sink.mails] == ["【KAM待办】催收任务"]
    # The birthday is in the inbox all the same (in-app is always on).
    inbox = (await staff.client.get("/v1/me/inbox", headers=headers)).json()
    assert inbox["counts"] == {"contact_birthday": 1, "dunning_task": 1}

    unpaired = await staff.client.put(PREFERENCES, json={"quiet_from": "22:00"}, headers=headers)
    assert unpaired.status_code == 422


async def test_a_channel_down_retries_with_backoff_then_dead_letters_and_admin_retry(
    staff: StaffApp, smtp_sink: SmtpSink, person: int
) -> None:
    smtp_sink.stop()
    started = wall.perf_counter()
    posted = await staff.client.post(WORK_ITEMS, json=item(person, "down:1"), headers=FROM_CLIENTS)
    assert posted.status_code == 201
    assert wall.perf_counter() - started < 1.0  # the API does not wait for the channel

    now = NOON
    dispatcher = ChannelDispatcher(
        staff.session_factory,
        staff.app.state.notification_senders,
        lambda: now,
        max_attempts=3,
        backoff_seconds=60,
        max_backoff_seconds=600,
    )
    assert (await dispatcher.deliver_once()).tried == 1
    assert (await dispatcher.deliver_once()).tried == 0  # backing off
    now = NOON + timedelta(seconds=61)
    assert (await dispatcher.deliver_once()).tried == 1
    now = NOON + timedelta(seconds=61 + 121)
    assert (await dispatcher.deliver_once()).tried == 1
    now = NOON + timedelta(days=1)
    assert (await dispatcher.deliver_once()).tried == 0  # dead: never tried again

    dead = (await staff.client.get(DEAD)).json()
    assert [(d["attempts"], d["status"]) for d in dead] == [(3, "dead")]
    assert "smtp" in dead[0]["last_error"]
    refused = await staff.client.get(DEAD, headers=as_person(person))
    assert refused.status_code == 403

    smtp_sink.start()
    retried = await staff.client.post(f"{DEAD}/{dead[0]['id']}/retry")
    assert retried.status_code == 200, retried.text
    assert await run_job(staff) == {"tried": 1, "sent": 1}
    assert smtp_sink.delivery_ids() == [dead[0]["id"]]
    assert (await staff.client.get(DEAD)).json() == []
    again = await staff.client.post(f"{DEAD}/{dead[0]['id']}/retry")
    assert again.status_code == 404


async def test_a_restart_of_the_sender_loses_and_doubles_nothing(
    staff: StaffApp, smtp_sink: SmtpSink, person: int
) -> None:
    for n in range(3):
        await staff.client.post(WORK_ITEMS, json=item(person, f"r:{n}"), headers=FROM_CLIENTS)
    first = channel_dispatcher(staff.app)
    first.start()
    for _ in range(200):
        if len(smtp_sink.mails) == 3:
            break
        await _sleep()
    await first.stop()  # the process goes down
    for n in range(3, 5):  # work arrives while it is down
        await staff.client.post(WORK_ITEMS, json=item(person, f"r:{n}"), headers=FROM_CLIENTS)
    second = channel_dispatcher(staff.app)  # and comes back
    second.start()
    for _ in range(200):
        if len(smtp_sink.mails) == 5:
            break
        await _sleep()
    await second.stop()
    assert len(smtp_sink.mails) == 5
    assert len(set(smtp_sink.delivery_ids())) == 5


async def _sleep() -> None:
    import asyncio

    await asyncio.sleep(0.02)


async def test_the_daily_digest_mails_non_urgent_items_once_a_day(
    staff: StaffApp, smtp_sink: SmtpSink, person: int
) -> None:
    headers = as_person(person)
    chose = await staff.client.put(PREFERENCES, json={"daily_digest": True}, headers=headers)
    assert chose.status_code == 200 and chose.json()["daily_digest"] is True

    def at(moment: str) -> None:
        staff.app.state.clock = lambda: datetime.fromisoformat(moment)

    at("2026-12-07T07:00:00+08:00")
    await staff.client.post(WORK_ITEMS, json=item(person, "g:1"), headers=FROM_CLIENTS)
    await staff.client.post(WORK_ITEMS, json=item(person, "g:2"), headers=FROM_CLIENTS)
    urgent = item(person, "g:3", "sla_escalation") | {"severity": "urgent"}
    await staff.client.post(WORK_ITEMS, json=urgent, headers=FROM_CLIENTS)
    assert await run_job(staff) == {"tried": 1, "sent": 1}  # only the urgent one at once

    async def digest() -> int:
        response = await staff.client.post("/v1/staff/notifications/jobs/digest/run")
        assert response.status_code == 200, response.text
        return int(response.json()["planned"])

    assert await digest() == 0  # before 08:00
    at("2026-12-07T08:05:00+08:00")
    assert await digest() == 1
    assert await digest() == 0  # once a day, however often the job runs
    assert await run_job(staff) == {"tried": 1, "sent": 1}
    mail = smtp_sink.mails[-1]
    assert mail["Subject"] == "【KAM待办】2026年12月07日 待办汇总（3 项）"
    assert "催收任务：华东电力 g:1 逾期 30 天" in str(mail.get_content())
    at("2026-12-08T08:00:00+08:00")
    assert await digest() == 1
    refused = await staff.client.post(
        "/v1/staff/notifications/jobs/digest/run", headers=as_person(person)
    )
    assert refused.status_code == 403
