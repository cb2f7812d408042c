"""E-mail delivery survives a crash of the sending process: staff is killed (SIGKILL) while
work items wait to be mailed, comes back, and every item reaches the real SMTP sink, none
lost; a copy sent again after the crash carries the same delivery id (never a new mail)."""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.bootstrap_admin import create_admin
from tests.conftest import OUTPUT_DIR, service_url
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:5].upper()
WORK_ITEMS = "/v1/staff/internal/work-items"


@pytest.fixture
def mail_stack(own_database_url: str) -> Iterator[Stack]:
    ports = Ports(
        gateway=free_port(),
        clients=free_port(),
        staff=free_port(),
        kpi=free_port(),
        smtp_sink=free_port(),
        smtp=free_port(),
    )
    running = Stack(host="127.0.0.1", ports=ports, log_dir=OUTPUT_DIR / "logs-mail")
    running.start_smtp_sink()
    env = process_environment(
        own_database_url,
        {
            "KAM_LOG_JSON": "true",
            "STAFF_SMTP_PORT": str(ports.smtp),
            "STAFF_NOTIFICATIONS_POLL_INTERVAL_SECONDS": "0.2",
        },
    )
    try:
        running.start(env)
        yield running
    finally:  # also when a process never got ready: leave no process behind
        running.stop()


def mail_ids(stack: Stack, address: str) -> list[str]:
    mails = httpx.get(f"{stack.url('smtp_sink')}/mails", params={"to": address}, timeout=5)
    return [m["delivery_id"] for m in mails.json()]


def wait_for_mails(stack: Stack, address: str, count: int, seconds: float = 30) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ids = mail_ids(stack, address)
        if len(set(ids)) >= count:
            return ids
        time.sleep(0.2)
    return mail_ids(stack, address)


def test_a_killed_sender_loses_and_doubles_nothing(
    mail_stack: Stack, own_database_url: str, test_settings: TestSettings
) -> None:
    password = "mail-admin-password-2026"
    login = f"mail.admin.{RUN.lower()}"
    url = service_url(own_database_url, "staff", test_settings.role_prefix)
    asyncio.run(create_admin(url, login, password))
    gateway, staff = mail_stack.url("gateway"), mail_stack.url("staff")
    token = httpx.post(
        f"{gateway}/v1/auth/token", data={"username": login, "password": password}, timeout=10
    ).json()["access_token"]
    admin = {"Authorization": f"Bearer {token}"}
    address = f"mail.{RUN.lower()}@example.com"
    hired = httpx.post(
        f"{gateway}/v1/staff/employees",
        json={
            "employee_no": f"ML{RUN}",
            "name": "邮件测试",
            "hire_date": "2023-01-01",
            "work_email": address,
        },
        headers=admin,
        timeout=10,
    )
    assert hired.status_code == 201, hired.text
    service_token = httpx.post(
        f"{staff}/v1/auth/service-token",
        json={"service": "clients", "secret": "dev-internal-secret"},
        timeout=10,
    ).json()["access_token"]
    as_service = {"Authorization": f"Bearer {service_token}"}

    def post(n: int) -> None:
        body = {
            "source_key": f"restart:{RUN}:{n}",
            "employee_id": hired.json()["id"],
            "kind": "dunning_task",
            "title": f"催收任务 {n}",
            "record_path": "/v1/clients/receivables/dunning/1",
        }
        for _ in range(2):  # the outbox may deliver twice
            response = httpx.post(f"{staff}{WORK_ITEMS}", json=body, headers=as_service, timeout=10)
            assert response.status_code in (200, 201), response.text

    for n in range(5):
        post(n)
    assert len(set(wait_for_mails(mail_stack, address, 5))) == 5
    for n in range(5, 25):
        post(n)
    mail_stack.stop_process("staff", kill=True)  # crash while mails wait to go out
    mail_stack.start_process("staff")
    mail_stack.wait_ready("staff")

    ids = wait_for_mails(mail_stack, address, 25)
    assert len(set(ids)) == 25  # nothing lost
    # A crash between sending and recording may send one again: with the same delivery id.
    assert sum(count - 1 for count in Counter(ids).values()) <= 1
    person_login, person_password = f"mail.{RUN.lower()}", "mail-person-password-2026"
    created = httpx.post(
        f"{gateway}/v1/staff/users",
        json={
            "login": person_login,
            "password": person_password,
            "roles": ["account_manager"],
            "employee_id": hired.json()["id"],
        },
        headers=admin,
        timeout=10,
    )
    assert created.status_code == 201, created.text
    person = httpx.post(
        f"{gateway}/v1/auth/token",
        data={"username": person_login, "password": person_password},
        timeout=10,
    ).json()["access_token"]
    inbox = httpx.get(
        f"{gateway}/v1/me/inbox", headers={"Authorization": f"Bearer {person}"}, timeout=10
    )
    assert inbox.json()["counts"] == {"dunning_task": 25}  # exactly once in the inbox
