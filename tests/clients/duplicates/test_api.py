"""Duplicate detection on create and rename, the duplicate report, account merges, their
redirect and their undo, against the real database."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import text

from services.clients.duplicates.repository import DuplicateRepository
from services.clients.duplicates.service import LISTED_AS
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
    credit_code,
    feed_org,
)

MERGES = "/v1/clients/account-merges"
REPORT = "/v1/clients/account-duplicates"


async def merge(
    client: httpx.AsyncClient,
    survivor: int,
    loser: int,
    headers: dict[str, str] | None = None,
    reason: str = "同一家公司",
    *,
    records: str = ACCOUNTS,
    merges: str = MERGES,
) -> httpx.Response:
    """POST a merge (of accounts, or of the ``records`` at ``merges``) with both records'
    current ETags (read as the administrator)."""
    survivor_tag = (await client.get(f"{records}/{survivor}")).headers.get("etag", '"1"')
    loser_tag = (await client.get(f"{records}/{loser}")).headers.get("etag", '"1"')
    return await client.post(
        merges,
        json={
            "survivor_id": survivor,
            "loser_id": loser,
            "loser_etag": loser_tag,
            "reason": reason,
        },
        headers={"If-Match": survivor_tag, **(headers or {})},
    )


async def reference_counts(
    app: FastAPI, record_id: int, target: str = "clients.accounts"
) -> dict[str, int]:
    """Rows referencing ``record_id`` of ``target`` per table and column, read from the
    catalogue."""
    async with app.state.session_factory() as session:
        repository = DuplicateRepository(session)
        return {
            reference.key: await repository.count_references(reference, record_id)
            for reference in await repository.references(target, LISTED_AS[target])
        }


async def audit_actions(
    client: httpx.AsyncClient, record_id: int, entity: str = "account"
) -> list[dict[str, Any]]:
    response = await client.get(
        "/v1/clients/audit", params={"entity": entity, "entity_id": record_id}
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def probed_family(
    app: FastAPI, client: httpx.AsyncClient, column: str, seed: int
) -> tuple[world.Family, int]:
    """A table made here, after the code was written, whose ``column`` references the
    merged kind (``account_id``, ``contact_id``); the walk's family (a record of every kind
    under one account) and a second account of the same owner."""
    target = {"account_id": "clients.accounts", "contact_id": "clients.contacts"}[column]
    await world.feed_org(client, "clients")
    async with app.state.session_factory() as session:
        await (await session.connection()).execute(
            text(
                f"CREATE TABLE clients.merge_probe (id serial PRIMARY KEY, "
                f"{column} integer NOT NULL REFERENCES {target}(id))"
            )
        )
        await session.commit()
    family = await world.clients_family(client, app.openapi(), world.KAM, seed)
    other = await world.created(
        client, app.openapi(), ACCOUNTS, owner_id=world.KAM, legal_name=f"合并存续{seed}有限公司",
        credit_code=None,
    )  # fmt: skip
    return family, other


async def probe_rows(app: FastAPI, column: str, record_id: int) -> None:
    """Two rows of the probe table referencing ``record_id``."""
    async with app.state.session_factory() as session:
        await (await session.connection()).execute(
            text(f"INSERT INTO clients.merge_probe ({column}) VALUES (:r), (:r)"),
            {"r": record_id},
        )
        await session.commit()


async def end_undo_period(app: FastAPI, merges: str, merge_id: int) -> None:
    """The merge's undo period ended yesterday."""
    async with app.state.session_factory() as session:
        await (await session.connection()).execute(
            text(f"UPDATE {merges} SET undo_until = now() - interval '1 day' WHERE id = :id"),
            {"id": merge_id},
        )
        await session.commit()


# --- detection -------------------------------------------------------------------------


async def test_create_asks_before_a_likely_duplicate_and_a_reason_creates_it(
    clients: httpx.AsyncClient,
) -> None:
    first = await create_account(clients, legal_name="北京华信科技有限公司")
    body = {"legal_name": "華信科技（北京）有限公司", "owner_id": KAM}
    asked = await clients.post(ACCOUNTS, json=body)
    assert asked.status_code == 409, asked.text
    problem = asked.json()
    assert problem["type"] == "urn:kam:problem:possible-duplicate"
    assert problem["duplicates"] == [
        {"account_id": first["id"], "legal_name": "北京华信科技有限公司", "score": 100}
    ]
    assert problem["hidden_duplicates"] == 0
    created = await clients.post(ACCOUNTS, json={**body, "duplicate_reason": "不同法人"})
    assert created.status_code == 201, created.text
    assert "duplicate_reason" not in created.json()
    entries = await audit_actions(clients, created.json()["id"])
    overrides = [e for e in entries if e["action"] == "duplicate_override"]
    assert len(overrides) == 1
    assert overrides[0]["after"]["duplicate_reason"] == "不同法人"


