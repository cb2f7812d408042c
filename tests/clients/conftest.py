"""Fixtures of the clients tests: the org copy fed through its receiving endpoint, and
small factories for accounts and contacts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from services.clients.accounts.rules import credit_code_check_character
from shared.auth.principal import Role
from tests.conftest import _client_in_transaction, bearer

AS_STAFF = bearer(subject="service:staff")  # what staff's outbox sends


def acting(employee_id: int, role: Role = Role.DEPT_MANAGER) -> dict[str, str]:
    """The caller is this employee (by default with a role that sees every account)."""
    return bearer(role, employee_id=employee_id)


ACCOUNTS = "/v1/clients/accounts"
ORG_EVENTS = "/v1/clients/internal/org/employees"

# A small department: 900 heads it, 901 and 902 report to 900, 903 reports to 901.
MANAGER, LEAD, KAM, SPECIALIST, DEPARTED, ON_LEAVE, NO_AUTHORITY = (
    900, 901, 902, 903, 904, 905, 906,
)  # fmt: skip


def employee_event(employee_id: int, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": str(uuid.uuid4()),
        "employee_id": employee_id,
        "employee_no": f"E{employee_id:04d}",
        "name": f"员工{employee_id}",
        "position_code": "KA-KAM",
        "department_id": 3,
        "manager_id": None,
        "status": "active",
        "authority_limits": {},
        "version": 1,
        **fields,
    }


DEPARTMENT = [
    employee_event(MANAGER, authority_limits={"adjust_credit_score": {"max_delta": 20}}),
    employee_event(
        LEAD, manager_id=MANAGER, authority_limits={"adjust_credit_score": {"max_delta": 5}}
    ),
    employee_event(KAM, manager_id=MANAGER),
    employee_event(SPECIALIST, manager_id=LEAD),
    employee_event(DEPARTED, manager_id=LEAD, status="departed"),
    employee_event(ON_LEAVE, manager_id=LEAD, status="on_leave"),
    employee_event(NO_AUTHORITY, manager_id=LEAD),
]


def credit_code(seed: int) -> str:
    body = f"91310000MA{seed:07d}"
    return body + credit_code_check_character(body)


async def feed_org(client: httpx.AsyncClient, events: list[dict[str, Any]]) -> dict[str, int]:
    response = await client.post(ORG_EVENTS, json={"events": events}, headers=AS_STAFF)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
async def clients(clients_client: httpx.AsyncClient) -> httpx.AsyncClient:
    """The clients service with the small department in its org copy."""
    await feed_org(clients_client, DEPARTMENT)
    return clients_client


async def create_account(client: httpx.AsyncClient, **fields: Any) -> dict[str, Any]:
    body = {"legal_name": f"测试客户{uuid.uuid4().hex[:6]}有限公司", "owner_id": KAM, **fields}
    response = await client.post(ACCOUNTS, json=body)
    assert response.status_code == 201, response.text
    return response.json()


async def create_contact(
    client: httpx.AsyncClient, account_id: int, **fields: Any
) -> dict[str, Any]:
    body = {"name": "李建国", "roles": ["decision_maker"], **fields}
    response = await client.post(f"{ACCOUNTS}/{account_id}/contacts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


@pytest.fixture
async def clients_app(
    engines: dict[str, AsyncEngine],
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The app itself with its rolled-back client, for tests that set ``app.state``."""
    from services.clients.app import create_app

    app = create_app()
    async for client in _client_in_transaction(engines["clients"], app):
        yield app, client
