"""Backup and restore drill (issue 10): records made through the running system are dumped
with ``deploy.backup``, restored into a brand-new database, and a second system started on
it serves them unchanged, signs in existing logins, takes new writes and hands a leaver's
accounts over across services."""

from __future__ import annotations

import asyncio
import hashlib
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from deploy.backup import verify
from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.clients.calendar.today import company_today as company_calendar_today
from shared.bootstrap import drop_database
from shared.dsn import with_database
from tests.conftest import OUTPUT_DIR, LoginFactory, if_match
from tests.polling import eventually
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e
company_today = company_calendar_today("Asia/Shanghai")
"""Dates the services judge ("in the past") are days of the company's calendar, not UTC's."""
ACCOUNTS = "/v1/clients/accounts"
RUN = uuid.uuid4().hex[:6].upper()
KAM_LOGIN = f"backup.kam.{RUN.lower()}"
# A contract scan of two PostgreSQL chunks (256 KiB each by default), under the gateway's
# body limit; its bytes must come back from the restored database exactly.
SCAN = bytes(range(256)) * 1200
SCAN_NAME = "备份演练合同扫描件.pdf"


def created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def hire(gateway: httpx.Client, number: str) -> int:
    body = {"employee_no": f"B{RUN}{number}", "name": f"备份{number}", "hire_date": "2023-01-01"}
    return int(created(gateway.post("/v1/staff/employees", json=body))["id"])


def new_account(gateway: httpx.Client, owner_id: int, label: str) -> int:
    """An account; waits for staff's event about a new owner to reach clients."""
    body = {"legal_name": f"备份{RUN}{label}有限公司", "owner_id": owner_id}
    response = eventually(
        lambda: r if (r := gateway.post(ACCOUNTS, json=body)).status_code == 201 else None
    )
    assert response is not None, f"employee {owner_id} never reached clients' org copy"
    return int(response.json()["id"])


def planned_visit(gateway: httpx.Client, account_id: int) -> dict[str, Any]:
    body = {"planned_on": company_today().isoformat(), "purpose": "回访"}
    return created(gateway.post(f"{ACCOUNTS}/{account_id}/visits", json=body))


def make_records(gateway: httpx.Client, kam: int) -> list[str]:
    """Two accounts with a contract (and its scan), a visit, a ticket and a payment; their
    paths."""
    today = company_today()
    first, second = new_account(gateway, kam, "甲"), new_account(gateway, kam, "乙")
    contract = created(gateway.post(f"{ACCOUNTS}/{first}/contracts", json={
        "number": f"HT-B{RUN}", "title": "备份演练合同", "amount": "1200000.00",
        "currency": "CNY", "start_date": today.isoformat(),
        "end_date": date(today.year + 1, 12, 31).isoformat()}))  # fmt: skip
    contract_url = f"/v1/clients/contracts/{contract['id']}"
    signed = gateway.post(f"{contract_url}/sign", json={}, headers=if_match(gateway, contract_url))
    assert signed.status_code == 200, signed.text
    scan = created(gateway.post(
        f"{contract_url}/attachments",
        files={"file": (SCAN_NAME, SCAN, "application/pdf")},
        data={"sha256": hashlib.sha256(SCAN).hexdigest()}))  # fmt: skip
    visit = planned_visit(gateway, second)
    ticket = created(gateway.post(f"{ACCOUNTS}/{second}/tickets", json={
        "kind": "request", "severity": "medium", "channel": "phone", "title": "工单"}))  # fmt: skip
    created(gateway.post("/v1/clients/payments", json={
        "account_id": first, "reference": f"BANK-B{RUN}",
        "amount": {"amount": "5000.00", "currency": "CNY"}, "received_on": today.isoformat()},
        headers={"Idempotency-Key": str(uuid.uuid4())}))  # fmt: skip
    return [
        f"{ACCOUNTS}/{first}", f"{ACCOUNTS}/{second}",
        f"/v1/clients/contracts/{contract['id']}", f"/v1/clients/attachments/{scan['id']}",
        f"/v1/clients/visits/{visit['id']}",
        f"/v1/clients/tickets/{ticket['id']}", f"/v1/clients/payments?account_id={first}",
        f"/v1/staff/employees/{kam}", f"{ACCOUNTS}?q=备份{RUN}",
    ]  # fmt: skip


