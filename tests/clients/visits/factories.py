"""Small factories of the visit tests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from services.clients.visits.models import Visit
from tests.clients.conftest import ACCOUNTS

CLIENTS = "/v1/clients"
VISITS = f"{CLIENTS}/visits"


def today() -> date:
    """Today in the company's calendar (what the service uses)."""
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def days(n: int) -> str:
    return (today() + timedelta(days=n)).isoformat()


async def plan_visit(client: httpx.AsyncClient, account_id: int, **fields: Any) -> dict[str, Any]:
    body = {"planned_on": days(10), "purpose": "年度合作回顾", **fields}
    response = await client.post(f"{ACCOUNTS}/{account_id}/visits", json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def insert_visit(app: FastAPI, **fields: Any) -> int:
    """A visit written straight into the test's transaction (e.g. one already overdue,
    which the API refuses to plan)."""
    async with app.state.session_factory() as session:
        visit = Visit(**{"status": "planned", "source": "plan", **fields})
        session.add(visit)
        await session.commit()
        await session.refresh(visit)
        assert visit.id is not None
        return visit.id


async def all_items(client: httpx.AsyncClient, url: str, **params: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 200, **params, **({"cursor": cursor} if cursor else {})}
        response = await client.get(url, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items
