"""Account teams (issue 18): members besides the owner, with a role and an access level;
the team opens the account and everything under it (one branch of the visibility
predicate), is managed by the owner's line, audited, and carried by handovers."""

from __future__ import annotations

import pickle
import uuid
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql

from services.clients.access import Scope, may_assign, scope_member, visible_accounts
from services.clients.accounts.models import Account
from services.clients.teams.rules import TEAM_ROLE_LABELS, TeamRole, role_label
from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTED,
    KAM,
    LEAD,
    MANAGER,
    create_account,
    create_contact,
)
from tests.clients.teams.conftest import AFTER_SALES, FINANCE_LIAISON, STRANGER, SUCCESSOR
from tests.conftest import bearer


def as_(employee_id: int, role: Role = Role.ACCOUNT_MANAGER) -> dict[str, str]:
    return bearer(role, employee_id=employee_id, subject=f"user:{employee_id}")


def team(account_id: int) -> str:
    return f"{ACCOUNTS}/{account_id}/team"


async def add_member(
    client: httpx.AsyncClient, account_id: int, employee_id: int, access: str, **kw: Any
) -> httpx.Response:
    body = {"employee_id": employee_id, "role": kw.pop("role", "after_sales"), "access": access}
    return await client.post(team(account_id), json=body, **kw)


async def test_a_team_opens_the_account_read_level_for_reading_only(
    clients: httpx.AsyncClient,
) -> None:
    clients.headers.pop("accept-language", None)  # people read zh-CN by default
    account = await create_account(clients, owner_id=KAM)
    contact = await create_contact(clients, account["id"])
    path = f"{ACCOUNTS}/{account['id']}"
    assert (await clients.get(path, headers=as_(FINANCE_LIAISON))).status_code == 404

    added = await add_member(
        clients, account["id"], FINANCE_LIAISON, "read", role="finance_liaison",
        headers=as_(KAM),
    )  # fmt: skip
    assert added.status_code == 201, added.text
    assert added.json()["role_label"] == "财务对接"
    assert added.headers["ETag"] == '"1"'

    reader = as_(FINANCE_LIAISON)
    assert (await clients.get(path, headers=reader)).status_code == 200
    contacts = await clients.get(f"{path}/contacts", headers=reader)
    assert [c["id"] for c in contacts.json()["items"]] == [contact["id"]]
    assert (await clients.get(f"{ACCOUNTS}?limit=50", headers=reader)).json()["items"][0][
        "id"
    ] == account["id"]
    # read level: writing under the account answers like a missing account
    write = await clients.post(
        f"{path}/contacts", json={"name": "王五", "roles": ["user"]}, headers=reader
    )
    assert write.status_code == 404, write.text
    # the stranger still sees nothing
    assert (await clients.get(path, headers=as_(STRANGER))).status_code == 404


