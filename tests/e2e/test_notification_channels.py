"""The real staff process and real channels: e-mail to an SMTP sink, team items to the
WeCom/DingTalk robot doubles over HTTP.

- A crash (SIGKILL) in the middle of delivering loses nothing: every message arrives after the
  restart. Delivery is at least once: the one message being sent when the process died (sent,
  not yet recorded) may arrive a second time, never more than that one; e-mail copies carry
  the same delivery id. A requested stop (SIGTERM) finishes the message in flight and doubles
  nothing.
- A channel that is down (an SMTP server that never answers, then the port closed) never
  slows the API: posts and the inbox answer at once while deliveries retry with backoff and
  end in the dead letters after the limit; retried by an administrator, each arrives once.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from aiosmtpd.controller import Controller
from starlette.types import ASGIApp, Receive, Scope, Send

from deploy.fake_robots.app import create_app as fake_robots
from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.bootstrap_admin import create_admin
from tests.conftest import OUTPUT_DIR, service_url
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:5].upper()
WORK_ITEMS = "/v1/staff/internal/work-items"
DEAD = "/v1/staff/notifications/dead-letters"
DINGTALK_SECRET = "SEC-kam-e2e-robot-secret"
ROBOT_SECONDS = 0.15
"""How long the robot double takes per message: long enough to kill staff mid-delivery."""


class SlowRobots:
    """The robot double answering each POST after ``ROBOT_SECONDS``, run by uvicorn in a
    thread of the test."""

    def __init__(self) -> None:
        self.app = fake_robots({"team-dt": DINGTALK_SECRET})
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(
                self.slow, host="127.0.0.1", port=self.port, log_level="warning", interface="asgi3"
            )
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def slow(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            await asyncio.sleep(ROBOT_SECONDS)
        inner: ASGIApp = self.app
        await inner(scope, receive, send)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages(self) -> list[tuple[str, str]]:
        """(platform, first line) of each accepted message, in arrival order."""
        return [
            (m["platform"], m["body"]["text"]["content"].splitlines()[0])
            for m in self.app.state.messages
        ]

    def __enter__(self) -> SlowRobots:
        self.thread.start()
        for _ in range(500):
            if self.server.started:
                return self
            time.sleep(0.01)
        raise RuntimeError("the robot double did not start")

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def staff_stack(own_database_url: str) -> Iterator[Stack]:
    """Staff alone (with the demo SMTP sink), delivering every 0.2 s."""
    ports = Ports(staff=free_port(), smtp_sink=free_port(), smtp=free_port())
    running = Stack(host="127.0.0.1", ports=ports, log_dir=OUTPUT_DIR / "logs-channels")
    running.env = process_environment(
        own_database_url,
        {
            "KAM_LOG_JSON": "true",
            "STAFF_SMTP_PORT": str(ports.smtp),
            "STAFF_NOTIFICATIONS_POLL_INTERVAL_SECONDS": "0.2",
            "STAFF_NOTIFICATIONS_BACKOFF_SECONDS": "0.2",
            "STAFF_NOTIFICATIONS_MAX_BACKOFF_SECONDS": "0.5",
            "STAFF_OUTBOX_DISPATCHER_ENABLED": "false",  # no clients or kpi to feed
        },
    )
    try:
        running.start_smtp_sink()
        yield running
    finally:  # also when a process never got ready: leave no process behind
        running.stop()


def restart(stack: Stack, *, kill: bool) -> None:
    stack.stop_process("staff", kill=kill)
    stack.start_process("staff")
    stack.wait_ready("staff")


class Staff:
    """Calls to the staff process as its administrator, as a service, and as a person."""

    def __init__(
        self, stack: Stack, own_database_url: str, test_settings: TestSettings, tag: str
    ) -> None:
        self.url = stack.url("staff")
        login, password = f"{tag}.admin.{RUN.lower()}", "channels-admin-password-2026"
        asyncio.run(create_admin(service_url(own_database_url, "staff", test_settings.role_prefix),
                                 login, password))  # fmt: skip
        self.admin = self._bearer(self.sign_in(login, password))
        token = httpx.post(
            f"{self.url}/v1/auth/service-token",
            json={"service": "clients", "secret": "dev-internal-secret"},
            timeout=10,
        ).json()["access_token"]
        self.service = self._bearer(token)

    @staticmethod
    def _bearer(token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def sign_in(self, login: str, password: str) -> str:
        answer = httpx.post(
            f"{self.url}/v1/auth/token",
            data={"username": login, "password": password},
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["access_token"])

    def call(self, method: str, path: str, headers: dict[str, str], **kw: Any) -> httpx.Response:
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kw)

    def person(
        self, suffix: str, department_id: int | None = None
    ) -> tuple[int, str, dict[str, str]]:
        """An employee with a work e-mail and a login: id, address, his headers."""
        address = f"{suffix}.{RUN.lower()}@example.com"
        body: dict[str, Any] = {"employee_no": f"{suffix.upper()}{RUN}", "name": "通道测试",
                                "hire_date": "2023-01-01", "work_email": address}  # fmt: skip
        if department_id is not None:
            body["department_id"] = department_id
        hired = self.call("POST", "/v1/staff/employees", self.admin, json=body)
        assert hired.status_code == 201, hired.text
        login, password = f"{suffix}.{RUN.lower()}", "channel-person-password-2026"
        user = self.call("POST", "/v1/staff/users", self.admin, json={
            "login": login, "password": password, "roles": ["account_manager"],
            "employee_id": hired.json()["id"]})  # fmt: skip
        assert user.status_code == 201, user.text
        return int(hired.json()["id"]), address, self._bearer(self.sign_in(login, password))

    def post_item(self, body: dict[str, Any]) -> httpx.Response:
        posted = self.call("POST", WORK_ITEMS, self.service, json=body)
        assert posted.status_code in (200, 201), posted.text
        return posted


def mail_ids(stack: Stack, address: str) -> list[str]:
    mails = httpx.get(f"{stack.url('smtp_sink')}/mails", params={"to": address}, timeout=5)
    return [m["delivery_id"] for m in mails.json()]


def wait_until(condition: Any, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_a_crash_mid_delivery_loses_nothing_and_doubles_at_most_the_message_in_flight(
    staff_stack: Stack, own_database_url: str, test_settings: TestSettings
) -> None:
    staff_stack.start_process("staff")
    staff_stack.wait_ready("staff")
    staff = Staff(staff_stack, own_database_url, test_settings, "crash")
    team = staff.call("POST", "/v1/staff/departments", staff.admin,
                      json={"code": f"CH-{RUN}", "name": "华东大客户组"})  # fmt: skip
    assert team.status_code == 201, team.text
    team_id = int(team.json()["id"])
    person, address, _ = staff.person("ch")

    with SlowRobots() as robots:
        # Staff learns the team's robots from its settings: restart it with them.
        staff_stack.env["STAFF_GROUP_ROBOTS"] = json.dumps([
            {"name": "team-wecom", "department_id": team_id, "platform": "wecom",
             "webhook": f"{robots.url}/cgi-bin/webhook/send?key=team-wc"},
            {"name": "team-dingtalk", "department_id": team_id, "platform": "dingtalk",
             "webhook": f"{robots.url}/robot/send?access_token=team-dt",
             "secret": DINGTALK_SECRET},
        ])  # fmt: skip
        restart(staff_stack, kill=False)

        def post_batch(batch: str, count: int) -> set[str]:
            titles = set()
            for n in range(count):
                title = f"对账不符 {batch}-{n}"
                staff.post_item({
                    "source_key": f"channels:{RUN}:{batch}:{n}", "employee_id": person,
                    "kind": "reconciliation_mismatch", "title": title,
                    "team_department_id": team_id, "account_name": "华东电力集团",
                    "record_path": "/v1/clients/erp/reconciliation", "severity": "urgent",
                })  # fmt: skip
                titles.add(title)
            return titles

        def robot_titles() -> Counter[tuple[str, str]]:
            return Counter((p, line.split("：", 1)[-1]) for p, line in robots.messages())

        def expected(titles: set[str]) -> set[tuple[str, str]]:
            return {(p, t) for t in titles for p in ("wecom", "dingtalk")}

        # 1. SIGKILL while the robots are being called (one message takes 0.15 s).
        crashed = post_batch("kill", 10)
        wait_until(lambda: len(robots.messages()) >= 3)
        in_flight = len(robots.messages())
        restart(staff_stack, kill=True)
        assert in_flight < 20  # it really died in the middle
        wait_until(lambda: expected(crashed) <= set(robot_titles()))
        wait_until(lambda: len(set(mail_ids(staff_stack, address))) >= 10)
        robot_copies = sum(n - 1 for n in robot_titles().values())
        mail_copies = sum(n - 1 for n in Counter(mail_ids(staff_stack, address)).values())
        # Sent but not recorded when the process died: that one message may come again
        # (one dispatcher sends one message at a time); everything else exactly once.
        assert robot_copies + mail_copies <= 1
        assert set(robot_titles()) == expected(crashed)

        # 2. SIGTERM mid-delivery: the message in flight is finished and recorded first.
        before = robot_titles()
        stopped = post_batch("term", 10)
        wait_until(lambda: len(robots.messages()) >= sum(before.values()) + 3)
        restart(staff_stack, kill=False)
        wait_until(lambda: expected(crashed | stopped) <= set(robot_titles()))
        wait_until(lambda: len(set(mail_ids(staff_stack, address))) >= 20)
        after = robot_titles() - before
        assert set(after) == expected(stopped) and set(after.values()) == {1}
        time.sleep(1)  # nothing else trickles in
        assert len(set(mail_ids(staff_stack, address))) == 20
        assert sum(robot_titles().values()) == sum(before.values()) + 20


def test_smtp_down_never_slows_the_api_and_ends_in_dead_letters(
    staff_stack: Stack, own_database_url: str, test_settings: TestSettings
) -> None:
    port = free_port()
    # First a server that takes the connection and never answers (each attempt waits out the
    # 3 s SMTP timeout), then the port closed (refused at once).
    blackhole = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blackhole.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blackhole.bind(("127.0.0.1", port))
    blackhole.listen(64)
    staff_stack.env |= {
        "STAFF_SMTP_PORT": str(port),
        "STAFF_SMTP_TIMEOUT_SECONDS": "3",
        "STAFF_NOTIFICATIONS_MAX_ATTEMPTS": "3",
    }
    staff_stack.start_process("staff")
    staff_stack.wait_ready("staff")
    staff = Staff(staff_stack, own_database_url, test_settings, "down")
    person, _, own = staff.person("dn")

    def post_and_read(n: int) -> float:
        started = time.perf_counter()
        staff.post_item({
            "source_key": f"down:{RUN}:{n}", "employee_id": person, "kind": "dunning_task",
            "title": f"催收任务 {n}", "record_path": "/v1/clients/receivables/dunning/1",
        })  # fmt: skip
        assert staff.call("GET", "/v1/me/inbox", own).status_code == 200
        return time.perf_counter() - started

    hanging = max(post_and_read(n) for n in range(10))
    blackhole.close()
    refused = max(post_and_read(n) for n in range(10, 20))
    page = staff.call("GET", "/v1/me/inbox", own)
    assert page.json()["counts"] == {"dunning_task": 20}
    # Wide margins (a shared CI machine): waiting for the channel would take 3 s and more.
    assert hanging < 2.5 and refused < 2.5, (hanging, refused)

    def dead() -> list[dict[str, Any]]:
        listed = staff.call("GET", DEAD, staff.admin, params={"limit": 100})
        assert listed.status_code == 200, listed.text
        return [d for d in listed.json() if d["employee_id"] == person]

    wait_until(lambda: len(dead()) == 20, seconds=90)
    assert {d["attempts"] for d in dead()} == {3}  # retried with backoff up to the limit
    assert all("smtp" in d["last_error"] for d in dead())

    # The channel comes back; an administrator retries the dead letters: each mail once.
    received: list[str] = []

    class Inbox:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            text = envelope.content.decode("utf-8", "replace")
            received.extend(
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.startswith("X-KAM-Delivery-Id:")
            )
            return "250 OK"

    controller = Controller(Inbox(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        letters = dead()
        for letter in letters:
            retried = staff.call("POST", f"{DEAD}/{letter['id']}/retry", staff.admin)
            assert retried.status_code == 200, retried.text
        wait_until(lambda: len(received) >= 20, seconds=30)
        time.sleep(0.5)
        assert sorted(received) == sorted(letter["id"] for letter in letters)
        assert dead() == []
    finally:
        controller.stop()
