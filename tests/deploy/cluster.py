"""Helpers of the deployment e2e tests: stacks with their own environment, a signed-in
administrator, and the short journey (hire, account, list, departure handover) they run."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

import httpx

from deploy.processes import START_ORDER, Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.bootstrap_admin import create_admin
from tests.conftest import OUTPUT_DIR, service_url
from tests.polling import eventually

T = TypeVar("T")
ACCOUNTS = "/v1/clients/accounts"


def start_stack(
    database_url: str,
    name: str,
    extra: Mapping[str, str],
    apps: Iterable[str] = START_ORDER,
) -> Stack:
    """The given processes on free ports, logs under ``test-output/logs/<name>``."""
    stack = Stack(
        host="127.0.0.1",
        ports=Ports(gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port()),
        log_dir=OUTPUT_DIR / "logs" / name,
    )
    stack.env = process_environment(
        database_url,
        {"KAM_LOG_JSON": "true", "GATEWAY_API_KEY_CACHE_SECONDS": "0", **extra},
    )
    names = [app for app in START_ORDER if app in set(apps)]
    try:
        for app in names:
            stack.start_process(app)
        for app in names:
            stack.wait_ready(app, 90)
    except BaseException:
        stack.stop()
        raise
    return stack


def admin_headers(gateway_url: str, database_url: str, role_prefix: str) -> dict[str, str]:
    """A new administrator (created directly in staff's schema), signed in at the gateway."""
    login = f"ops.{uuid.uuid4().hex[:8]}"
    password = f"{login}-password-2026"
    asyncio.run(create_admin(service_url(database_url, "staff", role_prefix), login, password))
    response = httpx.post(
        f"{gateway_url}/v1/auth/token",
        data={"username": login, "password": password},
        timeout=15,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def hire(gateway: httpx.Client, label: str) -> int:
    """A new employee; staff's outbox then tells clients and kpi about them."""
    response = gateway.post(
        "/v1/staff/employees",
        json={"employee_no": f"E{label}", "name": f"运维测试{label}", "hire_date": "2023-01-01"},
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def create_account(gateway: httpx.Client, owner_id: int, name: str) -> int:
    """An account owned by ``owner_id``, once clients has learned of that employee."""

    def attempt() -> httpx.Response | None:
        response = gateway.post(ACCOUNTS, json={"legal_name": name, "owner_id": owner_id})
        return response if response.status_code == 201 else None

    created = eventually(attempt, seconds=90)
    assert created is not None, "the employee never reached clients' copy of the org"
    return int(created.json()["id"])


def depart_and_wait(gateway: httpx.Client, leaver: int, successor: int) -> dict[str, Any]:
    """Record the leaver's departure and wait until the handover is completed."""
    response = gateway.post(
        f"/v1/staff/employees/{leaver}/departure",
        json={"date": "2026-11-30", "successor_employee_id": successor},
    )
    assert response.status_code == 202, response.text
    location = response.headers["location"]

    def completed() -> dict[str, Any] | None:
        body: dict[str, Any] = gateway.get(location).json()
        return body if body["status"] == "completed" else None

    done = eventually(completed, seconds=90)
    assert done is not None, gateway.get(location).text
    return done


def short_journey(gateway: httpx.Client, label: str, accounts: int = 3) -> dict[str, Any]:
    """Hire two people, give one some accounts, list them, hand them over on departure."""
    leaver, successor = hire(gateway, f"{label}L"), hire(gateway, f"{label}S")
    ids = [create_account(gateway, leaver, f"{label}运维客户{n}有限公司") for n in range(accounts)]
    listed = gateway.get(ACCOUNTS, params={"q": f"{label}运维客户", "limit": 50})
    assert listed.status_code == 200, listed.text
    assert {item["id"] for item in listed.json()["items"]} == set(ids)
    done = depart_and_wait(gateway, leaver, successor)
    owners = {gateway.get(f"{ACCOUNTS}/{i}").json()["owner_id"] for i in ids}
    assert owners == {successor}
    return {"leaver": leaver, "successor": successor, "accounts": ids, "departure": done}
