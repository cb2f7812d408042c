"""Two replicas of staff and of clients on one database: every outbox message is delivered
once (each POST the receivers saw is one recorded attempt, every message delivered) and
every scheduled round's effect happens once (each breached ticket escalated once)."""

from __future__ import annotations

import asyncio
import json
import shutil
import uuid
from collections import Counter
from collections.abc import Iterator
from typing import Any

import asyncpg
import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from deploy.processes import Ports, Stack
from deploy.test_runner import free_port
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import asyncpg_dsn, with_database
from tests.conftest import OUTPUT_DIR
from tests.deploy.cluster import (
    ACCOUNTS,
    admin_headers,
    create_account,
    eventually,
    hire,
    short_journey,
    start_stack,
)
from tests.settings import TestSettings

pytestmark = pytest.mark.e2e
HIRES = 20
TICKETS = 12
FAST = {
    "STAFF_OUTBOX_POLL_INTERVAL_SECONDS": "0.1",  # both dispatchers poll hard, to collide
    "CLIENTS_SLA_CHECK_INTERVAL_SECONDS": "0.3",  # both timers tick several times a second
    "STAFF_UPSTREAM_TIMEOUT_SECONDS": "30",  # a slow receiver under load is not a failure
}


@pytest.fixture(scope="module")
def own_database(test_settings: TestSettings) -> Iterator[str]:
    """A database of its own: no other stack of the session may deliver or check in it."""
    url = with_database(test_settings.database_url, f"kam_replicas_{uuid.uuid4().hex[:8]}")
    asyncio.run(prepare_database(url, test_settings.role_prefix))
    yield url
    asyncio.run(drop_database(url))