async def test_an_unlike_name_is_created_without_asking(clients: httpx.AsyncClient) -> None:
    await create_account(clients, legal_name="北京华信科技有限公司")
    created = await clients.post(
        ACCOUNTS, json={"legal_name": "杭州西湖贸易有限公司", "owner_id": KAM}
    )
    assert created.status_code == 201, created.text
    entries = await audit_actions(clients, created.json()["id"])
    assert not [e for e in entries if e["action"] == "duplicate_override"]


async def test_the_same_credit_code_stays_a_duplicate(clients: httpx.AsyncClient) -> None:
    code = credit_code(23)
    await create_account(clients, legal_name="撞码甲有限公司", credit_code=code)
    again = await clients.post(
        ACCOUNTS,
        json={
            "legal_name": "撞码乙",
            "owner_id": KAM,
            "credit_code": code,
            "duplicate_reason": "x",
        },
    )
    assert again.status_code == 409
    assert again.json()["type"] == "urn:kam:problem:duplicate"


async def test_a_rename_asks_too(clients: httpx.AsyncClient) -> None:
    await create_account(clients, legal_name="华东电网建设集团有限公司")
    other = await create_account(clients, legal_name="杭州西湖贸易有限公司")
    url = f"{ACCOUNTS}/{other['id']}"
    asked = await clients.patch(
        url, json={"legal_name": "华东电网建设有限公司"}, headers={"If-Match": '"1"'}
    )
    assert asked.status_code == 409, asked.text
    assert asked.json()["type"] == "urn:kam:problem:possible-duplicate"
    renamed = await clients.patch(
        url,
        json={"legal_name": "华东电网建设有限公司", "duplicate_reason": "子公司独立法人"},
        headers={"If-Match": '"1"'},
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["legal_name"] == "华东电网建设有限公司"
    # Other changes do not ask again.
    tagged = await clients.patch(url, json={"tags": ["重点"]}, headers={"If-Match": '"2"'})
    assert tagged.status_code == 200, tagged.text


async def test_duplicates_out_of_scope_are_only_counted(clients: httpx.AsyncClient) -> None:
    theirs = await create_account(clients, legal_name="华信科技有限公司", owner_id=LEAD)
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
    asked = await clients.post(
        ACCOUNTS, json={"legal_name": "北京华信科技有限公司", "owner_id": KAM}, headers=as_kam
    )
    assert asked.status_code == 409, asked.text
    assert asked.json()["duplicates"] == []
    assert asked.json()["hidden_duplicates"] == 1
    assert str(theirs["id"]) not in asked.json()["detail"]


async def test_the_report_lists_pairs_and_counts_the_unseen(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, legal_name="华信科技有限公司", owner_id=SPECIALIST)
    theirs = await create_account(
        clients, legal_name="北京華信科技有限公司", owner_id=KAM, duplicate_reason="测试"
    )
    third = await create_account(
        clients, legal_name="华信科技（上海）有限公司", owner_id=SPECIALIST,
        duplicate_reason="测试",
    )  # fmt: skip
    await create_account(clients, legal_name="杭州西湖贸易有限公司", owner_id=SPECIALIST)
    report = await clients.get(REPORT)
    assert report.status_code == 200, report.text
    pairs = {(p["account_id"], p["other_account_id"]) for p in report.json()["items"]}
    assert {
        (mine["id"], theirs["id"]), (mine["id"], third["id"]), (theirs["id"], third["id"])
    } <= pairs  # fmt: skip
    assert all(p["score"] >= 90 for p in report.json()["items"])
    # The team lead sees his line's (SPECIALIST's) accounts, not KAM's.
    as_lead = acting(LEAD, Role.TEAM_LEAD)
    scoped = await clients.get(REPORT, headers=as_lead)
    assert scoped.status_code == 200, scoped.text
    scoped_pairs = {(p["account_id"], p["other_account_id"]) for p in scoped.json()["items"]}
    assert (mine["id"], third["id"]) in scoped_pairs
    assert not any(theirs["id"] in pair for pair in scoped_pairs)
    assert scoped.json()["hidden_pairs"] >= 2
    refused = await clients.get(REPORT, headers=acting(KAM, Role.ACCOUNT_MANAGER))
    assert refused.status_code == 403


# --- merges ----------------------------------------------------------------------------


async def test_a_merge_moves_every_referencing_row_and_undo_moves_them_back(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """The loser gets one record of every kind the walk's world makes (contact, ticket,
    visit, contract, survey, assessment, contact touch, approval request, opportunity,
    quotation, bid, competitor presence, grade and ownership history …) and a table made
    here, after the code was written: after the merge no row anywhere references it."""
    app, client = clients_app
    family, other = await probed_family(app, client, "account_id", 7)
    loser, survivor = family["account"], other
    await probe_rows(app, "account_id", loser)
    loser_before = await reference_counts(app, loser)
    survivor_before = await reference_counts(app, survivor)
    populated = {key for key, count in loser_before.items() if count}
    assert "clients.merge_probe.account_id" in populated
    assert len(populated) >= 15, sorted(populated)

    merged = await merge(client, survivor, loser, reason="繁体重复录入")
    assert merged.status_code == 201, merged.text
    assert merged.headers["location"] == f"{MERGES}/{merged.json()['id']}"
    assert {k: v for k, v in merged.json()["moved"].items()} == {
        key: loser_before[key] for key in populated
    }
    after = await reference_counts(app, loser)
    assert {key: count for key, count in after.items() if count} == {}
    survivor_after = await reference_counts(app, survivor)
    for key in loser_before:
        assert survivor_after[key] == survivor_before[key] + loser_before[key], key

    # The loser redirects to the survivor; its records are listed under the survivor.
    redirected = await client.get(f"{ACCOUNTS}/{loser}", follow_redirects=False)
    assert redirected.status_code == 308
    assert redirected.headers["location"] == f"{ACCOUNTS}/{survivor}"
    entries = await audit_actions(client, survivor)
    logged = next(e for e in entries if e["action"] == "merge")
    assert logged["after"]["reason"] == "繁体重复录入"

    record = f"{MERGES}/{merged.json()['id']}"
    undone = await client.post(f"{record}/undo", headers={"If-Match": merged.headers["etag"]})
    assert undone.status_code == 200, undone.text
    assert undone.json()["undone_at"] is not None
    assert await reference_counts(app, loser) == loser_before
    assert await reference_counts(app, survivor) == survivor_before
    back = await client.get(f"{ACCOUNTS}/{loser}")
    assert back.status_code == 200, back.text
    assert back.json()["legal_name"].startswith("走查客户7")
    again = await client.post(f"{record}/undo", headers={"If-Match": undone.headers["etag"]})
    assert again.status_code == 409
    assert again.json()["type"] == "urn:kam:problem:invalid-transition"


async def test_undo_keeps_rows_made_on_the_survivor_since(clients: httpx.AsyncClient) -> None:
    survivor = await create_account(clients, legal_name="存续甲有限公司")
    loser = await create_account(clients, legal_name="被并乙有限公司")
    merged = await merge(clients, survivor["id"], loser["id"])
    assert merged.status_code == 201, merged.text
    contact = await clients.post(
        f"{ACCOUNTS}/{survivor['id']}/contacts", json={"name": "王五", "roles": []}
    )
    assert contact.status_code == 201, contact.text
    undone = await clients.post(
        f"{MERGES}/{merged.json()['id']}/undo", headers={"If-Match": merged.headers["etag"]}
    )
    assert undone.status_code == 200, undone.text
    survivor_contacts = await clients.get(f"{ACCOUNTS}/{survivor['id']}/contacts")
    assert [c["name"] for c in survivor_contacts.json()["items"]] == ["王五"]
    loser_contacts = await clients.get(f"{ACCOUNTS}/{loser['id']}/contacts")
    assert loser_contacts.json()["items"] == []


async def test_a_merge_that_fails_leaves_both_accounts_untouched(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    """Both accounts hold the same contact (unique per account): the merge is refused and
    nothing of either moved (the rows moved before the collision are moved back)."""
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    survivor = await create_account(client, legal_name="存续丙有限公司")
    loser = await create_account(client, legal_name="被并丁有限公司")
    shared = await client.post(
        f"{ACCOUNTS}/{loser['id']}/contacts", json={"name": "赵六", "roles": []}
    )
    assert shared.status_code == 201, shared.text
    async with app.state.session_factory() as session:
        await (await session.connection()).execute(
            text(
                "INSERT INTO clients.account_contacts (account_id, contact_id, roles, active) "
                "VALUES (:account, :contact, '{}', true)"
            ),
            {"account": survivor["id"], "contact": shared.json()["id"]},
        )
        await session.commit()
    loser_before = await reference_counts(app, loser["id"])
    survivor_before = await reference_counts(app, survivor["id"])
    refused = await merge(client, survivor["id"], loser["id"])
    assert refused.status_code == 409, refused.text
    assert refused.json()["type"] == "urn:kam:problem:unmet-prerequisite"
    assert await reference_counts(app, loser["id"]) == loser_before
    assert await reference_counts(app, survivor["id"]) == survivor_before
    assert (await client.get(f"{ACCOUNTS}/{loser['id']}")).status_code == 200


async def test_merges_need_both_etags(clients: httpx.AsyncClient) -> None:
    survivor = await create_account(clients, legal_name="存续戊有限公司")
    loser = await create_account(clients, legal_name="被并己有限公司")
    body = {"survivor_id": survivor["id"], "loser_id": loser["id"], "loser_etag": '"1"',
            "reason": "重复"}  # fmt: skip
    assert (await clients.post(MERGES, json=body)).status_code == 428
    stale = await clients.post(MERGES, json={**body, "loser_etag": '"9"'},
                               headers={"If-Match": '"1"'})  # fmt: skip
    assert stale.status_code == 412
    itself = await clients.post(
        MERGES, json={**body, "loser_id": survivor["id"]}, headers={"If-Match": '"1"'}
    )
    assert itself.status_code == 422
    assert (await clients.get(f"{ACCOUNTS}/{loser['id']}")).status_code == 200


async def test_a_manager_cannot_merge_outside_his_scope(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, legal_name="组内甲有限公司", owner_id=SPECIALIST)
    other_mine = await create_account(clients, legal_name="组内乙有限公司", owner_id=SPECIALIST)
    theirs = await create_account(clients, legal_name="组外丙有限公司", owner_id=KAM)
    as_lead = acting(LEAD, Role.TEAM_LEAD)
    outside = await merge(clients, mine["id"], theirs["id"], headers=as_lead)
    assert outside.status_code == 404, outside.text
    assert outside.json()["detail"] == f"account {theirs['id']} does not exist"
    assert (await clients.get(f"{ACCOUNTS}/{theirs['id']}")).status_code == 200
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
    assert (await merge(clients, theirs["id"], mine["id"], headers=as_kam)).status_code == 403
    inside = await merge(clients, mine["id"], other_mine["id"], headers=as_lead)
    assert inside.status_code == 201, inside.text
    # The redirect only shows a survivor the caller sees.
    gone = await clients.get(
        f"{ACCOUNTS}/{other_mine['id']}", headers=as_kam, follow_redirects=False
    )
    assert gone.status_code == 404
    seen = await clients.get(
        f"{ACCOUNTS}/{other_mine['id']}", headers=as_lead, follow_redirects=False
    )
    assert seen.status_code == 308
    assert (
        await clients.get(f"{MERGES}/{inside.json()['id']}", headers=as_lead)
    ).status_code == 200


async def test_undo_ends_with_its_period(clients_app: tuple[FastAPI, httpx.AsyncClient]) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    survivor = await create_account(client, legal_name="存续庚有限公司")
    loser = await create_account(client, legal_name="被并辛有限公司")
    merged = await merge(client, survivor["id"], loser["id"])
    assert merged.status_code == 201, merged.text
    undo_until = merged.json()["undo_until"]
    assert undo_until > merged.json()["merged_at"]
    await end_undo_period(app, "clients.account_merges", merged.json()["id"])
    late = await client.post(
        f"{MERGES}/{merged.json()['id']}/undo", headers={"If-Match": merged.headers["etag"]}
    )
    assert late.status_code == 409, late.text
    assert late.json()["type"] == "urn:kam:problem:invalid-transition"
    assert (
        await client.get(f"{ACCOUNTS}/{loser['id']}", follow_redirects=False)
    ).status_code == 308


# --- import ------------------------------------------------------------------------------


async def import_csv(client: httpx.AsyncClient, text_rows: str) -> httpx.Response:
    return await client.post(
        f"{ACCOUNTS}/import",
        content=text_rows.encode(),
        headers={"Content-Type": "text/csv"},
    )


async def test_an_import_reports_likely_duplicates_per_row(clients: httpx.AsyncClient) -> None:
    first = await create_account(clients, legal_name="北京华信科技有限公司")
    rows = (
        "legal_name,owner_id,duplicate_reason\n"
        f"華信科技（北京）有限公司,{KAM},\n"
        f"杭州西湖贸易有限公司,{KAM},\n"
    )
    refused = await import_csv(clients, rows)
    assert refused.status_code == 422, refused.text
    errors = refused.json()["errors"]
    assert [(e["loc"], e["type"]) for e in errors] == [
        (["body", 2, "legal_name"], "possible_duplicate")
    ]
    assert f"account {first['id']}" in errors[0]["msg"]
    listed = await clients.get(ACCOUNTS, params={"q": "西湖贸易"})
    assert listed.json()["items"] == []  # all rows or none

    with_reason = rows.replace(f"有限公司,{KAM},\n", f"有限公司,{KAM},不同法人\n", 1)
    imported = await import_csv(clients, with_reason)
    assert imported.status_code == 200, imported.text
    assert imported.json()["created"] == 2
    made = await clients.get(ACCOUNTS, params={"q": "華信科技"})
    [account] = made.json()["items"]
    entries = await audit_actions(clients, account["id"])
    override = next(e for e in entries if e["action"] == "duplicate_override")
    assert override["after"]["duplicate_reason"] == "不同法人"


async def test_an_import_counts_duplicates_out_of_scope(clients: httpx.AsyncClient) -> None:
    theirs = await create_account(clients, legal_name="华信科技有限公司", owner_id=LEAD)
    refused = await clients.post(
        f"{ACCOUNTS}/import",
        content=f"legal_name,owner_id\n北京华信科技有限公司,{KAM}\n".encode(),
        headers={"Content-Type": "text/csv", **acting(KAM, Role.ACCOUNT_MANAGER)},
    )
    assert refused.status_code == 422, refused.text
    [error] = refused.json()["errors"]
    assert error["type"] == "possible_duplicate"
    assert "1 account(s) you cannot see" in error["msg"]
    assert f"account {theirs['id']}" not in error["msg"]
    assert "华信科技有限公司" not in refused.text


# --- contacts ----------------------------------------------------------------------------


async def test_a_contact_alike_one_in_the_group_is_asked_about(
    clients: httpx.AsyncClient,
) -> None:
    parent = await create_account(clients, legal_name="联系人集团有限公司")
    child = await create_account(clients, legal_name="东方物流有限公司", parent_id=parent["id"])
    elsewhere = await create_account(clients, legal_name="无关客户有限公司")
    first = await clients.post(
        f"{ACCOUNTS}/{parent['id']}/contacts",
        json={"name": "张三", "phone": "138-0000-1111", "email": "Zhang.San@example.com"},
    )
    assert first.status_code == 201, first.text
    for body, matched in (
        ({"name": "张 三"}, ["name"]),
        ({"name": "张小三", "phone": "13800001111"}, ["phone"]),
        ({"name": "张小三", "email": "zhang.san@EXAMPLE.com"}, ["email"]),
    ):
        asked = await clients.post(f"{ACCOUNTS}/{child['id']}/contacts", json=body)
        assert asked.status_code == 409, asked.text
        assert asked.json()["type"] == "urn:kam:problem:possible-duplicate"
        assert asked.json()["duplicates"] == [
            {"contact_id": first.json()["id"], "name": "张三", "account_id": parent["id"],
             "matched_on": matched}
        ]  # fmt: skip
        assert "138" not in asked.text and "example.com" not in asked.text
    # Outside the group: no question.
    other = await clients.post(
        f"{ACCOUNTS}/{elsewhere['id']}/contacts", json={"name": "张三", "phone": "13800001111"}
    )
    assert other.status_code == 201, other.text
    added = await clients.post(
        f"{ACCOUNTS}/{child['id']}/contacts",
        json={"name": "张三", "duplicate_reason": "同名不同人"},
    )
    assert added.status_code == 201, added.text
    entries = await clients.get(
        "/v1/clients/audit", params={"entity": "contact", "entity_id": added.json()["id"]}
    )
    actions = {e["action"]: e for e in entries.json()["items"]}
    assert actions["duplicate_override"]["after"]["duplicate_reason"] == "同名不同人"


async def test_contacts_out_of_scope_are_only_counted(clients: httpx.AsyncClient) -> None:
    parent = await create_account(clients, legal_name="计数集团有限公司", owner_id=LEAD)
    child = await create_account(
        clients, legal_name="南方航运有限公司", owner_id=KAM, parent_id=parent["id"]
    )
    first = await clients.post(f"{ACCOUNTS}/{parent['id']}/contacts", json={"name": "李四"})
    assert first.status_code == 201, first.text
    asked = await clients.post(
        f"{ACCOUNTS}/{child['id']}/contacts",
        json={"name": "李四"},
        headers=acting(KAM, Role.ACCOUNT_MANAGER),
    )
    assert asked.status_code == 409, asked.text
    assert asked.json()["duplicates"] == []
    assert asked.json()["hidden_duplicates"] == 1
