"""Sign-in security through the real gateway, staff and an SMTP sink (issue 25).

- A login locks after a few failures (a short lock here, by settings), the person is mailed,
  and the lock ends by itself or by an administrator's unlock.
- An unknown login answers exactly like a known one with a wrong password, in similar time.
- A "forgot password" link read from the mail sets a new password and ends old sessions.
- A person lists and ends their sessions.
Each of these shows in staff's audit log, sign-ins with the client's address.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.bootstrap_admin import create_admin
from tests.conftest import OUTPUT_DIR, service_url
from tests.polling import eventually
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:5].lower()
LOCK_SECONDS = 3
LOCK_AFTER = 4
PASSWORD = "sign-in-security-password-2026"
NEW_PASSWORD = "violet-harbour-lantern-58"


class Gateway:
    """Calls through the gateway as an administrator or anyone, and the SMTP sink's mails."""

    def __init__(self, stack: Stack, admin: dict[str, str]) -> None:
        self.url = stack.url("gateway")
        self.sink = stack.url("smtp_sink")
        self.admin = admin

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", timeout=30, **kw)

    def sign_in(self, login: str, password: str, address: str) -> httpx.Response:
        return self.call(
            "POST",
            "/v1/auth/token",
            data={"username": login, "password": password},
            headers={"X-Forwarded-For": address, "User-Agent": f"e2e/{address}"},
        )

    def person(self, name: str) -> tuple[int, str, str]:
        """An employee with a work e-mail and a login: user id, login, address."""
        login, email = f"{name}.{RUN}", f"{name}.{RUN}@example.com"
        hired = self.call(
            "POST",
            "/v1/staff/employees",
            headers=self.admin,
            json={
                "employee_no": f"{name.upper()[:8]}{RUN.upper()}",
                "name": "安全测试",
                "hire_date": "2024-01-01",
                "work_email": email,
            },
        )
        assert hired.status_code == 201, hired.text
        user = self.call(
            "POST",
            "/v1/staff/users",
            headers=self.admin,
            json={
                "login": login,
                "password": PASSWORD,
                "roles": ["account_manager"],
                "employee_id": hired.json()["id"],
            },
        )
        assert user.status_code == 201, user.text
        return int(user.json()["id"]), login, email

    def audit(self, action: str, entity_id: object) -> list[dict[str, Any]]:
        found = self.call(
            "GET",
            "/v1/staff/audit",
            headers=self.admin,
            params={"action": action, "entity_id": str(entity_id)},
        )
        assert found.status_code == 200, found.text
        return list(found.json()["items"])

    def mails(self, address: str) -> list[dict[str, Any]]:
        return list(httpx.get(f"{self.sink}/mails", params={"to": address}, timeout=5).json())


@pytest.fixture(scope="module")
def secure_stack(test_settings: TestSettings) -> Iterator[tuple[Stack, str]]:
    """Staff and the gateway on a database of their own, with a short lock and a mail sink
    (the session's stack keeps the default, long lock)."""
    from shared.bootstrap import drop_database, prepare_database
    from shared.dsn import with_database

    url = with_database(test_settings.database_url, f"kam_test_{test_settings.worker}_sec{RUN}")
    asyncio.run(prepare_database(url, test_settings.role_prefix))
    ports = Ports(
        gateway=free_port(),
        staff=free_port(),
        smtp_sink=free_port(),
        smtp=free_port(),
        clients=free_port(),
        kpi=free_port(),
    )
    running = Stack(host="127.0.0.1", ports=ports, log_dir=OUTPUT_DIR / "logs-sign-in-security")
    running.env = process_environment(
        url,
        {
            "KAM_LOG_JSON": "true",
            "STAFF_SMTP_PORT": str(ports.smtp),
            "STAFF_OUTBOX_DISPATCHER_ENABLED": "false",  # no clients or kpi to feed
            "STAFF_NOTIFICATIONS_POLL_INTERVAL_SECONDS": "0.2",
            "STAFF_ACCESS_TOKEN_MINUTES": "60",
            "STAFF_SIGN_IN_FREE_FAILURES": "2",
            "STAFF_SIGN_IN_DELAY_SECONDS": "0.05",
            "STAFF_SIGN_IN_LOCK_AFTER": str(LOCK_AFTER),
            "STAFF_SIGN_IN_LOCK_SECONDS": str(LOCK_SECONDS),
            "STAFF_SIGN_IN_ADDRESS_FREE_FAILURES": "1000",
            "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "30",
        },
    )
    try:
        running.start_smtp_sink()
        running.start_process("staff")
        running.wait_ready("staff")
        running.start_process("gateway")
        running.wait_ready("gateway", path="/healthz")
        yield running, url
    finally:
        running.stop()
        asyncio.run(drop_database(url))


