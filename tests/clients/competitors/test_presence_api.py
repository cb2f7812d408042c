"""Competitor intelligence through the API: dated, attributed observations per account and
opportunity, and the wins and losses per competitor."""

from __future__ import annotations

import uuid
from typing import Any

import httpx

from services.clients.competitors.presence_rules import win_rate
from shared.auth.principal import Role
from tests.clients.conftest import KAM, LEAD, acting, create_account
from tests.clients.quotations.test_api import create_opportunity
from tests.conftest import post_current

AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)


async def create_competitor(client: httpx.AsyncClient, name: str) -> int:
    response = await client.post(
        "/v1/clients/competitors", json={"name": f"{name}{uuid.uuid4().hex[:4]}"}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def observe(
    client: httpx.AsyncClient, account_id: int, competitor_id: int, **fields: Any
) -> httpx.Response:
    return await client.post(
        f"/v1/clients/accounts/{account_id}/competitor-presences",
        json={"competitor_id": competitor_id, **fields},
        headers=AS_KAM,
    )


def test_win_rate() -> None:
    assert win_rate(0, 0) is None
    assert str(win_rate(2, 1)) == "66.67"
    assert str(win_rate(1, 0)) == "100.00"


async def test_observations_are_dated_attributed_and_scoped(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    opportunity = await create_opportunity(clients, account["id"])
    rival = await create_competitor(clients, "某某智能")
    response = await observe(
        clients,
        account["id"],
        rival,
        opportunity_id=opportunity["id"],
        products="智能巡检平台 V3",
        price_seen={"amount": "860000.00", "currency": "CNY"},
        strengths="本地团队响应快",
        weaknesses="二次开发能力弱",
        observed_on="2026-12-01",
    )
    assert response.status_code == 201, response.text
    seen = response.json()
    assert (seen["author_id"], seen["observed_on"]) == (KAM, "2026-12-01")
    assert seen["price_seen"] == {"amount": "860000.00", "currency": "CNY"}
    assert seen["competitor_name"].startswith("某某智能")
    future = await observe(clients, account["id"], rival, observed_on="2099-01-01")
    assert future.status_code == 422
    other_account = await create_account(clients)
    foreign = await observe(clients, other_account["id"], rival, opportunity_id=opportunity["id"])
    assert foreign.status_code == 422
    unknown = await observe(clients, account["id"], 987654)
    assert unknown.status_code == 422
    by_opportunity = await clients.get(
        f"/v1/clients/opportunities/{opportunity['id']}/competitor-presences"
    )
    assert [p["id"] for p in by_opportunity.json()["items"]] == [seen["id"]]
    lead = acting(LEAD, Role.TEAM_LEAD)
    hidden = await clients.get(f"/v1/clients/competitor-presences/{seen['id']}", headers=lead)
    assert hidden.status_code == 404
    listed = await clients.get(
        f"/v1/clients/accounts/{account['id']}/competitor-presences", headers=lead
    )
    assert listed.status_code == 404
    etag = (await clients.get(f"/v1/clients/competitor-presences/{seen['id']}")).headers["ETag"]
    corrected = await clients.patch(
        f"/v1/clients/competitor-presences/{seen['id']}",
        json={"price_seen": None},
        headers={**AS_KAM, "If-Match": etag},
    )
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["price_seen"] is None


async def test_wins_and_losses_per_competitor(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    rival = await create_competitor(clients, "甲竞争者")
    won = await create_opportunity(clients, account["id"])
    lost = await create_opportunity(clients, account["id"])
    for opportunity in (won, won):  # observed twice: still one win against it
        assert (
            await observe(clients, account["id"], rival, opportunity_id=opportunity["id"])
        ).status_code == 201
    win = await post_current(
        clients,
        f"/v1/clients/opportunities/{won['id']}",
        "/win",
        json={
            "contract": {
                "number": f"HT-{uuid.uuid4().hex[:6]}",
                "start_date": "2027-01-01",
                "end_date": "2027-12-31",
            }
        },
    )
    assert win.status_code == 200, win.text
    lose = await post_current(
        clients,
        f"/v1/clients/opportunities/{lost['id']}",
        "/lose",
        json={"reason": "价格高于中标价约8%", "competitor_id": rival},
    )
    assert lose.status_code == 200, lose.text
    report = await clients.get("/v1/clients/competitor-win-loss")
    assert report.status_code == 200, report.text
    line = next(c for c in report.json()["competitors"] if c["competitor_id"] == rival)
    assert (line["won_against"], line["lost_to"], line["win_rate"]) == (1, 1, "50.00")
    assert line["won_amounts"] == [{"amount": "1000000.00", "currency": "CNY"}]
    assert line["lost_amounts"] == [{"amount": "1000000.00", "currency": "CNY"}]
    # Someone who sees none of these opportunities sees no record against the rival.
    lead = await clients.get(
        "/v1/clients/competitor-win-loss", headers=acting(LEAD, Role.TEAM_LEAD)
    )
    assert rival not in {c["competitor_id"] for c in lead.json()["competitors"]}
    past = await clients.get("/v1/clients/competitor-win-loss", params={"closed_to": "2020-01-01"})
    assert rival not in {c["competitor_id"] for c in past.json()["competitors"]}