async def query(url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(asyncpg_dsn(url))
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def report(line: str) -> None:
    """Keep the result for the capacity note: test-output/replicas.txt."""
    OUTPUT_DIR.mkdir(exist_ok=True)
    with (OUTPUT_DIR / "replicas.txt").open("a") as out:
        out.write(f"{line}\n")


def posts_seen(url: str, routes: set[str]) -> Counter[str]:
    """POST requests a process answered on ``routes``, by status, from its /metrics."""
    text = httpx.get(f"{url}/metrics", timeout=5).text
    seen: Counter[str] = Counter()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if (
                sample.name == "kam_http_requests_total"
                and sample.labels["method"] == "POST"
                and sample.labels["route"] in routes
            ):
                seen[sample.labels["status"]] += int(sample.value)
    return seen


def accepted(seen: Counter[str]) -> int:
    return sum(n for status, n in seen.items() if status.startswith("2"))


def test_two_replicas_deliver_each_message_once_and_run_each_round_once(
    own_database: str, test_settings: TestSettings
) -> None:
    for name in ("replicas-a", "replicas-b"):
        shutil.rmtree(OUTPUT_DIR / "logs" / name, ignore_errors=True)
    first = start_stack(own_database, "replicas-a", FAST)
    # the second replica of staff and clients; it shares the first's kpi and gateway
    second_ports = Ports(
        gateway=first.ports.gateway, kpi=first.ports.kpi, staff=free_port(), clients=free_port()
    )
    second = Stack(host="127.0.0.1", ports=second_ports, log_dir=OUTPUT_DIR / "logs" / "replicas-b")
    second.env = dict(first.env)
    try:
        for name in ("staff", "clients"):
            second.start_process(name)
        for name in ("staff", "clients"):
            second.wait_ready(name, 90)
        run_journey_and_jobs(first, second, own_database, test_settings)
    finally:
        second.stop()
        first.stop()


def run_journey_and_jobs(
    first: Stack, second: Stack, database: str, settings: TestSettings
) -> None:
    headers = admin_headers(first.url("gateway"), database, settings.role_prefix)
    label = uuid.uuid4().hex[:4].upper()
    with httpx.Client(base_url=first.url("gateway"), headers=headers, timeout=20) as gateway:
        # -- outbox: org events for every hire (to clients and kpi) and one handover
        staff_ids = [hire(gateway, f"{label}H{n:02d}") for n in range(HIRES)]
        result = short_journey(gateway, label, accounts=4)

        def settled() -> bool:
            sql = "SELECT count(*) FROM staff.outbox WHERE status = 'pending'"
            return bool(asyncio.run(query(database, sql))[0][0] == 0)

        assert eventually(settled), "the outbox never drained"
        rows = asyncio.run(
            query(database, "SELECT destination, path, status, attempts FROM staff.outbox")
        )
        assert {row["status"] for row in rows} == {"delivered"}
        assert len(rows) >= 2 * (HIRES + 2) + 1  # each hire to clients and kpi, a handover
        routes = {row["path"] for row in rows}
        attempts = sum(row["attempts"] for row in rows)
        seen = [posts_seen(first.url("clients"), routes),
                posts_seen(second.url("clients"), routes),
                posts_seen(first.url("kpi"), routes)]  # fmt: skip
        # every POST a receiver saw is one attempt staff recorded (none was sent twice,
        # not even at the same time by both dispatchers), and each message was accepted once
        assert sum(sum(s.values()) for s in seen) == attempts, seen
        if attempts == len(rows):  # no retry (a timeout under load may retry a delivery)
            assert sum(accepted(s) for s in seen) == len(rows), seen
        report(
            f"{len(rows)} outbox messages, {attempts} attempts; answers seen by clients A "
            f"{dict(seen[0])}, clients B {dict(seen[1])}, kpi {dict(seen[2])}"
        )

        # -- scheduled job: the SLA check of both clients replicas, on missed deadlines
        owner = staff_ids[0]
        account = create_account(gateway, owner, f"{label}工单客户有限公司")
        tickets = []
        for n in range(TICKETS):
            created = gateway.post(
                f"{ACCOUNTS}/{account}/tickets",
                json={"kind": "request", "severity": "medium", "channel": "phone",
                      "title": f"巡检{n}"},
            )  # fmt: skip
            assert created.status_code == 201, created.text
            tickets.append(int(created.json()["id"]))
        asyncio.run(
            query(
                database,
                "UPDATE clients.tickets SET respond_by = now() - interval '2 hours', "
                "resolve_by = now() - interval '1 hour' WHERE id = ANY($1::bigint[])",
                tickets,
            )
        )

        def escalated() -> bool:
            sql = (
                "SELECT count(*) FROM clients.tickets "
                "WHERE id = ANY($1::bigint[]) AND escalated_at IS NOT NULL"
            )
            return bool(asyncio.run(query(database, sql, tickets))[0][0] == TICKETS)

        assert eventually(escalated), "the SLA check never escalated the tickets"
        # let both timers tick a good number of times more
        for _ in range(10):
            gateway.get(f"{ACCOUNTS}/{account}")
            asyncio.run(asyncio.sleep(0.3))
        events = asyncio.run(
            query(
                database,
                "SELECT ticket_id, count(*) AS n FROM clients.ticket_events "
                "WHERE kind = 'escalation' AND ticket_id = ANY($1::bigint[]) GROUP BY ticket_id",
                tickets,
            )
        )
        assert {row["ticket_id"]: row["n"] for row in events} == dict.fromkeys(tickets, 1)
        flagged: list[int] = []
        replicas_that_flagged = set()
        for name in ("replicas-a", "replicas-b"):
            log = OUTPUT_DIR / "logs" / name / "clients.log"
            for line in log.read_text().splitlines():
                if '"ticket_sla_breached"' in line:
                    entry = json.loads(line)
                    if entry["ticket_id"] in tickets:
                        flagged.append(entry["ticket_id"])
                        replicas_that_flagged.add(name)
        assert sorted(flagged) == sorted(tickets), "a ticket was flagged twice or never"
        report(f"{TICKETS} tickets escalated once each, by {sorted(replicas_that_flagged)}")
        assert result["departure"]["handovers"][0]["accounts"] == 4
