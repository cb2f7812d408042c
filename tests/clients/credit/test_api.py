"""Credit score: only by adjustment, within the actor's authority, with history."""

import httpx

from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTED,
    LEAD,
    MANAGER,
    NO_AUTHORITY,
    acting,
    create_account,
    employee_event,
    feed_org,
)
from tests.conftest import post_current

HEAD = 910


async def adjust(
    client: httpx.AsyncClient, account_id: int, actor: int | None, delta: int, reason: str = "回款"
) -> httpx.Response:
    headers = acting(actor) if actor is not None else {}
    return await client.post(
        f"{ACCOUNTS}/{account_id}/credit-adjustments",
        json={"delta": delta, "reason": reason},
        headers=headers,
    )


async def test_adjustment_within_authority(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    response = await adjust(clients, account["id"], LEAD, -5, "连续两期回款逾期")
    assert response.status_code == 201, response.text
    body = response.json()
    assert (body["score_before"], body["score_after"], body["actor_max_delta"]) == (60, 55, 5)
    got = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert (got["credit_score"], got["version"]) == (55, 2)
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/credit-adjustments")).json()
    assert [h["delta"] for h in history["items"]] == [-5]


async def test_refusals_are_precise_and_write_nothing(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    cases = [
        (NO_AUTHORITY, 1, 403, "no_authority", "no authority"),
        (DEPARTED, 1, 403, "no_authority", "no authority"),
        (12345, 1, 403, "no_authority", "no authority"),
        (MANAGER, 0, 422, "zero_delta", "changes nothing"),
        # Out of [0, 100] is refused before authority is weighed (no request for it).
        (MANAGER, -61, 422, "below_floor", "below the floor of 0"),
        (LEAD, 41, 422, "above_ceiling", "above the ceiling of 100"),
    ]
    for actor, delta, status, refusal, words in cases:
        response = await adjust(clients, account["id"], actor, delta)
        assert response.status_code == status, (actor, delta, response.text)
        problem = response.json()
        assert problem["refusal"] == refusal
        assert words in problem["detail"]
    no_actor = await adjust(clients, account["id"], None, 1)
    # A login that is not an employee holds no authority to adjust credit.
    assert no_actor.status_code == 403
    assert "not linked to an employee" in no_actor.json()["detail"]
    no_reason = await clients.post(
        f"{ACCOUNTS}/{account['id']}/credit-adjustments",
        json={"delta": 1},
        headers=acting(MANAGER),
    )
    assert no_reason.status_code == 422
    got = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert (got["credit_score"], got["version"]) == (60, 1)
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/credit-adjustments")).json()
    assert history["items"] == []


async def test_archived_account_is_not_adjusted(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    await post_current(clients, f"{ACCOUNTS}/{account['id']}", "/archive")
    assert (await adjust(clients, account["id"], MANAGER, 1)).status_code == 409


async def test_score_stays_within_0_and_100(clients: httpx.AsyncClient) -> None:
    # One adjustment per actor would not reach the ceiling within a month: a head with ±50.
    await feed_org(
        clients,
        [employee_event(HEAD, authority_limits={"adjust_credit_score": {"max_delta": 50}})],
    )
    account = await create_account(clients)
    assert (await adjust(clients, account["id"], HEAD, 40)).status_code == 201
    over = await adjust(clients, account["id"], HEAD, 1)
    assert over.status_code == 422
    assert over.json()["detail"] == "100 +1 = 101 is above the ceiling of 100"
    got = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert got["credit_score"] == 100
