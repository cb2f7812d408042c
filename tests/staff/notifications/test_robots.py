"""Team-level items reach the team's WeCom and DingTalk group robots (HTTP doubles, DingTalk
signed), exactly once; personal items never reach a group chat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn

from deploy.fake_robots.app import create_app as fake_robots
from deploy.test_runner import free_port
from services.staff.notifications.robots import GroupRobot, RobotSender
from services.staff.notifications.senders import SmtpSender
from tests.conftest import bearer
from tests.staff.conftest import StaffApp, make_department, make_employee
from tests.staff.notifications.conftest import SmtpSink

WORK_ITEMS = "/v1/staff/internal/work-items"
RUN_JOB = "/v1/staff/notifications/jobs/deliver/run"
DINGTALK_SECRET = "SEC-kam-test-robot-secret"


@pytest.fixture
async def robots_url() -> AsyncIterator[str]:
    port = free_port()
    app = fake_robots({"team-dt": DINGTALK_SECRET, "bad-dt": DINGTALK_SECRET})
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


def configure(staff: StaffApp, robots: list[GroupRobot], smtp_port: int) -> None:
    settings = staff.app.state.settings
    staff.app.state.settings = settings.model_copy(update={"group_robots": robots})
    sender = RobotSender(robots, 5)
    staff.app.state.notification_senders = {
        "email": SmtpSender("127.0.0.1", smtp_port, "KAM <kam@example.com>", 5),
        "wecom": sender,
        "dingtalk": sender,
    }


def item(employee_id: int, key: str, **fields: Any) -> dict[str, Any]:
    return {
        "source_key": key,
        "employee_id": employee_id,
        "kind": "reconciliation_mismatch",
        "title": "12月对账不符 3 笔",
        "account_name": "华东电力集团",
        "record_path": "/v1/clients/erp/reconciliation",
    } | fields


async def test_team_items_go_to_the_teams_robots_and_personal_ones_do_not(
    staff: StaffApp, smtp_sink: SmtpSink, robots_url: str
) -> None:
    finance = int((await make_department(staff.client, "FIN1"))["id"])
    sales = int((await make_department(staff.client, "SAL1"))["id"])
    configure(
        staff,
        [
            GroupRobot(
                name="finance-wecom",
                department_id=finance,
                platform="wecom",
                webhook=f"{robots_url}/cgi-bin/webhook/send?key=team-wc",
            ),
            GroupRobot(
                name="finance-dingtalk",
                department_id=finance,
                platform="dingtalk",
                webhook=f"{robots_url}/robot/send?access_token=team-dt",
                secret=DINGTALK_SECRET,
            ),
            GroupRobot(
                name="sales-wecom",
                department_id=sales,
                platform="wecom",
                webhook=f"{robots_url}/cgi-bin/webhook/send?key=sales-wc",
            ),
        ],
        smtp_sink.port,
    )
    person = int((await make_employee(staff.client, "RB001", work_email="cw@example.com"))["id"])
    as_clients = bearer(subject="service:clients")
    for _ in range(2):
        team = item(person, "recon:12", team_department_id=finance)
        assert (await staff.client.post(WORK_ITEMS, json=team, headers=as_clients)).is_success
    personal = item(person, "dunning:5", kind="dunning_task", title="个人催收任务")
    assert (await staff.client.post(WORK_ITEMS, json=personal, headers=as_clients)).is_success

    run = (await staff.client.post(RUN_JOB)).json()
    assert run == {"tried": 4, "sent": 4}  # 2 e-mails, 2 robots
    async with httpx.AsyncClient(base_url=robots_url) as client:
        messages = (await client.get("/messages")).json()
    assert sorted((m["platform"], m["robot"]) for m in messages) == [
        ("dingtalk", "team-dt"),
        ("wecom", "team-wc"),
    ]
    texts = [m["body"]["text"]["content"] for m in messages]
    assert all(t.startswith("【KAM待办】对账不符：12月对账不符 3 笔") for t in texts)
    assert not any("个人催收任务" in t for t in texts)
    assert len(smtp_sink.mails) == 2
    assert (await staff.client.post(RUN_JOB)).json() == {"tried": 0, "sent": 0}


async def test_a_wrong_dingtalk_signature_is_refused_and_not_counted_as_sent(
    staff: StaffApp, smtp_sink: SmtpSink, robots_url: str
) -> None:
    team = int((await make_department(staff.client, "FIN2"))["id"])
    configure(
        staff,
        [
            GroupRobot(
                name="bad",
                department_id=team,
                platform="dingtalk",
                webhook=f"{robots_url}/robot/send?access_token=bad-dt",
                secret="SEC-not-the-robots-secret",
            )
        ],
        smtp_sink.port,
    )
    person = int((await make_employee(staff.client, "RB002"))["id"])  # no e-mail
    body = item(person, "recon:13", team_department_id=team)
    await staff.client.post(WORK_ITEMS, json=body, headers=bearer(subject="service:clients"))
    assert (await staff.client.post(RUN_JOB)).json() == {"tried": 1, "sent": 0}
    async with httpx.AsyncClient(base_url=robots_url) as client:
        assert (await client.get("/messages")).json() == []
