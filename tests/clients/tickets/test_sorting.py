"""Ticket lists sorted by the nearest SLA deadline, creation and severity; cursors stay
correct under every order; totals; the ``id`` filter; names beside the ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest

from tests.clients.conftest import KAM, SPECIALIST, create_account
from tests.clients.pages import every_page
from tests.clients.tickets.factories import TICKETS, move, open_ticket

SEVERITY_RANK = {"critical": 1, "high": 2, "medium": 3, "low": 4}
FINISHED = {"resolved", "closed"}


@pytest.fixture
async def tickets(clients: httpx.AsyncClient) -> list[dict[str, Any]]:
    mine = await create_account(clients, owner_id=KAM, legal_name="排序测试甲有限公司")
    other = await create_account(clients, owner_id=SPECIALIST, legal_name="排序测试乙有限公司")
    opened = []
    for account, severity in [
        (mine, "low"),
        (other, "critical"),
        (mine, "medium"),
        (other, "high"),
        (mine, "critical"),
        (other, "low"),
        (mine, "high"),
    ]:
        opened.append(await open_ticket(clients, account["id"], severity=severity))
    # one answered (its resolution deadline counts) and one finished (last by SLA)
    await move(clients, opened[0], "in_progress")
    done = await move(clients, opened[2], "in_progress")
    await move(clients, done, "resolved", resolution="已处理")
    ids = {t["id"] for t in opened}
    listed = await every_page(clients, TICKETS, {"limit": 200}, limit=200)
    return [t for t in listed if t["id"] in ids]


def _ids(items: list[dict[str, Any]]) -> list[int]:
    return [item["id"] for item in items]


async def test_every_sort_pages_through_every_ticket_once_in_order(
    clients: httpx.AsyncClient, tickets: list[dict[str, Any]]
) -> None:
    ids = _ids(tickets)
    only = {"id": ids}
    expected = {
        "-id": sorted(tickets, key=lambda t: -t["id"]),
        "created_at": sorted(tickets, key=lambda t: (t["created_at"], t["id"])),
        "-created_at": sorted(tickets, key=lambda t: (t["created_at"], t["id"]), reverse=True),
        "severity": sorted(tickets, key=lambda t: (SEVERITY_RANK[t["severity"]], t["id"])),
        "-severity": sorted(
            tickets, key=lambda t: (SEVERITY_RANK[t["severity"]], t["id"]), reverse=True
        ),
    }
    for sort, order in expected.items():
        walked = await every_page(clients, TICKETS, {**only, "sort": sort})
        assert _ids(walked) == _ids(order), sort


async def test_nearest_sla_breach_first_and_finished_last(
    clients: httpx.AsyncClient, tickets: list[dict[str, Any]]
) -> None:
    walked = await every_page(clients, TICKETS, {"id": _ids(tickets), "sort": "sla_due"})
    assert len(walked) == len(tickets) == len(set(_ids(walked)))
    assert walked[-1]["status"] in FINISHED
    open_ones = [t for t in walked if t["status"] not in FINISHED]
    deadlines = [
        (t["respond_by"] if t["first_response_at"] is None else t["resolve_by"], t["id"])
        for t in open_ones
    ]
    assert [(datetime.fromisoformat(due), ticket_id) for due, ticket_id in deadlines] == sorted(
        (datetime.fromisoformat(due), ticket_id) for due, ticket_id in deadlines
    )


async def test_a_cursor_of_one_order_is_refused_by_another(
    clients: httpx.AsyncClient, tickets: list[dict[str, Any]]
) -> None:
    first = await clients.get(TICKETS, params={"sort": "severity", "limit": 1})
    cursor = first.json()["next_cursor"]
    assert cursor is not None
    other = await clients.get(TICKETS, params={"sort": "sla_due", "cursor": cursor})
    assert other.status_code == 400


async def test_totals_count_the_filters_in_the_callers_scope(
    clients: httpx.AsyncClient, tickets: list[dict[str, Any]]
) -> None:
    page = await clients.get(
        TICKETS, params={"id": _ids(tickets), "with_total": "true", "limit": 2}
    )
    assert page.json()["total"] == len(tickets)
    assert len(page.json()["items"]) == 2
    critical = await clients.get(
        TICKETS, params={"id": _ids(tickets), "severity": "critical", "with_total": "true"}
    )
    assert critical.json()["total"] == 2
    without = await clients.get(TICKETS, params={"id": _ids(tickets)})
    assert without.json()["total"] is None


async def test_the_id_filter_is_bounded(clients: httpx.AsyncClient) -> None:
    too_many = await clients.get(TICKETS, params={"id": list(range(1, 102))})
    assert too_many.status_code == 422
    assert (await clients.get(TICKETS, params={"id": "0"})).status_code == 422


async def test_list_rows_carry_the_account_and_owner_names(
    clients: httpx.AsyncClient, tickets: list[dict[str, Any]]
) -> None:
    walked = await every_page(clients, TICKETS, {"id": _ids(tickets)}, limit=50)
    names = {(t["account_name"], t["owner_name"]) for t in walked}
    assert names == {
        ("排序测试甲有限公司", f"员工{KAM}"),
        ("排序测试乙有限公司", f"员工{SPECIALIST}"),
    }