@pytest.fixture(scope="module")
def gateway(secure_stack: tuple[Stack, str], test_settings: TestSettings) -> Gateway:
    stack, url = secure_stack
    login = f"sec.admin.{RUN}"
    asyncio.run(create_admin(service_url(url, "staff", test_settings.role_prefix), login, PASSWORD))
    token = httpx.post(
        f"{stack.url('gateway')}/v1/auth/token",
        data={"username": login, "password": PASSWORD},
        timeout=30,
    )
    assert token.status_code == 200, token.text
    return Gateway(stack, {"Authorization": f"Bearer {token.json()['access_token']}"})


def fail_until_locked(gateway: Gateway, login: str, address: str) -> list[int]:
    """Wrong passwords, spaced past the progressive delay, until the login locks."""
    statuses = []
    for _ in range(LOCK_AFTER + 1):
        statuses.append(gateway.sign_in(login, "wrong-password!", address).status_code)
        time.sleep(0.5)  # past the 0.05 s · 2ⁿ delay of these few failures
    return statuses


def test_a_login_locks_after_failures_the_person_is_mailed_and_the_lock_ends(
    gateway: Gateway,
) -> None:
    user_id, login, email = gateway.person("locked")
    assert fail_until_locked(gateway, login, "198.51.100.21") == [401] * LOCK_AFTER + [429]
    refused = gateway.sign_in(login, PASSWORD, "198.51.100.21")  # even the right password
    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= LOCK_SECONDS
    mails = eventually(lambda: gateway.mails(email))
    assert mails, f"no mail reached {email}"
    assert login in mails[0]["subject"] + mails[0]["body"]
    locked = gateway.audit("login_locked", user_id)
    assert len(locked) == 1
    failed = gateway.audit("sign_in_failed", login)
    assert len(failed) == LOCK_AFTER
    assert {entry["client_address"] for entry in failed} == {"198.51.100.21"}
    time.sleep(LOCK_SECONDS + 0.5)
    assert gateway.sign_in(login, PASSWORD, "198.51.100.21").status_code == 200
    signed_in = gateway.audit("signed_in", user_id)
    assert [entry["client_address"] for entry in signed_in] == ["198.51.100.21"]


def test_an_administrator_unlocks_a_login_before_its_time(gateway: Gateway) -> None:
    user_id, login, _ = gateway.person("unlocked")
    assert fail_until_locked(gateway, login, "198.51.100.22")[-1] == 429
    version = gateway.call("GET", f"/v1/staff/users/{user_id}", headers=gateway.admin)
    unlock = gateway.call(
        "POST",
        f"/v1/staff/users/{user_id}/unlock",
        headers={**gateway.admin, "If-Match": version.headers["ETag"]},
    )
    assert unlock.status_code == 200, unlock.text
    assert gateway.sign_in(login, PASSWORD, "198.51.100.22").status_code == 200
    assert len(gateway.audit("login_unlocked", user_id)) == 1


def test_an_unknown_login_answers_like_a_known_one_in_similar_time(gateway: Gateway) -> None:
    known = [gateway.person(f"known{n}")[1] for n in range(3)]
    unknown = [f"nobody{n}.{RUN}" for n in range(3)]

    def attempt(login: str) -> tuple[int, str, float]:
        started = time.monotonic()
        answer = gateway.sign_in(login, "wrong-password!", "198.51.100.23")
        took = time.monotonic() - started
        body = answer.json()
        return answer.status_code, f"{body['type']}|{body['title']}|{body['detail']}", took

    results: dict[str, list[tuple[int, str, float]]] = {"known": [], "unknown": []}
    for _ in range(2):  # within the free failures of each login
        for known_login, unknown_login in zip(known, unknown, strict=True):
            results["known"].append(attempt(known_login))
            results["unknown"].append(attempt(unknown_login))
    seen = {kind: {(status, body) for status, body, _ in rows} for kind, rows in results.items()}
    assert seen["known"] == seen["unknown"]
    assert {status for status, _ in seen["known"]} == {401}
    # Both verify an argon2 hash (a dummy one for an unknown login): the medians are close.
    # Generous bounds for a shared machine; without the dummy hash the unknown login would
    # answer in a few milliseconds, far below a tenth of the known one.
    known_time = statistics.median(took for *_, took in results["known"])
    unknown_time = statistics.median(took for *_, took in results["unknown"])
    assert unknown_time > known_time / 3, (known_time, unknown_time)
    assert abs(known_time - unknown_time) < max(0.5, known_time), (known_time, unknown_time)


