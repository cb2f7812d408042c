"""Fixtures of the staff tests: the app with its client, factories, and a real receiver."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.test_runner import free_port
from shared.auth.principal import Role
from tests.conftest import bearer, post_current

POSITIONS = "/v1/staff/positions"
EMPLOYEES = "/v1/staff/employees"
DEPARTMENTS = "/v1/staff/departments"
SECOND_ADMIN = bearer(Role.ADMIN, subject="user:2")
"""Another administrator than the client's default (user:1): the approver of what the
default submits, since nobody approves what they submitted (four eyes)."""


@dataclass
class StaffApp:
    """The staff app, a client for it, and its (rolled-back) session factory."""

    app: FastAPI
    client: httpx.AsyncClient

    @property
    def session_factory(self) -> async_sessionmaker[AsyncSession]:
        return self.app.state.session_factory


@pytest.fixture
async def staff(staff_client: httpx.AsyncClient) -> StaffApp:
    """Like ``staff_client``, but the test also gets the app (for its session factory)."""
    transport = staff_client._transport
    assert isinstance(transport, httpx.ASGITransport)
    app = transport.app
    assert isinstance(app, FastAPI)
    return StaffApp(app, staff_client)


def duty(importance: int = 1, statement: str = "开发和维护所辖大客户") -> dict[str, Any]:
    return {
        "statement": statement,
        "tasks": ["制定客户开发计划"],
        "measure": {"criterion": "target_attained", "statement": "签约额达成率"},
        "importance": importance,
    }


async def make_department(client: httpx.AsyncClient, code: str, **fields: Any) -> dict[str, Any]:
    response = await client.post(DEPARTMENTS, json={"code": code, "name": f"部门{code}", **fields})
    assert response.status_code == 201, response.text
    return response.json()


async def make_position(
    client: httpx.AsyncClient,
    code: str,
    department_id: int,
    *,
    approve: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """A position; approved (v1 submitted and approved) unless ``approve`` is False."""
    body = {
        "code": code,
        "title": f"职位{code}",
        "department_id": department_id,
        "headcount_quota": 2,
        "duties": [duty()],
        "qualifications": {"education_level": "bachelor", "min_years_experience": 3},
        **fields,
    }
    response = await client.post(POSITIONS, json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    if approve:
        base = f"{POSITIONS}/{created['position_id']}/versions/1"
        assert (await post_current(client, f"{base}", "/submit")).status_code == 200
        approved = await post_current(client, f"{base}", "/approve", headers=SECOND_ADMIN)
        assert approved.status_code == 200, approved.text
        return approved.json()
    return created


async def make_employee(
    client: httpx.AsyncClient, employee_no: str, **fields: Any
) -> dict[str, Any]:
    body = {"employee_no": employee_no, "name": f"员工{employee_no}", "hire_date": "2020-01-01"}
    response = await client.post(EMPLOYEES, json=body | fields)
    assert response.status_code == 201, response.text
    return response.json()


@dataclass
class Receiver:
    """A real HTTP server standing in for the clients and kpi services (uvicorn, own port).

    ``script`` gives the status of successive handover answers (then 200 for ever); the
    receiver applies each handover id once, like the contract says clients does.
    """

    port: int = field(default_factory=free_port)
    script: list[int] = field(default_factory=list)
    accounts_per_handover: int = 50
    received: list[dict[str, Any]] = field(default_factory=list)
    applied_handovers: dict[str, dict[str, Any]] = field(default_factory=dict)
    delay_seconds: float = 0.0
    server: uvicorn.Server | None = None
    task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/v1/clients/handovers")
        async def handover(request: Request) -> JSONResponse:
            body = await request.json()
            self.received.append(
                {"path": request.url.path, "headers": dict(request.headers), "body": body}
            )
            await asyncio.sleep(self.delay_seconds)
            status = self.script.pop(0) if self.script else 200
            if status != 200:
                return JSONResponse({"detail": f"scripted {status}"}, status_code=status)
            result = self.applied_handovers.setdefault(
                body["handover_id"],
                {
                    "handover_id": body["handover_id"],
                    "status": "completed",
                    "accounts": self.accounts_per_handover
                    if body["account_ids"] is None
                    else len(body["account_ids"]),
                    "open_tickets": 3,
                    "planned_visits": 7,
                    "collection_tasks": 0,
                },
            )
            return JSONResponse(result)

        async def org_events(request: Request) -> JSONResponse:
            body = await request.json()
            self.received.append(
                {"path": request.url.path, "headers": dict(request.headers), "body": body}
            )
            return JSONResponse({"applied": len(body["events"]), "ignored": 0})

        app.post("/v1/clients/internal/org/employees")(org_events)
        app.post("/v1/kpi/internal/org/employees")(org_events)
        return app

    async def start(self) -> None:
        config = uvicorn.Config(
            self.app(), host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self.server = uvicorn.Server(config)
        self.task = asyncio.create_task(self.server.serve())
        for _ in range(500):
            if self.server.started:
                return
            await asyncio.sleep(0.01)
        raise RuntimeError("receiver did not start")

    async def stop(self) -> None:
        if self.server is not None and self.task is not None:
            self.server.should_exit = True
            await self.task
            self.server = self.task = None

    def handovers(self) -> list[dict[str, Any]]:
        return [r["body"] for r in self.received if r["path"] == "/v1/clients/handovers"]


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A receiver that is not started yet (a test may want it down at first)."""
    running = Receiver()
    yield running
    with contextlib.suppress(Exception):
        await running.stop()


DispatcherFactory = Callable[..., Any]


@pytest.fixture
async def make_dispatcher() -> AsyncIterator[DispatcherFactory]:
    """Dispatchers over ``staff.outbox`` with fast retries, closed after the test."""
    from services.staff.outbox import CLIENTS, KPI, STAFF_OUTBOX
    from services.staff.outbox_dispatch import record_outcome
    from shared.http_client import ServiceClient
    from shared.outbox import OutboxDispatcher

    made: list[OutboxDispatcher] = []

    def make(
        session_factory: async_sessionmaker[AsyncSession], url: str, **options: Any
    ) -> OutboxDispatcher:
        clients = {
            name: ServiceClient(name, url, timeout_seconds=2, connect_timeout_seconds=1, retries=0)
            for name in (CLIENTS, KPI)
        }
        settings = {"backoff_seconds": 0.01, "max_backoff_seconds": 0.05, "batch_size": 500}
        dispatcher = OutboxDispatcher(
            STAFF_OUTBOX,
            session_factory,
            clients,
            on_outcome=record_outcome,
            **(settings | options),
        )
        made.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in made:
        for client in dispatcher.clients.values():
            await client.aclose()
