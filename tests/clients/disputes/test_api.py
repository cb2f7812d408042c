"""Ownership disputes (撞单, issue 23) in-process with PostgreSQL: a credit code another
manager's account holds opens a dispute instead of a second account; an explicit claim; the
owner's protection lapsed grants it at once; otherwise the lowest common manager decides
(If-Match), the decision lands in the ownership history, and strangers see nothing.

The small department (tests.clients.conftest): MANAGER (900) heads it; LEAD (901) and KAM
(902) report to him; SPECIALIST (903) to LEAD. Another department: OTHER_HEAD (960) over
OTHER_KAM (961).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTMENT,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
    credit_code,
    employee_event,
    feed_org,
)

DISPUTES = "/v1/clients/ownership-disputes"
OTHER_HEAD, OTHER_KAM = 960, 961
OTHERS = [
    employee_event(OTHER_HEAD, department_id=4),
    employee_event(OTHER_KAM, department_id=4, manager_id=OTHER_HEAD),
]
AS_SPECIALIST = acting(SPECIALIST, Role.ACCOUNT_MANAGER)
AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)
AS_MANAGER = acting(MANAGER)
AS_STRANGER = acting(OTHER_KAM, Role.ACCOUNT_MANAGER)


@pytest.fixture
async def world(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    app, client = clients_app
    await feed_org(client, DEPARTMENT + OTHERS)
    yield app, client


async def sql(app: FastAPI, statement: str, **params: Any) -> list[Any]:
    async with app.state.session_factory() as session:
        result = await session.execute(text(statement), params)
        rows = list(result.all()) if result.returns_rows else []
        await session.commit()
    return rows


async def age_account(app: FastAPI, account_id: int, days: int) -> None:
    """Make the account (its creation and its owner taking it) ``days`` old."""
    for table, column in (("accounts", "created_at"), ("ownership_history", "changed_at")):
        key = "id" if table == "accounts" else "account_id"
        await sql(
            app,
            f"UPDATE clients.{table} SET {column} = now() - make_interval(days => :days) "
            f"WHERE {key} = :id",
            days=days,
            id=account_id,
        )


async def outbox(app: FastAPI, key: str) -> list[Any]:
    return await sql(app, "SELECT key, payload FROM clients.outbox WHERE key = :key", key=key)


async def outcome_items(app: FastAPI, dispute_id: int) -> dict[int, dict[str, Any]]:
    """The decision's items for the parties in the outbox, by employee."""
    rows = await sql(
        app,
        "SELECT payload FROM clients.outbox WHERE key LIKE :key",
        key=f"ownership-dispute:{dispute_id}:outcome:%",
    )
    return {row.payload["employee_id"]: row.payload for row in rows}


async def create_with_code(
    client: httpx.AsyncClient, code: str, owner: int, headers: dict[str, str]
) -> httpx.Response:
    body = {"legal_name": "重复信用代码客户有限公司", "owner_id": owner, "credit_code": code}
    return await client.post(ACCOUNTS, json=body, headers=headers)


async def decide(
    client: httpx.AsyncClient, dispute_id: int, headers: dict[str, str], **body: Any
) -> httpx.Response:
    read = await client.get(f"{DISPUTES}/{dispute_id}", headers=headers)
    tag = read.headers.get("etag", '"0"')
    return await client.post(
        f"{DISPUTES}/{dispute_id}/decision", json=body, headers={"If-Match": tag, **headers}
    )


