"""Clients and staff linked over real HTTP: the staff app (its test transaction) served by
uvicorn on a port, the clients outbox delivered to it by a real dispatcher with a service
token, a real SMTP server (aiosmtpd) and the WeCom/DingTalk robot doubles."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from sqlalchemy import exists, select, update

from deploy.fake_robots.app import create_app as fake_robots
from deploy.test_runner import free_port
from services.clients.settings import ClientsSettings
from services.clients.workitems.outbox import CLIENTS_OUTBOX, STAFF
from services.staff.notifications.robots import GroupRobot, RobotSender
from services.staff.notifications.senders import SmtpSender
from shared.auth.principal import Role
from shared.http_client import ServiceClient
from shared.outbox import OutboxDispatcher, OutboxStatus
from tests.clients.conftest import employee_event, feed_org
from tests.clients.receivables.factories import SECRET
from tests.conftest import bearer, token_for
from tests.staff.conftest import StaffApp, make_department, make_employee
from tests.staff.notifications.conftest import SmtpSink

RUN_MAIL = "/v1/staff/notifications/jobs/deliver/run"
DINGTALK_SECRET = "SEC-kam-test-robot-secret"
NOON = datetime.fromisoformat("2026-12-07T12:00:00+08:00").astimezone(UTC)


async def serve(app: FastAPI, port: int) -> tuple[uvicorn.Server, asyncio.Task[None]]:
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    task = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    return server, task


@dataclass(frozen=True)
class People:
    """Staff ids, also in clients' org copy: the manager heads, the KAM and finance report."""

    manager: int
    kam: int
    finance: int
    finance_department: int
    service_queue: int


@dataclass
class Link:
    clients_app: FastAPI
    clients: httpx.AsyncClient
    staff: StaffApp
    dispatcher: OutboxDispatcher
    smtp: SmtpSink
    robots_url: str
    people: People

    async def deliver(self) -> int:
        """Deliver what is due in the clients outbox to staff; how many were tried."""
        return await self.dispatcher.dispatch_once()

    async def deliver_everything_again(self) -> int:
        """As after a crash between staff's answer and our commit: every message again."""
        async with self.clients_app.state.session_factory() as session:
            await (await session.connection()).execute(
                update(CLIENTS_OUTBOX).values(status=OutboxStatus.PENDING.value, attempts=0)
            )
            await session.commit()
        return await self.deliver()

    async def inbox(self, employee_id: int, state: str = "open") -> list[dict[str, Any]]:
        response = await self.staff.client.get(
            "/v1/me/inbox",
            params={"state": state},
            headers=bearer(Role.ACCOUNT_MANAGER, employee_id=employee_id, subject="user:77"),
        )
        assert response.status_code == 200, response.text
        return list(response.json()["items"])

    async def send_channels(self) -> dict[str, int]:
        response = await self.staff.client.post(RUN_MAIL)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def robot_messages(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.robots_url) as client:
            return list((await client.get("/messages")).json())


@pytest.fixture
async def staff(staff_client: httpx.AsyncClient) -> StaffApp:
    transport = staff_client._transport
    assert isinstance(transport, httpx.ASGITransport)
    assert isinstance(transport.app, FastAPI)
    return StaffApp(transport.app, staff_client)


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture
async def robots_url() -> AsyncIterator[str]:
    port = free_port()
    server, task = await serve(fake_robots({"queue-dt": DINGTALK_SECRET}), port)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    await task


async def clients_token() -> str:
    return token_for(subject="service:clients")


@pytest.fixture
async def link(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
    staff: StaffApp,
    smtp_sink: SmtpSink,
    robots_url: str,
) -> AsyncIterator[Link]:
    app, clients = clients_app
    finance_department = int((await make_department(staff.client, "WIFIN"))["id"])
    queue = int((await make_department(staff.client, "WIQUE"))["id"])
    manager = int((await make_employee(staff.client, "WI01", work_email="boss@example.com"))["id"])
    kam = int((await make_employee(staff.client, "WI02", work_email="kam@example.com"))["id"])
    finance = int((await make_employee(staff.client, "WI03", work_email="fin@example.com"))["id"])
    await feed_org(
        clients,
        [
            employee_event(
                manager,
                department_id=queue,
                authority_limits={"adjust_credit_score": {"max_delta": 20}},
            ),
            employee_event(
                kam,
                manager_id=manager,
                department_id=queue,
                authority_limits={"adjust_credit_score": {"max_delta": 5}},
            ),
            employee_event(finance, manager_id=manager, department_id=finance_department),
        ],
    )
    app.state.settings = ClientsSettings(
        service_queues=[queue],
        finance_departments=[finance_department],
        erp_webhook_secrets=[SECRET],
    )
    robots = [
        GroupRobot(
            name="queue-dingtalk",
            department_id=queue,
            platform="dingtalk",
            webhook=f"{robots_url}/robot/send?access_token=queue-dt",
            secret=DINGTALK_SECRET,
        ),
        GroupRobot(
            name="queue-wecom",
            department_id=queue,
            platform="wecom",
            webhook=f"{robots_url}/cgi-bin/webhook/send?key=queue-wc",
        ),
    ]
    staff.app.state.clock = lambda: NOON  # outside the default quiet hours
    staff.app.state.settings = staff.app.state.settings.model_copy(update={"group_robots": robots})
    robot_sender = RobotSender(robots, 5)
    staff.app.state.notification_senders = {
        "email": SmtpSender("127.0.0.1", smtp_sink.port, "KAM <kam@example.com>", 5),
        "wecom": robot_sender,
        "dingtalk": robot_sender,
    }
    port = free_port()
    server, task = await serve(staff.app, port)
    to_staff = ServiceClient(
        STAFF, f"http://127.0.0.1:{port}", timeout_seconds=10, retries=0, token_source=clients_token
    )
    dispatcher = OutboxDispatcher(
        CLIENTS_OUTBOX, app.state.session_factory, {STAFF: to_staff}, backoff_seconds=0.01
    )
    people = People(manager, kam, finance, finance_department, queue)
    try:
        yield Link(app, clients, staff, dispatcher, smtp_sink, robots_url, people)
    finally:
        await to_staff.aclose()
        server.should_exit = True
        await task


async def open_items(factory: Any) -> dict[str, dict[str, Any]]:
    """The work items posted to the clients outbox and not closed: payload by key."""
    closes = CLIENTS_OUTBOX.alias("closes")
    query = select(CLIENTS_OUTBOX.c.key, CLIENTS_OUTBOX.c.payload).where(
        CLIENTS_OUTBOX.c.kind == "work_item",
        ~exists().where(closes.c.key == "close/" + CLIENTS_OUTBOX.c.key),
    )
    async with factory() as session:
        rows = (await (await session.connection()).execute(query)).all()
    return {str(key): dict(payload) for key, payload in rows}