def snapshot(gateway: httpx.Client, paths: list[str]) -> dict[str, tuple[int, Any, str | None]]:
    """Status, body and ETag of each record."""
    answers = {path: gateway.get(path) for path in paths}
    return {p: (r.status_code, r.json(), r.headers.get("ETag")) for p, r in answers.items()}


def backup_command(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = process_environment(database_url)
    return subprocess.run(
        [sys.executable, "-m", "deploy.backup", *args],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


@pytest.fixture
def restored_url(test_settings: TestSettings) -> Iterator[str]:
    url = with_database(test_settings.database_url, f"kam_test_restored_{uuid.uuid4().hex[:8]}")
    yield url
    asyncio.run(drop_database(url))


def test_backup_restores_into_an_empty_database_and_serves(
    stack: Stack,
    admin_headers: dict[str, str],
    login_as: LoginFactory,
    database_url: str,
    restored_url: str,
    tmp_path: Path,
) -> None:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as source:
        kam, successor = hire(source, "01"), hire(source, "02")
        login_as(KAM_LOGIN, "account_manager", employee_id=kam)
        paths = make_records(source, kam)
        before = snapshot(source, paths)

    archive = tmp_path / "kam.dump"
    counts_before = asyncio.run(verify(database_url)).row_counts
    dumped = backup_command("dump", "--out", str(archive), database_url=database_url)
    assert dumped.returncode == 0, dumped.stderr
    counts_after = asyncio.run(verify(database_url)).row_counts
    restored = backup_command("restore", str(archive), "--into", restored_url,
                              database_url=database_url)  # fmt: skip
    assert restored.returncode == 0, restored.stderr
    assert "clients.accounts:" in restored.stdout
    # The source keeps running (SLA checks, outbox), so its counts may move during the dump.
    counts = asyncio.run(verify(restored_url)).row_counts
    assert counts.keys() == counts_before.keys()
    assert all(counts_before[t] <= n <= counts_after[t] for t, n in counts.items()), counts
    again = backup_command("restore", str(archive), "--into", restored_url,
                           database_url=database_url)  # fmt: skip
    assert again.returncode == 1
    assert "not empty" in again.stderr

    second = Stack(
        host="127.0.0.1",
        ports=Ports(gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port()),
        log_dir=OUTPUT_DIR / "logs-restored",
    )
    try:
        second.start(process_environment(restored_url, {"KAM_LOG_JSON": "true"}))
        check_restored_system(second.url("gateway"), admin_headers, paths, before, kam, successor)
    finally:
        second.stop()


def check_restored_system(
    gateway_url: str,
    admin_headers: dict[str, str],
    paths: list[str],
    before: dict[str, tuple[int, Any, str | None]],
    kam: int,
    successor: int,
) -> None:
    signed_in = httpx.post(
        f"{gateway_url}/v1/auth/token",
        data={"username": KAM_LOGIN, "password": f"{KAM_LOGIN}-password-2026"},
        timeout=15,
    )
    assert signed_in.status_code == 200, signed_in.text
    # The signing keys were restored too: a token from before the dump is still good.
    with httpx.Client(base_url=gateway_url, timeout=15, headers=admin_headers) as gateway:
        assert snapshot(gateway, paths) == before
        scan = next(p for p in paths if p.startswith("/v1/clients/attachments/"))
        download = gateway.get(f"{scan}/content")
        assert download.status_code == 200, download.text
        assert download.content == SCAN  # byte for byte, from the restored chunks
        assert "filename*=UTF-8''" in download.headers["content-disposition"]
        existing = before[paths[-1]][1]["items"]
        account = new_account(gateway, kam, "丙")
        assert account > max(item["id"] for item in existing)
        planned_visit(gateway, account)
        departure = gateway.post(
            f"/v1/staff/employees/{kam}/departure",
            json={"date": company_today().isoformat(), "successor_employee_id": successor},
        )
        assert departure.status_code == 202, departure.text
        location = departure.headers["location"]
        done = eventually(lambda: gateway.get(location).json()["status"] == "completed")
        assert done, gateway.get(location).text
        listed = gateway.get(ACCOUNTS, params={"q": f"备份{RUN}"}).json()["items"]
        assert {item["owner_id"] for item in listed} == {successor}
