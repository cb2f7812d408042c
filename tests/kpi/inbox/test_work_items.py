"""The appraisal flow's work items reach staff's inbox and the SMTP server exactly once,
and close themselves when their step is done (kpi's outbox → the staff app → aiosmtpd)."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import select, update

from services.kpi.outbox import KPI_OUTBOX
from services.staff.notifications.senders import SmtpSender
from shared.auth.principal import Role
from shared.outbox import OutboxDispatcher
from tests.conftest import bearer
from tests.kpi.conftest import employee_event, make_indicator, seed_org
from tests.kpi.inbox.conftest import app_of
from tests.staff.conftest import StaffApp, make_employee
from tests.staff.notifications.conftest import SmtpSink

DEPARTMENT, OFFICE = 92, 9900
RUN_CHANNELS = "/v1/staff/notifications/jobs/deliver/run"


def acting(employee_id: int) -> dict[str, str]:
    return bearer(Role.APPRAISAL_ADMIN, employee_id=employee_id)


def as_person(employee_id: int) -> dict[str, str]:
    return bearer(
        Role.ACCOUNT_MANAGER, employee_id=employee_id, subject=f"user:{9000 + employee_id}"
    )


async def deliver(outbox: OutboxDispatcher) -> int:
    """Dispatch until nothing is due (a close that overtook its post is retried)."""
    tried = 0
    for _ in range(20):
        now = await outbox.dispatch_once()
        if now == 0:
            return tried
        tried += now
        await asyncio.sleep(0.02)
    raise AssertionError("the outbox never drained")


async def open_items(staff: StaffApp, employee_id: int) -> list[tuple[str, str]]:
    page = await staff.client.get("/v1/me/inbox", headers=as_person(employee_id))
    assert page.status_code == 200, page.text
    return [(i["kind"], i["title"]) for i in page.json()["items"]]


async def template(client: httpx.AsyncClient) -> int:
    indicator = await make_indicator(client, "wi_collection")
    body = {
        "code": "WI-SPEC", "name": "待办测试考核表", "position_code": "KA-SPEC",
        "period_kind": "month",
        "sections": [{"title": "指标", "items": [
            {"key": "collection", "title": "回款率", "kind": "indicator",
             "indicator_id": indicator, "weight": "80", "target_mode": "absolute",
             "target": "100"},
            {"key": "attitude", "title": "工作态度", "kind": "qualitative", "weight": "20",
             "rating_scale": {"minimum": "1", "maximum": "5", "step": "1"}},
        ]}],
    }  # fmt: skip
    created = await client.post("/v1/kpi/templates", json=body)
    assert created.status_code == 201, created.text
    published = await client.post(
        f"/v1/kpi/templates/{created.json()['id']}/publish",
        headers={"If-Match": created.headers["ETag"]},
    )
    assert published.status_code == 200, published.text
    return int(created.json()["id"])


class Sheet:
    """One appraisal over HTTP: its URL, and each write with the current ETag."""

    def __init__(self, client: httpx.AsyncClient, appraisal: dict[str, Any]) -> None:
        self.client = client
        self.url = f"/v1/kpi/appraisals/{appraisal['id']}"

    async def write(
        self, path: str, body: dict[str, Any], actor: int, method: str = "POST"
    ) -> None:
        read = await self.client.get(self.url)
        response = await self.client.request(
            method, f"{self.url}{path}", json=body,
            headers={"If-Match": read.headers["ETag"], **acting(actor)},
        )  # fmt: skip
        assert response.status_code == 200, response.text

    async def item(self, key: str) -> int:
        items = (await self.client.get(self.url)).json()["items"]
        return int(next(i["id"] for i in items if i["key"] == key))


async def test_each_appraisal_step_reaches_the_inbox_once_and_closes_itself(
    kpi_client: httpx.AsyncClient,
    staff: StaffApp,
    smtp_sink: SmtpSink,
    kpi_outbox: OutboxDispatcher,
) -> None:
    staff.app.state.notification_senders = {
        "email": SmtpSender("127.0.0.1", smtp_sink.port, "KAM <kam@example.com>", 5)
    }
    people = {}
    for name in ("zhang", "li", "wang"):
        hired = await make_employee(
            staff.client, f"WI-{name.upper()}", work_email=f"{name}@example.com"
        )
        people[name] = int(hired["id"])
    zhang, li, wang = people["zhang"], people["li"], people["wang"]  # wang is their manager
    await seed_org(kpi_client, [
        employee_event(zhang, manager_id=wang, department_id=DEPARTMENT),
        employee_event(li, manager_id=wang, department_id=DEPARTMENT),
        employee_event(wang, manager_id=None, department_id=DEPARTMENT,
                       position_code="KA-DEV-LEAD"),
    ])  # fmt: skip
    created = await kpi_client.post("/v1/kpi/cycles", json={
        "name": "十一月考核", "period": "2026-11", "template_ids": [await template(kpi_client)],
        "department_ids": [DEPARTMENT]})  # fmt: skip
    assert created.status_code == 201, created.text
    cycle = f"/v1/kpi/cycles/{created.json()['id']}"
    listed = await kpi_client.get("/v1/kpi/appraisals", params={"cycle_id": created.json()["id"]})
    sheets = {a["employee_id"]: Sheet(kpi_client, a) for a in listed.json()["items"]}

    async def move(*states: str) -> None:
        for state in states:
            moved = await kpi_client.post(f"{cycle}/transitions", json={"state": state})
            assert moved.status_code == 200, moved.text

    assert await deliver(kpi_outbox) == 2
    assert await open_items(staff, zhang) == [
        ("appraisal_step", "考核周期「十一月考核」已开启，请查看您的考核表")
    ]
    assert await open_items(staff, wang) == []

    await move("collecting", "self_review")
    await deliver(kpi_outbox)
    assert await open_items(staff, zhang) == [("appraisal_step", "请完成「十一月考核」的自评")]
    assert await open_items(staff, li) == [("appraisal_step", "请完成「十一月考核」的自评")]

    await sheets[zhang].write("/self-assessment", {"comment": "按计划完成"}, zhang)
    await deliver(kpi_outbox)
    assert await open_items(staff, zhang) == []  # submitted: the item closed itself
    assert await open_items(staff, wang) == []  # the review is not due before its step

    await move("manager_review")
    await deliver(kpi_outbox)
    assert await open_items(staff, wang) == [
        ("appraisal_step", f"请评审员工{zhang}的「十一月考核」考核")
    ]
    await sheets[li].write("/self-assessment", {"comment": "补交自评"}, li)  # late
    await deliver(kpi_outbox)
    assert await open_items(staff, li) == []
    assert len(await open_items(staff, wang)) == 2  # a late self-assessment: review due now

    for person in (zhang, li):
        sheet = sheets[person]
        collection, attitude = await sheet.item("collection"), await sheet.item("attitude")
        await sheet.write(f"/items/{collection}/actual", {"value": "70"}, wang, "PUT")
        await sheet.write(
            "/manager-review", {"ratings": [{"item_id": attitude, "rating": "3"}]}, wang
        )
    await deliver(kpi_outbox)
    assert await open_items(staff, wang) == []  # reviewed: closed

    await move("calibration")
    locked = await kpi_client.post(
        f"{cycle}/calibration/lock", json={"department_id": DEPARTMENT}, headers=acting(OFFICE)
    )
    assert locked.status_code == 200, locked.text
    await deliver(kpi_outbox)
    for person in (zhang, li):
        [(kind, title)] = await open_items(staff, person)
        assert kind == "appraisal_result" and title.startswith("「十一月考核」考核结果已出（等级 ")

    await sheets[zhang].write("/acknowledgement", {}, zhang)
    await sheets[li].write("/appeal", {"reason": "回款数据未计入月末到账款项"}, li)
    await deliver(kpi_outbox)
    assert await open_items(staff, zhang) == []  # acknowledged: closed
    assert await open_items(staff, li) == []  # answered by the appeal: closed
    await sheets[li].write("/appeal-resolution", {"resolution": "维持原结果"}, OFFICE)
    await deliver(kpi_outbox)
    [(kind, title)] = await open_items(staff, li)
    assert kind == "appeal_decided" and title.startswith("您对「十一月考核」考核结果的申诉已裁决")

    # The outbox delivering everything a second time changes nothing in the inbox.
    async with app_of(kpi_client).state.session_factory() as session:
        connection = await session.connection()
        statuses = (await connection.execute(select(KPI_OUTBOX.c.status))).scalars().all()
        assert set(statuses) == {"delivered"}
        await connection.execute(
            update(KPI_OUTBOX).values(status="pending", next_attempt_at=KPI_OUTBOX.c.created_at)
        )
        await session.commit()
    assert await deliver(kpi_outbox) == len(statuses)
    assert await open_items(staff, li) == [(kind, title)]
    for person in (zhang, wang):
        done = await staff.client.get(
            "/v1/me/inbox", params={"state": "done"}, headers=as_person(person)
        )
        assert done.json()["counts"] == (
            {"appraisal_step": 2, "appraisal_result": 1} if person == zhang
            else {"appraisal_step": 2}
        )  # fmt: skip

    # Each new item was mailed once: opened, self-assessment, result (+ appeal for li),
    # and the manager's two reviews.
    ran = await staff.client.post(RUN_CHANNELS)
    assert ran.json() == {"tried": 9, "sent": 9}
    assert (await staff.client.post(RUN_CHANNELS)).json() == {"tried": 0, "sent": 0}
    assert len(set(smtp_sink.delivery_ids())) == 9
    per_address = Counter(str(mail["To"]) for mail in smtp_sink.mails)
    assert per_address == {"zhang@example.com": 3, "li@example.com": 4, "wang@example.com": 2}
