"""Contact merges (联系人合并): every row referencing the loser contact moves, a row the
survivor holds already is set aside instead of refused, the loser's GET redirects, and an
undo restores exactly what was there — against the real database."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from shared.auth.principal import Role
from tests.authz import world
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTMENT,
    KAM,
    LEAD,
    SPECIALIST,
    acting,
    create_account,
    feed_org,
)
from tests.clients.duplicates.test_api import (
    audit_actions,
    end_undo_period,
    merge,
    probe_rows,
    probed_family,
    reference_counts,
)

CONTACTS = "/v1/clients/contacts"
MERGES = "/v1/clients/contact-merges"
TABLE = "clients.contacts"


async def merge_contacts(
    client: httpx.AsyncClient,
    survivor: int,
    loser: int,
    headers: dict[str, str] | None = None,
    reason: str = "同一个人",
) -> httpx.Response:
    return await merge(client, survivor, loser, headers, reason, records=CONTACTS, merges=MERGES)


async def add_contact(client: httpx.AsyncClient, account_id: int, name: str) -> int:
    response = await client.post(
        f"{ACCOUNTS}/{account_id}/contacts", json={"name": name, "roles": []}
    )
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def link(client: httpx.AsyncClient, account_id: int, contact_id: int, *roles: str) -> None:
    response = await client.put(
        f"{ACCOUNTS}/{account_id}/contacts/{contact_id}",
        json={"roles": list(roles), "active": True},
    )
    assert response.status_code in (200, 201), response.text


async def links_of(app: FastAPI, *contact_ids: int) -> list[dict[str, Any]]:
    """The account_contacts rows of the contacts, whole (ids, roles, dates), by id."""
    async with app.state.session_factory() as session:
        rows = await (await session.connection()).execute(
            text(
                "SELECT to_jsonb(l) FROM clients.account_contacts l "
                "WHERE contact_id = ANY(:ids) ORDER BY id"
            ),
            {"ids": list(contact_ids)},
        )
        return [row[0] for row in rows.all()]


async def test_a_merge_moves_every_referencing_row_and_undo_moves_them_back(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """The walk's family contact has a record of every kind that names a contact (link,
    ticket, visit, survey, contact touch, opportunity key contact …), plus rows of a table
    made here after the code was written: after the merge nothing references it."""
    app, client = clients_app
    family, other = await probed_family(app, client, "contact_id", 8)
    loser = family["contact"]
    survivor = await add_contact(client, other, "合并存续联系人")
    await probe_rows(app, "contact_id", loser)
    loser_before = await reference_counts(app, loser, TABLE)
    survivor_before = await reference_counts(app, survivor, TABLE)
    populated = {key for key, count in loser_before.items() if count}
    assert {
        "clients.merge_probe.contact_id", "clients.account_contacts.contact_id",
        "clients.tickets.contact_id", "clients.visits.contact_ids",
        "clients.contact_touches.contact_id", "clients.opportunity_contacts.contact_id",
        "clients.satisfaction_surveys.respondent_contact_id",
    } <= populated, sorted(populated)  # fmt: skip

    merged = await merge_contacts(client, survivor, loser, reason="换号重复录入")
    assert merged.status_code == 201, merged.text
    body = merged.json()
    assert merged.headers["location"] == f"{MERGES}/{body['id']}"
    assert body["moved"] == {key: loser_before[key] for key in populated}
    assert body["set_aside"] == {}
    assert body["loser_name"]
    after = await reference_counts(app, loser, TABLE)
    assert {key: count for key, count in after.items() if count} == {}
    survivor_after = await reference_counts(app, survivor, TABLE)
    for key in loser_before:
        assert survivor_after[key] == survivor_before[key] + loser_before[key], key

    redirected = await client.get(f"{CONTACTS}/{loser}", follow_redirects=False)
    assert redirected.status_code == 308
    assert redirected.headers["location"] == f"{CONTACTS}/{survivor}"
    entries = await audit_actions(client, survivor, "contact")
    logged = next(e for e in entries if e["action"] == "merge")
    assert logged["after"]["reason"] == "换号重复录入"
    assert logged["before"]["loser_id"] == loser
    # The survivor's ETag moved on: a stale If-Match on it is refused.
    survivor_read = await client.get(f"{CONTACTS}/{survivor}")
    assert survivor_read.headers["etag"] == '"2"'

    record = f"{MERGES}/{body['id']}"
    fetched = await client.get(record)
    assert fetched.status_code == 200, fetched.text
    assert fetched.json() == body
    undone = await client.post(f"{record}/undo", headers={"If-Match": merged.headers["etag"]})
    assert undone.status_code == 200, undone.text
    assert undone.json()["undone_at"] is not None
    assert await reference_counts(app, loser, TABLE) == loser_before
    assert await reference_counts(app, survivor, TABLE) == survivor_before
    back = await client.get(f"{CONTACTS}/{loser}", follow_redirects=False)
    assert back.status_code == 200, back.text
    assert back.json()["name"] == body["loser_name"]
    assert any(
        e["action"] == "merge_undo" for e in await audit_actions(client, survivor, "contact")
    )
    again = await client.post(f"{record}/undo", headers={"If-Match": undone.headers["etag"]})
    assert again.status_code == 409
    assert again.json()["type"] == "urn:kam:problem:invalid-transition"


async def test_a_clash_keeps_the_survivors_row_and_undo_restores_exactly(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """Both contacts are linked to account A (unique per account and contact); the loser
    also to B. The merge keeps the survivor's link to A (its roles), sets the loser's
    aside, moves the link to B; the undo brings back every row as it was (ids too)."""
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    shared = await create_account(client, legal_name="联系人撞单甲有限公司")
    own = await create_account(client, legal_name="联系人撞单乙有限公司")
    survivor = await add_contact(client, shared["id"], "李雷")
    loser = await add_contact(client, own["id"], "李雷（旧）")
    await link(client, shared["id"], survivor, "decision_maker")
    await link(client, shared["id"], loser, "user")
    # A visit met both: its list names the survivor once after the merge.
    visit = await world.created(
        client, app.openapi(), f"{ACCOUNTS}/{shared['id']}/visits", contact_ids=[loser, survivor]
    )
    before = await links_of(app, survivor, loser)
    assert len(before) == 3

    merged = await merge_contacts(client, survivor, loser)
    assert merged.status_code == 201, merged.text
    assert merged.json()["set_aside"] == {"clients.account_contacts.contact_id": 1}
    assert merged.json()["moved"] == {
        "clients.account_contacts.contact_id": 1, "clients.visits.contact_ids": 1,
    }  # fmt: skip
    met = await client.get(f"/v1/clients/visits/{visit}")
    assert met.json()["contact_ids"] == [survivor]
    after = await links_of(app, survivor, loser)
    assert {(row["account_id"], row["contact_id"]) for row in after} == {
        (shared["id"], survivor), (own["id"], survivor)
    }  # fmt: skip
    kept = next(row for row in after if row["account_id"] == shared["id"])
    assert kept["roles"] == ["decision_maker"]
    assert await reference_counts(app, loser, TABLE) == {
        key: 0 for key in await reference_counts(app, loser, TABLE)
    }
    listed = await client.get(f"{ACCOUNTS}/{shared['id']}/contacts")
    assert [c["id"] for c in listed.json()["items"]] == [survivor]

    undone = await client.post(
        f"{MERGES}/{merged.json()['id']}/undo", headers={"If-Match": merged.headers["etag"]}
    )
    assert undone.status_code == 200, undone.text
    restored = await links_of(app, survivor, loser)
    strip = ("updated_at",)
    assert [{k: v for k, v in r.items() if k not in strip} for r in restored] == [
        {k: v for k, v in r.items() if k not in strip} for r in before
    ]
    met_again = await client.get(f"/v1/clients/visits/{visit}")
    assert met_again.json()["contact_ids"] == [loser, survivor]


async def test_merges_need_both_etags(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, legal_name="联系人版本有限公司")
    survivor = await add_contact(clients, account["id"], "韩梅梅")
    loser = await add_contact(clients, account["id"], "韩梅")
    body = {"survivor_id": survivor, "loser_id": loser, "loser_etag": '"1"', "reason": "重复"}
    assert (await clients.post(MERGES, json=body)).status_code == 428
    stale = await clients.post(
        MERGES, json={**body, "loser_etag": '"9"'}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412
    itself = await clients.post(
        MERGES, json={**body, "loser_id": survivor}, headers={"If-Match": '"1"'}
    )
    assert itself.status_code == 422
    assert (await clients.get(f"{CONTACTS}/{loser}", follow_redirects=False)).status_code == 200


async def test_a_manager_cannot_merge_contacts_of_another_teams_accounts(
    clients: httpx.AsyncClient,
) -> None:
    mine = await create_account(clients, legal_name="联系人组内有限公司", owner_id=SPECIALIST)
    theirs = await create_account(clients, legal_name="联系人组外有限公司", owner_id=KAM)
    kept = await add_contact(clients, mine["id"], "张三")
    double = await add_contact(clients, mine["id"], "张叁")
    foreign = await add_contact(clients, theirs["id"], "张山")
    as_lead = acting(LEAD, Role.TEAM_LEAD)
    outside = await merge_contacts(clients, kept, foreign, headers=as_lead)
    assert outside.status_code == 404, outside.text
    assert outside.json()["detail"] == f"contact {foreign} does not exist"
    into_outside = await merge_contacts(clients, foreign, kept, headers=as_lead)
    assert into_outside.status_code == 404, into_outside.text
    assert (await clients.get(f"{CONTACTS}/{foreign}")).status_code == 200
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
    assert (await merge_contacts(clients, foreign, kept, headers=as_kam)).status_code == 403
    inside = await merge_contacts(clients, kept, double, headers=as_lead)
    assert inside.status_code == 201, inside.text
    # The redirect only shows a survivor the caller sees; so does the merge.
    gone = await clients.get(f"{CONTACTS}/{double}", headers=as_kam, follow_redirects=False)
    assert gone.status_code == 404
    seen = await clients.get(f"{CONTACTS}/{double}", headers=as_lead, follow_redirects=False)
    assert seen.status_code == 308
    record = f"{MERGES}/{inside.json()['id']}"
    assert (await clients.get(record, headers=as_lead)).status_code == 200
    as_other_lead = acting(KAM, Role.TEAM_LEAD)
    assert (await clients.get(record, headers=as_other_lead)).status_code == 404


async def test_undo_ends_with_its_period(clients_app: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    account = await create_account(client, legal_name="联系人期限有限公司")
    survivor = await add_contact(client, account["id"], "王二")
    loser = await add_contact(client, account["id"], "王贰")
    merged = await merge_contacts(client, survivor, loser)
    assert merged.status_code == 201, merged.text
    await end_undo_period(app, "clients.contact_merges", merged.json()["id"])
    late = await client.post(
        f"{MERGES}/{merged.json()['id']}/undo", headers={"If-Match": merged.headers["etag"]}
    )
    assert late.status_code == 409, late.text
    assert late.json()["type"] == "urn:kam:problem:invalid-transition"
    assert (await client.get(f"{CONTACTS}/{loser}", follow_redirects=False)).status_code == 308
