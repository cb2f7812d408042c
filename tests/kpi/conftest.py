"""Fixtures and small factories of the KPI tests (each test in a rolled-back transaction)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from shared.http_client import ServiceClient
from tests.conftest import _client_in_transaction, bearer

AS_STAFF = bearer(subject="service:staff")  # what staff's outbox sends

StaffHandler = Callable[[httpx.Request], httpx.Response]


@pytest.fixture
async def kpi_session(engines: dict[str, AsyncEngine]) -> AsyncIterator[AsyncSession]:
    """A session of the kpi role inside a transaction rolled back after the test."""
    async with engines["kpi"].connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        try:
            yield session
        finally:
            await session.close()
            await transaction.rollback()


@pytest.fixture
def staff_pages() -> list[dict[str, Any]]:
    """What the fake staff service answers to ``GET /v1/staff/employees``, page by page."""
    return []


@pytest.fixture
async def kpi_client_with_staff(
    engines: dict[str, AsyncEngine], staff_pages: list[dict[str, Any]]
) -> AsyncIterator[httpx.AsyncClient]:
    """The kpi app with a fake staff behind its staff client (for the org resync)."""
    from services.kpi.app import create_app

    def answer(request: httpx.Request) -> httpx.Response:
        cursor = request.url.params.get("cursor")
        index = int(cursor) if cursor else 0
        return httpx.Response(200, json=staff_pages[index])

    app = create_app()
    staff = ServiceClient("staff", "http://staff", transport=httpx.MockTransport(answer))
    app.state.staff_client = staff
    async for client in _client_in_transaction(engines["kpi"], app):
        yield client
    await staff.aclose()


def employee_event(employee_id: int, *, version: int = 1, **overrides: Any) -> dict[str, Any]:
    """One staff event for ``org_employees`` (defaults: an active KA-SPEC in department 10)."""
    event = {
        "event_id": str(uuid.uuid4()),
        "employee_id": employee_id,
        "employee_no": f"E{employee_id:04d}",
        "name": f"员工{employee_id}",
        "position_code": "KA-SPEC",
        "department_id": 10,
        "manager_id": 100,
        "status": "active",
        "authority_limits": {},
        "version": version,
    }
    event.update(overrides)
    return event


async def seed_org(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> None:
    response = await client.post(
        "/v1/kpi/internal/org/employees", json={"events": events}, headers=AS_STAFF
    )
    assert response.status_code == 200, response.text


async def make_indicator(client: httpx.AsyncClient, code: str, **overrides: Any) -> int:
    body = {"code": code, "name": code, "unit": "%", "kind": "manual"}
    body.update(overrides)
    response = await client.post("/v1/kpi/indicators", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def sheet(
    collection_id: int,
    sales_id: int,
    *,
    name: str = "客户专员月度考核表",
    duty: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Two indicators (40 + 40) and one qualitative item (20) on a 1–5 scale.

    ``duty`` links the first item to a duty of the position's description (checked with
    staff, so only tests that run staff give one).
    """
    body = {
        "name": name,
        "sections": [
            {"title": "业绩指标", "items": [
                {"key": "collection", "title": "回款率", "kind": "indicator",
                 "indicator_id": collection_id, "weight": "40",
                 "target_mode": "absolute", "target": "100"},
                {"key": "sales", "title": "销售目标达成率", "kind": "indicator",
                 "indicator_id": sales_id, "weight": "40", "target_mode": "decomposition"},
            ]},
            {"title": "工作态度", "items": [
                {"key": "attitude", "title": "工作态度与协作", "kind": "qualitative",
                 "weight": "20", "rating_scale": {"minimum": "1", "maximum": "5", "step": "1"}},
            ]},
        ],
    }  # fmt: skip
    if duty is not None:
        body["sections"][0]["items"][0]["duty"] = duty
    return body


async def make_template(
    client: httpx.AsyncClient,
    collection_id: int,
    sales_id: int,
    *,
    code: str = "T-SPEC-MONTHLY",
    position_code: str = "KA-SPEC",
    publish: bool = True,
) -> dict[str, Any]:
    body = {**sheet(collection_id, sales_id), "code": code, "position_code": position_code,
            "period_kind": "month"}  # fmt: skip
    response = await client.post("/v1/kpi/templates", json=body)
    assert response.status_code == 201, response.text
    template: dict[str, Any] = response.json()
    assert response.headers["Location"] == f"/v1/kpi/templates/{template['id']}"
    if publish:
        published = await client.post(
            f"/v1/kpi/templates/{template['id']}/publish",
            headers={"If-Match": response.headers["ETag"]},
        )
        assert published.status_code == 200, published.text
        template = published.json()
    return template
