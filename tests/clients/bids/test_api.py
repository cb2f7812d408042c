"""Bids through the API: dates, bond, checklist, result, the upcoming deadlines of the
caller's scope, people named in the body."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from shared.auth.principal import Role
from tests.clients.conftest import (
    DEPARTED,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
)
from tests.clients.quotations.test_api import create_opportunity

AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)


def at(days: float) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


@pytest.fixture
async def opportunity(clients: httpx.AsyncClient) -> dict[str, Any]:
    account = await create_account(clients)
    return await create_opportunity(clients, account["id"])


def bid_body(**fields: Any) -> dict[str, Any]:
    return {
        "tender_number": "ZB-2026-1208",
        "title": "2027年度配电设施运维服务采购",
        "issuer": "华东某市供电公司物资部",
        "questions_deadline": at(2),
        "submission_deadline": at(5),
        "opening_at": at(5.1),
        "bond": {"amount": {"amount": "20000.00", "currency": "CNY"}, "paid_on": "2026-12-01"},
        "documents": [{"name": "营业执照副本", "done": True}, {"name": "投标函"}],
        **fields,
    }


async def create_bid(
    client: httpx.AsyncClient, opportunity_id: int, headers: dict[str, str] = AS_KAM, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/clients/opportunities/{opportunity_id}/bids",
        json=bid_body(**fields),
        headers=headers,
    )


async def test_a_bid_with_its_bond_and_checklist(
    clients: httpx.AsyncClient, opportunity: dict[str, Any]
) -> None:
    response = await create_bid(clients, opportunity["id"])
    assert response.status_code == 201, response.text
    bid = response.json()
    assert (bid["owner_id"], bid["account_id"]) == (KAM, opportunity["account_id"])
    assert bid["bond"]["returned"] is False
    assert (bid["documents_done"], bid["documents_total"], bid["documents_complete"]) == (
        1,
        2,
        False,
    )
    etag = (await clients.get(f"/v1/clients/bids/{bid['id']}")).headers["ETag"]
    returned = await clients.patch(
        f"/v1/clients/bids/{bid['id']}",
        json={
            "bond": {
                "amount": {"amount": "20000.00", "currency": "CNY"},
                "paid_on": "2026-12-01",
                "returned_on": "2026-12-20",
            },
            "documents": [{"name": "营业执照副本", "done": True}, {"name": "投标函", "done": True}],
        },
        headers={**AS_KAM, "If-Match": etag},
    )
    assert returned.status_code == 200, returned.text
    assert returned.json()["bond"]["returned"] is True
    assert returned.json()["documents_complete"] is True
    without_etag = await clients.patch(f"/v1/clients/bids/{bid['id']}", json={"title": "x"})
    assert without_etag.status_code == 428


async def test_dates_bond_and_checklist_are_checked(
    clients: httpx.AsyncClient, opportunity: dict[str, Any]
) -> None:
    cases = [
        ({"questions_deadline": at(6)}, "questions_deadline"),
        ({"opening_at": at(4)}, "opening_at"),
        (
            {
                "bond": {
                    "amount": {"amount": "1.00", "currency": "CNY"},
                    "returned_on": "2026-12-01",
                }
            },
            "bond_returned_on",
        ),
        ({"documents": [{"name": "投标函"}, {"name": "投标函 "}]}, "documents"),
    ]
    for fields, field in cases:
        response = await create_bid(clients, opportunity["id"], **fields)
        assert response.status_code == 422, (fields, response.text)
        assert response.json()["errors"][0]["loc"] == ["body", field]
    naive = await create_bid(clients, opportunity["id"], submission_deadline="2026-12-22T09:30:00")
    assert naive.status_code == 422
    listed = await clients.get("/v1/clients/bids", params={"opportunity_id": opportunity["id"]})
    assert listed.json()["items"] == []


async def test_result_only_after_the_submission_deadline(
    clients: httpx.AsyncClient, opportunity: dict[str, Any]
) -> None:
    bid = (await create_bid(clients, opportunity["id"])).json()
    early = await clients.post(f"/v1/clients/bids/{bid['id']}/result", json={"result": "won"})
    assert early.status_code == 409
    past = (
        await create_bid(
            clients,
            opportunity["id"],
            questions_deadline=at(-3),
            submission_deadline=at(-2),
            opening_at=at(-1),
        )
    ).json()
    won = await clients.post(
        f"/v1/clients/bids/{past['id']}/result", json={"result": "won", "note": "综合评分第一"}
    )
    assert won.status_code == 200, won.text
    assert won.json()["result"] == "won"
    twice = await clients.post(f"/v1/clients/bids/{past['id']}/result", json={"result": "lost"})
    assert twice.status_code == 409
    withdrawn = await clients.post(
        f"/v1/clients/bids/{bid['id']}/result", json={"result": "withdrawn"}
    )
    assert withdrawn.status_code == 200


async def test_upcoming_deadlines_for_the_callers_scope(
    clients: httpx.AsyncClient, opportunity: dict[str, Any]
) -> None:
    bid = (await create_bid(clients, opportunity["id"])).json()
    far = (
        await create_bid(
            clients,
            opportunity["id"],
            questions_deadline=None,
            submission_deadline=at(40),
            opening_at=None,
        )
    ).json()
    mine = await clients.get("/v1/clients/bid-deadlines", params={"days": 7}, headers=AS_KAM)
    assert mine.status_code == 200, mine.text
    items = mine.json()
    assert [(d["bid_id"], d["kind"]) for d in items] == [
        (bid["id"], "questions"),
        (bid["id"], "submission"),
        (bid["id"], "opening"),
    ]
    assert far["id"] not in {d["bid_id"] for d in items}
    wider = await clients.get(
        "/v1/clients/bid-deadlines", params={"days": 60}, headers=acting(MANAGER)
    )
    assert far["id"] in {d["bid_id"] for d in wider.json()}
    # LEAD's line (himself and 903) does not own the account: nothing to see.
    theirs = await clients.get("/v1/clients/bid-deadlines", headers=AS_LEAD)
    assert theirs.json() == []
    assert (await clients.get(f"/v1/clients/bids/{bid['id']}", headers=AS_LEAD)).status_code == 404


async def test_owner_must_be_assignable_and_active(
    clients: httpx.AsyncClient, opportunity: dict[str, Any]
) -> None:
    other = await create_bid(clients, opportunity["id"], owner_id=SPECIALIST)
    assert other.status_code == 422  # KAM may name only himself
    assert other.json()["errors"][0]["type"] == "not_assignable"
    departed = await create_bid(clients, opportunity["id"], headers={}, owner_id=DEPARTED)
    assert departed.status_code == 422
    by_admin = await create_bid(clients, opportunity["id"], headers={}, owner_id=SPECIALIST)
    assert by_admin.status_code == 201 and by_admin.json()["owner_id"] == SPECIALIST
