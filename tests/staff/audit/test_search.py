"""The audit search across services (``/v1/staff/audit/search``) in process: staff's own
log and clients' and kpi's apps asked with the caller's token, merged newest first, paged
with one cursor, for administrators only."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from shared.auth.principal import Role
from shared.http_client import ServiceClient
from tests.conftest import bearer

SEARCH = "/v1/staff/audit/search"
AUDITS = {"clients": "/v1/clients/audit", "staff": "/v1/staff/audit", "kpi": "/v1/kpi/audit"}
SUBJECT = "user:7402"
REFUSED = bearer(Role.FINANCE, employee_id=7402, subject=SUBJECT)


def app_of(client: httpx.AsyncClient) -> FastAPI:
    transport = client._transport
    assert isinstance(transport, httpx.ASGITransport) and isinstance(transport.app, FastAPI)
    return transport.app


@pytest.fixture
async def search(
    staff_client: httpx.AsyncClient,
    clients_client: httpx.AsyncClient,
    kpi_client: httpx.AsyncClient,
) -> AsyncIterator[httpx.AsyncClient]:
    """Staff with clients' and kpi's apps as its upstreams; each service has refused one
    request of the finance caller (an ``access_denied`` entry in each log)."""
    upstreams = {
        name: ServiceClient(name, f"http://{name}", transport=httpx.ASGITransport(app_of(c)))
        for name, c in (("clients", clients_client), ("kpi", kpi_client))
    }
    for name, upstream in upstreams.items():
        setattr(app_of(staff_client).state, f"{name}_client", upstream)
    for name, client in (("clients", clients_client), ("staff", staff_client)):
        assert (await client.get(AUDITS[name], headers=REFUSED)).status_code == 403
    assert (await kpi_client.get(AUDITS["kpi"], headers=REFUSED)).status_code == 403
    yield staff_client
    for upstream in upstreams.values():
        await upstream.aclose()


async def page(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    answer = await client.get(SEARCH, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def key(entry: dict[str, Any]) -> tuple[datetime, str, int]:
    return datetime.fromisoformat(entry["occurred_at"]), entry["service"], entry["id"]


async def test_one_search_reads_every_service_newest_first(search: httpx.AsyncClient) -> None:
    found = (await page(search, actor=SUBJECT))["items"]
    assert sorted(e["service"] for e in found) == ["clients", "kpi", "staff"]
    assert {(e["action"], e["actor_role"], e["entity"]) for e in found} == {
        ("access_denied", "finance", "access")
    }
    assert {e["entity_id"] for e in found} == {f"GET {path}" for path in AUDITS.values()}
    assert found == sorted(found, key=key, reverse=True)
    clients_entry = next(e for e in found if e["service"] == "clients")
    assert "account_id" in clients_entry

    only_kpi = (await page(search, actor=SUBJECT, service="kpi"))["items"]
    assert [e["service"] for e in only_kpi] == ["kpi"]
    assert (await page(search, actor=SUBJECT, actor_role="admin"))["items"] == []
    by_role = await page(search, actor_role="finance", entity="access", action_prefix="access")
    assert {(e["service"], e["id"]) for e in found} <= {
        (e["service"], e["id"]) for e in by_role["items"]
    }


async def test_pages_of_one_entry_follow_the_cursor_to_the_end(
    search: httpx.AsyncClient,
) -> None:
    whole = (await page(search, actor=SUBJECT))["items"]
    paged: list[dict[str, Any]] = []
    cursor = None
    for _ in range(10):
        params = {"actor": SUBJECT, "limit": 1, **({"cursor": cursor} if cursor else {})}
        answer = await page(search, **params)
        paged += answer["items"]
        cursor = answer["next_cursor"]
        if cursor is None:
            break
    assert [(e["service"], e["id"]) for e in paged] == [(e["service"], e["id"]) for e in whole]
    assert len(whole) == 3


async def test_only_administrators_search_and_bad_queries_are_refused(
    search: httpx.AsyncClient,
) -> None:
    for role in (Role.FINANCE, Role.DEPT_MANAGER, Role.APPRAISAL_ADMIN, Role.EXECUTIVE):
        refused = await search.get(SEARCH, headers=bearer(role, employee_id=7403))
        assert refused.status_code == 403, role
    assert (await search.get(SEARCH, params={"service": "payroll"})).status_code == 422
    assert (await search.get(SEARCH, params={"account_id": "1"})).status_code == 422
    assert (await search.get(SEARCH, params={"cursor": "e30x"})).status_code == 400
    other_kind = await search.get(SEARCH, params={"cursor": "eyJwYXlyb2xsIjozfQ"})
    assert other_kind.status_code == 400