def test_a_reset_link_from_the_mail_sets_a_new_password_and_ends_old_sessions(
    gateway: Gateway,
) -> None:
    user_id, login, email = gateway.person("forgetful")
    old = gateway.sign_in(login, PASSWORD, "198.51.100.24").json()
    for name in (login, f"nobody.{RUN}"):  # the same answer whether or not it exists
        asked = gateway.call("POST", "/v1/auth/forgot-password", json={"login": name})
        assert asked.status_code == 200, asked.text
        assert asked.json() == {
            "detail": "if the login exists and has a work e-mail, a reset link is on its way"
        }
    mails = eventually(lambda: gateway.mails(email))
    assert mails, f"no mail reached {email}"
    mail = mails[0]
    token = re.search(r"token=([A-Za-z0-9_-]+)", mail["body"])
    assert token is not None, mail["body"]
    reset = gateway.call(
        "POST",
        "/v1/auth/password-reset",
        json={"token": token.group(1), "new_password": NEW_PASSWORD},
    )
    assert reset.status_code == 204, reset.text
    stale = gateway.call("POST", "/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert stale.status_code == 401
    assert gateway.sign_in(login, PASSWORD, "198.51.100.24").status_code == 401
    assert gateway.sign_in(login, NEW_PASSWORD, "198.51.100.24").status_code == 200
    again = gateway.call(
        "POST",
        "/v1/auth/password-reset",
        json={"token": token.group(1), "new_password": "x" + NEW_PASSWORD},
    )
    assert again.status_code == 400
    assert len(gateway.audit("password_reset_requested", user_id)) == 1
    assert gateway.audit("password_reset", user_id)[0]["after"]["sessions_ended"] == 1


def test_a_person_lists_and_ends_their_sessions(gateway: Gateway) -> None:
    user_id, login, _ = gateway.person("sessions")
    phone = gateway.sign_in(login, PASSWORD, "198.51.100.25").json()
    laptop = gateway.sign_in(login, PASSWORD, "198.51.100.26").json()
    mine = {"Authorization": f"Bearer {laptop['access_token']}"}
    listed = gateway.call("GET", "/v1/me/sessions", headers=mine)
    assert listed.status_code == 200, listed.text
    by_address = {s["client_address"]: s for s in listed.json()}
    assert set(by_address) == {"198.51.100.25", "198.51.100.26"}
    assert by_address["198.51.100.26"]["current"] is True
    assert by_address["198.51.100.25"]["user_agent"] == "e2e/198.51.100.25"
    phone_session = by_address["198.51.100.25"]["id"]
    ended = gateway.call("DELETE", f"/v1/me/sessions/{phone_session}", headers=mine)
    assert ended.status_code == 204
    refused = gateway.call(
        "POST", "/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}
    )
    assert refused.status_code == 401
    phone_headers = {"Authorization": f"Bearer {phone['access_token']}"}
    assert gateway.call("GET", "/v1/auth/me", headers=phone_headers).status_code == 401
    # Elsewhere (here staff's own routes, checked like every service's) within seconds.
    assert eventually(
        lambda: (
            gateway.call("GET", "/v1/staff/departments", headers=phone_headers).status_code == 401
        ),
        seconds=15,
    )
    assert gateway.call("GET", "/v1/staff/departments", headers=mine).status_code == 200
    left = gateway.call("GET", "/v1/me/sessions", headers=mine).json()
    assert [s["id"] for s in left] == [by_address["198.51.100.26"]["id"]]
    assert gateway.audit("session_ended", user_id)[0]["after"]["session_id"] == phone_session