async def history(client: httpx.AsyncClient, account_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{ACCOUNTS}/{account_id}/ownership-history")
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_a_taken_credit_code_opens_a_dispute_not_a_second_account(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = world
    code = credit_code(2301)
    held = await create_account(client, owner_id=KAM, credit_code=code, legal_name="撞单客户甲")
    response = await create_with_code(client, code, SPECIALIST, AS_SPECIALIST)
    assert response.status_code == 202, response.text
    dispute = response.json()
    assert response.headers["location"] == f"{DISPUTES}/{dispute['id']}"
    assert response.headers["etag"] == '"1"'
    assert (dispute["state"], dispute["origin"]) == ("pending", "credit_code_match")
    assert (dispute["claimant_id"], dispute["arbiter_id"]) == (SPECIALIST, MANAGER)
    # Nothing of the other account reaches the claimant: no id, owner, name or code.
    assert dispute["account_id"] is None and dispute["owner_id"] is None
    for secret in ("撞单客户甲", code):
        assert secret not in response.text
    assert KAM not in dispute.values()
    others = {k: v for k, v in dispute.items() if k not in {"id", "version"}}
    assert held["id"] not in others.values()
    # No second account.
    found = await client.get(ACCOUNTS, params={"q": code})
    assert [a["id"] for a in found.json()["items"]] == [held["id"]]
    # The arbiter is asked in his inbox; he sees which account it is.
    items = await outbox(app, f"ownership-dispute:{dispute['id']}:arbitration")
    assert len(items) == 1 and items[0].payload["employee_id"] == MANAGER
    assert items[0].payload["kind"] == "ownership_dispute"
    seen = await client.get(f"{DISPUTES}/{dispute['id']}", headers=AS_MANAGER)
    assert (seen.json()["account_id"], seen.json()["owner_id"]) == (held["id"], KAM)
    waiting = await client.get(DISPUTES, params={"for_me": "true"}, headers=AS_MANAGER)
    assert [d["id"] for d in waiting.json()["items"]] == [dispute["id"]]
    # The claimant sees his dispute, still without the account.
    mine = await client.get(f"{DISPUTES}/{dispute['id']}", headers=AS_SPECIALIST)
    assert mine.status_code == 200 and mine.json()["account_id"] is None
    # A second claim waits for this one's decision.
    again = await create_with_code(client, code, LEAD, AS_LEAD)
    assert again.status_code == 409, again.text
    problem = again.json()
    assert problem["type"] == "urn:kam:problem:dispute-open"
    assert problem["ownership_dispute_id"] == dispute["id"]
    assert "account_id" not in problem and "owner_id" not in problem


async def test_the_arbiter_keeps_the_owner_and_the_history_says_so(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = world
    code = credit_code(2302)
    held = await create_account(client, owner_id=KAM, credit_code=code)
    dispute = (await create_with_code(client, code, SPECIALIST, AS_SPECIALIST)).json()
    path = f"{DISPUTES}/{dispute['id']}/decision"
    body = {"winner": "owner", "reason": "原负责人持续跟进"}
    # The claimant's team lead sees it but does not decide it; nor does the claimant.
    assert (await decide(client, dispute["id"], AS_LEAD, **body)).status_code == 403
    assert (await decide(client, dispute["id"], AS_SPECIALIST, **body)).status_code == 403
    # If-Match is required and must be current.
    missing = await client.post(path, json=body, headers=AS_MANAGER)
    assert missing.status_code == 428, missing.text
    stale = await client.post(path, json=body, headers={"If-Match": '"7"', **AS_MANAGER})
    assert stale.status_code == 412, stale.text
    decided = await decide(client, dispute["id"], AS_MANAGER, **body)
    assert decided.status_code == 200, decided.text
    read = decided.json()
    assert (read["state"], read["winner"], read["decided_by"]) == ("owner_kept", "owner", MANAGER)
    assert decided.headers["etag"] == '"2"'
    account = (await client.get(f"{ACCOUNTS}/{held['id']}")).json()
    assert account["owner_id"] == KAM
    newest = (await history(client, held["id"]))[0]
    assert (newest["from_employee_id"], newest["to_employee_id"]) == (KAM, KAM)
    assert "decided for the owner" in newest["reason"] and "原负责人持续跟进" in newest["reason"]
    assert newest["actor_employee_id"] == MANAGER
    # Decided once; the arbiter's item is closed.
    late = await decide(client, dispute["id"], AS_MANAGER, winner="claimant", reason="再议")
    assert late.status_code == 409
    assert late.json()["type"] == "urn:kam:problem:invalid-transition"
    closes = await outbox(app, f"close/ownership-dispute:{dispute['id']}:arbitration")
    assert len(closes) == 1
    # Both parties are told; the claimant who lost is still not told which account it was.
    told = await outcome_items(app, dispute["id"])
    assert set(told) == {SPECIALIST, KAM}
    for item in told.values():
        assert item["kind"] == "ownership_dispute_decided" and item["severity"] == "info"
        assert item["record_path"] == f"{DISPUTES}/{dispute['id']}"
    assert told[SPECIALIST].get("account_id") is None
    assert told[SPECIALIST].get("account_name") is None
    assert "裁定客户仍归原负责人" in told[SPECIALIST]["title"]
    assert str(held["legal_name"]) not in str(told[SPECIALIST])
    assert (told[KAM]["account_id"], told[KAM]["account_name"]) == (held["id"], held["legal_name"])
    assert "裁定客户仍归您" in told[KAM]["title"]
    # On the account's timeline the decision reads as kept, not as a change of owner.
    timeline = await client.get(
        f"{ACCOUNTS}/{held['id']}/timeline", params={"kind": "ownership_change"}
    )
    newest_entry = timeline.json()["items"][0]
    assert (newest_entry["event"], newest_entry["actor_employee_id"]) == ("owner_kept", MANAGER)
    audit = await client.get("/v1/clients/audit", params={"account_id": held["id"]})
    actions = {e["action"] for e in audit.json()["items"] if e["entity"] == "ownership_dispute"}
    assert actions == {"claim", "decide"}


async def test_the_claimant_wins_and_the_account_with_its_open_work_moves(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = world
    code = credit_code(2303)
    held = await create_account(client, owner_id=KAM, credit_code=code)
    contact = await create_contact(client, held["id"])
    ticket = await client.post(
        f"{ACCOUNTS}/{held['id']}/tickets",
        json={"kind": "request", "severity": "low", "channel": "phone", "title": "开通服务",
              "contact_id": contact["id"]},
    )  # fmt: skip
    assert ticket.status_code == 201, ticket.text
    dispute = (await create_with_code(client, code, SPECIALIST, AS_SPECIALIST)).json()
    decided = await decide(
        client, dispute["id"], AS_MANAGER, winner="claimant", reason="认领人首次拜访在先"
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["state"] == "claimant_won"
    account = (await client.get(f"{ACCOUNTS}/{held['id']}")).json()
    assert account["owner_id"] == SPECIALIST
    moved = await client.get(f"/v1/clients/tickets/{ticket.json()['id']}")
    assert moved.json()["owner_id"] == SPECIALIST
    newest = (await history(client, held["id"]))[0]
    assert (newest["from_employee_id"], newest["to_employee_id"]) == (KAM, SPECIALIST)
    assert "decided for the claimant" in newest["reason"]
    # Now his, the claimant sees which account it was.
    mine = await client.get(f"{DISPUTES}/{dispute['id']}", headers=AS_SPECIALIST)
    assert mine.json()["account_id"] == held["id"]
    # Both parties are told; the claimant, now the owner, with the account.
    told = await outcome_items(app, dispute["id"])
    assert {who: item["account_id"] for who, item in told.items()} == {
        SPECIALIST: held["id"],
        KAM: held["id"],
    }
    assert "裁定客户归您" in told[SPECIALIST]["title"]
    assert "裁定客户归认领人" in told[KAM]["title"]


async def test_a_lapsed_protection_grants_the_claim_at_once(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = world
    code = credit_code(2304)
    held = await create_account(client, owner_id=KAM, credit_code=code)
    await age_account(app, held["id"], 91)
    response = await create_with_code(client, code, SPECIALIST, AS_SPECIALIST)
    assert response.status_code == 202, response.text
    granted = response.json()
    assert (granted["state"], granted["winner"], granted["arbiter_id"]) == (
        "granted", "claimant", None,
    )  # fmt: skip
    assert granted["account_id"] == held["id"]  # his now
    account = (await client.get(f"{ACCOUNTS}/{held['id']}")).json()
    assert account["owner_id"] == SPECIALIST
    newest = (await history(client, held["id"]))[0]
    assert (newest["from_employee_id"], newest["to_employee_id"]) == (KAM, SPECIALIST)
    assert "granted (protection lapsed)" in newest["reason"]
    # Nobody is asked to arbitrate.
    assert await outbox(app, f"ownership-dispute:{granted['id']}:arbitration") == []
    assert await outbox(app, f"close/ownership-dispute:{granted['id']}:arbitration") == []
    # The owner learns his account has gone (and the claimant has it in writing).
    told = await outcome_items(app, granted["id"])
    assert "保护期已过，客户已转给认领人" in told[KAM]["title"]
    assert told[KAM]["account_id"] == held["id"]
    assert "保护期已过，客户已归您" in told[SPECIALIST]["title"]


async def test_protection_counts_from_the_last_activity(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = world
    # 89 days without activity: still protected.
    young = await create_account(client, owner_id=KAM, credit_code=credit_code(2305))
    await age_account(app, young["id"], 89)
    kept = await create_with_code(client, young["credit_code"], SPECIALIST, AS_SPECIALIST)
    assert kept.json()["state"] == "pending", kept.text
    # Old, but a contact was added today: a contact change is activity.
    old = await create_account(client, owner_id=KAM, credit_code=credit_code(2306))
    await age_account(app, old["id"], 200)
    await create_contact(client, old["id"])
    touched = await create_with_code(client, old["credit_code"], SPECIALIST, AS_SPECIALIST)
    assert touched.json()["state"] == "pending", touched.text
    assert (await client.get(f"{ACCOUNTS}/{old['id']}")).json()["owner_id"] == KAM


async def test_an_explicit_claim_on_an_account_the_claimant_sees(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = world
    # SPECIALIST works on KAM's account's team (read level), so he sees it.
    held = await create_account(client, owner_id=KAM)
    joined = await client.post(
        f"{ACCOUNTS}/{held['id']}/team",
        json={"employee_id": SPECIALIST, "role": "after_sales", "access": "read"},
    )
    assert joined.status_code == 201, joined.text
    claim = {"account_id": held["id"], "reason": "同一集团下属单位，由我方首先对接"}
    response = await client.post(DISPUTES, json=claim, headers=AS_SPECIALIST)
    assert response.status_code == 201, response.text
    dispute = response.json()
    assert response.headers["location"] == f"{DISPUTES}/{dispute['id']}"
    assert (dispute["origin"], dispute["state"], dispute["arbiter_id"]) == (
        "explicit_claim", "pending", MANAGER,
    )  # fmt: skip
    # He sees the account, so the dispute names it.
    assert dispute["account_id"] == held["id"]
    # The owner claiming his own account, or claiming for someone he may not assign: 422.
    own = await client.post(DISPUTES, json=claim, headers=AS_KAM)
    assert own.status_code == 422, own.text
    foreign = await client.post(DISPUTES, json={**claim, "claimant_id": OTHER_KAM}, headers=AS_KAM)
    assert foreign.status_code == 422, foreign.text


async def test_a_claim_on_an_account_out_of_sight_answers_like_a_missing_one(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = world
    hidden = await create_account(client, owner_id=OTHER_KAM)
    outside = await client.post(
        DISPUTES, json={"account_id": hidden["id"], "reason": "认领"}, headers=AS_KAM
    )
    missing = await client.post(
        DISPUTES, json={"account_id": 987654321, "reason": "认领"}, headers=AS_KAM
    )
    assert outside.status_code == missing.status_code == 404
    assert outside.json()["detail"].replace(str(hidden["id"]), "#") == missing.json()[
        "detail"
    ].replace("987654321", "#")


async def test_a_stranger_neither_sees_nor_decides_a_dispute(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    _, client = world
    code = credit_code(2307)
    await create_account(client, owner_id=KAM, credit_code=code)
    dispute = (await create_with_code(client, code, SPECIALIST, AS_SPECIALIST)).json()
    path = f"{DISPUTES}/{dispute['id']}"
    assert (await client.get(path, headers=AS_STRANGER)).status_code == 404
    listed = await client.get(DISPUTES, headers=AS_STRANGER)
    assert listed.status_code == 200 and listed.json()["items"] == []
    refused = await client.post(
        f"{path}/decision",
        json={"winner": "claimant", "reason": "我来裁决"},
        headers={"If-Match": '"1"', **AS_STRANGER},
    )
    assert refused.status_code == 404, refused.text
    assert (await client.get(path, headers=AS_MANAGER)).json()["state"] == "pending"


async def test_without_a_common_manager_a_department_manager_decides(
    world: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = world
    code = credit_code(2308)
    held = await create_account(client, owner_id=KAM, credit_code=code)
    other_kam = acting(OTHER_KAM, Role.ACCOUNT_MANAGER)
    response = await create_with_code(client, code, OTHER_KAM, other_kam)
    assert response.status_code == 202, response.text
    dispute = response.json()
    assert dispute["arbiter_id"] is None
    # Another department's head is a department manager and no party: he may decide.
    other_head = acting(OTHER_HEAD, Role.DEPT_MANAGER)
    waiting = await client.get(DISPUTES, params={"for_me": "true"}, headers=other_head)
    assert [d["id"] for d in waiting.json()["items"]] == [dispute["id"]]
    # A team lead in the owner's line sees it but does not decide it.
    assert (
        await decide(client, dispute["id"], AS_LEAD, winner="owner", reason="x")
    ).status_code in (
        403,
        404,
    )
    decided = await decide(client, dispute["id"], other_head, winner="owner", reason="维持")
    assert decided.status_code == 200, decided.text
    assert decided.json()["decided_by"] == OTHER_HEAD
    assert (await client.get(f"{ACCOUNTS}/{held['id']}")).json()["owner_id"] == KAM
    # No arbiter was asked, so there is no item to close (a close of a key never posted
    # would be retried by the outbox forever); the parties are told all the same.
    assert await outbox(app, f"close/ownership-dispute:{dispute['id']}:arbitration") == []
    assert set(await outcome_items(app, dispute["id"])) == {OTHER_KAM, KAM}