async def test_a_work_level_member_works_under_the_account_but_not_its_team(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    assert (await add_member(clients, account["id"], AFTER_SALES, "work")).status_code == 201
    worker = as_(AFTER_SALES)
    contact = await clients.post(
        f"{ACCOUNTS}/{account['id']}/contacts",
        json={"name": "王五", "roles": ["user"]},
        headers=worker,
    )
    assert contact.status_code == 201, contact.text
    ticket = await clients.post(
        f"{ACCOUNTS}/{account['id']}/tickets",
        json={"kind": "request", "severity": "low", "channel": "phone", "title": "巡检"},
        headers=worker,
    )
    assert ticket.status_code == 201, ticket.text
    # a member does not manage the team
    refused = await add_member(clients, account["id"], STRANGER, "read", headers=worker)
    assert refused.status_code == 403, refused.text


async def test_the_owners_line_manages_the_team_with_if_match_and_audit(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    assert (await add_member(clients, account["id"], AFTER_SALES, "read")).status_code == 201
    member = f"{team(account['id'])}/{AFTER_SALES}"
    lead = as_(MANAGER, Role.TEAM_LEAD)  # KAM reports to MANAGER

    without = await clients.patch(member, json={"access": "work"}, headers=lead)
    assert without.status_code == 428
    changed = await clients.patch(
        member, json={"access": "work"}, headers={**lead, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["access"] == "work" and changed.headers["ETag"] == '"2"'
    stale = await clients.patch(
        member, json={"role": "delivery"}, headers={**lead, "If-Match": '"1"'}
    )
    assert stale.status_code == 412

    listed = await clients.get(team(account["id"]), headers={"Accept-Language": "en"})
    assert [(m["employee_id"], m["access"], m["role_label"]) for m in listed.json()] == [
        (AFTER_SALES, "work", "After-sales support")
    ]
    # the owner's peer in another line may not manage it (he does not even see it)
    other_lead = as_(LEAD, Role.TEAM_LEAD)
    assert (
        await clients.delete(member, headers={**other_lead, "If-Match": '"2"'})
    ).status_code == 404
    removed = await clients.delete(member, headers={**as_(KAM), "If-Match": '"2"'})
    assert removed.status_code == 204
    assert (await clients.get(team(account["id"]))).json() == []

    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "account_team", "account_id": account["id"]}
    )
    assert audit.status_code == 200, audit.text
    assert sorted(e["action"] for e in audit.json()["items"]) == ["create", "delete", "update"]


async def test_team_members_must_be_assignable_active_and_not_the_owner(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    outside = await add_member(clients, account["id"], STRANGER, "read", headers=as_(KAM))
    assert outside.status_code == 422 and outside.json()["errors"][0]["type"] == "not_assignable"
    departed = await add_member(clients, account["id"], DEPARTED, "read")
    assert departed.status_code == 422
    owner = await add_member(clients, account["id"], KAM, "work")
    assert owner.status_code == 422
    assert (await add_member(clients, account["id"], STRANGER, "read")).status_code == 201
    again = await add_member(clients, account["id"], STRANGER, "work")
    assert again.status_code == 409


async def test_a_transfer_keeps_the_team_and_a_handover_moves_the_leavers_places(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    assert (await add_member(clients, account["id"], AFTER_SALES, "work")).status_code == 201
    moved = await clients.post(
        "/v1/clients/ownership/transfers",
        json={"account_ids": [account["id"]], "to_employee_id": LEAD, "reason": "调整"},
    )
    assert moved.status_code == 200, moved.text
    assert [m["employee_id"] for m in (await clients.get(team(account["id"]))).json()] == [
        AFTER_SALES
    ]

    handover = await clients.post(
        "/v1/clients/handovers",
        json={
            "handover_id": str(uuid.uuid4()),
            "from_employee_id": AFTER_SALES,
            "to_employee_id": SUCCESSOR,
            "account_ids": None,
        },
        headers=bearer(subject="service:staff"),
    )
    assert handover.status_code == 200, handover.text
    assert handover.json()["team_memberships"] == 1
    members = (await clients.get(team(account["id"]))).json()
    assert [(m["employee_id"], m["access"]) for m in members] == [(SUCCESSOR, "work")]
    assert (
        await clients.get(f"{ACCOUNTS}/{account['id']}", headers=as_(SUCCESSOR))
    ).status_code == 200
    gone = await clients.get(f"{ACCOUNTS}/{account['id']}", headers=as_(AFTER_SALES))
    assert gone.status_code == 404


def test_the_predicate_has_a_team_branch_at_work_level_for_writes() -> None:
    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    reading = str(visible_accounts(Account.id, Scope({KAM}, member=KAM)).compile(dialect=dialect))
    assert "account_team_members" in reading and "access" not in reading
    writing = visible_accounts(Account.id, Scope({KAM}, member=KAM, writing=True))
    assert "account_team_members.access =" in str(writing.compile(dialect=dialect))
    plain = str(visible_accounts(Account.id, frozenset({KAM})).compile(dialect=dialect))
    assert "account_team_members" not in plain


def test_a_scope_is_still_the_callers_line_for_assigning() -> None:
    scope = Scope({KAM}, member=KAM)
    assert KAM in scope and may_assign(scope, KAM)
    assert not may_assign(scope, LEAD)
    assert may_assign(scope, LEAD, service_people={LEAD})


async def test_work_level_members_read_contacts_in_full_read_level_masked(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    contact = await create_contact(clients, account["id"], phone="138-1234-5678")
    assert (await add_member(clients, account["id"], AFTER_SALES, "work")).status_code == 201
    assert (await add_member(clients, account["id"], FINANCE_LIAISON, "read")).status_code == 201
    for path in (f"/v1/clients/contacts/{contact['id']}", f"{ACCOUNTS}/{account['id']}/contacts"):
        worker = await clients.get(path, headers=as_(AFTER_SALES))
        reader = await clients.get(path, headers=as_(FINANCE_LIAISON))
        assert worker.status_code == reader.status_code == 200, (worker.text, reader.text)
        assert "138-1234-5678" in worker.text
        assert "138-1234-5678" not in reader.text


def test_every_team_role_has_both_labels() -> None:
    for role in TeamRole:
        assert role_label(role, "zh-CN") == TEAM_ROLE_LABELS[role]["zh-CN"]
        assert role_label(role, "en-GB,en;q=0.8") == TEAM_ROLE_LABELS[role]["en"]
        assert role_label(role, "en") != role_label(role, "zh")
    assert role_label(TeamRole.AFTER_SALES, "zh-CN") == "售后支持"
    assert role_label(TeamRole.TECHNICAL_SUPPORT, "zh-CN") == "技术支持"


@given(
    owners=st.frozensets(st.integers(1, 50)),
    member=st.none() | st.integers(1, 50),
    writing=st.booleans(),
    service=st.frozensets(st.integers(1, 50)),
    someone=st.integers(1, 50),
)
def test_a_scope_assigns_exactly_its_line_and_the_service_queues(
    owners: frozenset[int],
    member: int | None,
    writing: bool,
    service: frozenset[int],
    someone: int,
) -> None:
    scope = Scope(owners, member=member, writing=writing)
    assert scope == owners and scope_member(scope) == member
    assert may_assign(scope, someone, service) == (someone in owners or someone in service)
    assert pickle.loads(pickle.dumps(scope)).member == member
