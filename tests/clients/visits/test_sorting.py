"""Visit lists sorted by the planned day (cursors correct in both directions), totals, the
``id`` filter and names beside the ids."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import httpx

from tests.clients.conftest import ACCOUNTS, KAM, create_account
from tests.clients.pages import every_page

VISITS = "/v1/clients/visits"


async def _plan(client: httpx.AsyncClient, account_id: int, day: date) -> dict[str, Any]:
    response = await client.post(
        f"{ACCOUNTS}/{account_id}/visits",
        json={"planned_on": day.isoformat(), "purpose": "回访"},
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_visits_sort_by_planned_day_with_ties_on_id(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=KAM, legal_name="拜访排序有限公司")
    start = date.today() + timedelta(days=30)
    offsets = [5, 1, 3, 1, 8, 3, 0]
    visits = [await _plan(clients, account["id"], start + timedelta(days=d)) for d in offsets]
    ids = [v["id"] for v in visits]
    ascending = sorted(visits, key=lambda v: (v["planned_on"], v["id"]))
    walked = await every_page(clients, VISITS, {"id": ids, "sort": "planned_on"})
    assert [v["id"] for v in walked] == [v["id"] for v in ascending]
    walked = await every_page(clients, VISITS, {"id": ids, "sort": "-planned_on"})
    assert [v["id"] for v in walked] == [v["id"] for v in reversed(ascending)]
    of_account = await every_page(
        clients, f"{ACCOUNTS}/{account['id']}/visits", {"sort": "planned_on"}, limit=3
    )
    assert [v["id"] for v in of_account] == [v["id"] for v in ascending]
    assert {(v["account_name"], v["owner_name"]) for v in walked} == {
        ("拜访排序有限公司", f"员工{KAM}")
    }
    page = await clients.get(VISITS, params={"id": ids[:3], "with_total": "true", "limit": 1})
    assert page.json()["total"] == 3
    assert len(page.json()["items"]) == 1
