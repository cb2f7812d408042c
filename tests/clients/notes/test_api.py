"""Notes (跟进记录/备注) through the API: written by an employee, read by whoever sees the
account, rewritten by their author only (If-Match), deleted with an audit entry."""

from __future__ import annotations

import httpx

from services.clients.notes.rules import may_delete_note, may_edit_note
from shared.auth.principal import Role
from tests.clients.conftest import ACCOUNTS, KAM, LEAD, SPECIALIST, acting, create_account

AS_OWNER = acting(SPECIALIST, Role.ACCOUNT_MANAGER)  # owns the account, reports to LEAD
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)
AS_STRANGER = acting(KAM, Role.ACCOUNT_MANAGER)  # another account manager's line


async def write_note(client: httpx.AsyncClient, account_id: int, body: str) -> httpx.Response:
    return await client.post(
        f"{ACCOUNTS}/{account_id}/notes", json={"body": body}, headers=AS_OWNER
    )


def test_only_the_author_edits_and_moderators_also_delete() -> None:
    assert may_edit_note(7, 7) and not may_edit_note(7, 8) and not may_edit_note(7, None)
    assert may_delete_note(7, 7, {Role.ACCOUNT_MANAGER})
    assert not may_delete_note(7, 8, {Role.ACCOUNT_MANAGER})
    assert may_delete_note(7, 8, {Role.TEAM_LEAD})


async def test_notes_are_written_listed_edited_with_if_match_and_deleted_with_audit(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=SPECIALIST)
    created = await write_note(clients, account["id"], "  电话沟通：下季度扩容  ")
    assert created.status_code == 201, created.text
    note = created.json()
    assert note["body"] == "电话沟通：下季度扩容"  # stripped
    assert (note["author_id"], note["account_id"], note["version"]) == (
        SPECIALIST,
        account["id"],
        1,
    )
    url = f"/v1/clients/notes/{note['id']}"
    assert created.headers["location"] == url
    assert created.headers["etag"] == '"1"'
    second = (await write_note(clients, account["id"], "第二条")).json()
    listed = await clients.get(f"{ACCOUNTS}/{account['id']}/notes", headers=AS_LEAD)
    assert [n["id"] for n in listed.json()["items"]] == [second["id"], note["id"]]
    paged = await clients.get(f"{ACCOUNTS}/{account['id']}/notes", params={"limit": 1})
    rest = await clients.get(
        f"{ACCOUNTS}/{account['id']}/notes", params={"cursor": paged.json()["next_cursor"]}
    )
    assert [n["id"] for n in rest.json()["items"]] == [note["id"]]

    change = {"body": "电话沟通：已约周三拜访"}
    missing = await clients.patch(url, json=change, headers=AS_OWNER)
    assert missing.status_code == 428
    stale = await clients.patch(url, json=change, headers={**AS_OWNER, "If-Match": '"9"'})
    assert stale.status_code == 412
    not_author = await clients.patch(url, json=change, headers={**AS_LEAD, "If-Match": '"1"'})
    assert not_author.status_code == 403
    edited = await clients.patch(url, json=change, headers={**AS_OWNER, "If-Match": '"1"'})
    assert edited.status_code == 200, edited.text
    assert (edited.json()["body"], edited.json()["version"]) == (change["body"], 2)
    assert edited.headers["etag"] == '"2"'
    empty = await clients.patch(url, json={"body": "   "}, headers={**AS_OWNER, "If-Match": '"2"'})
    assert empty.status_code == 422

    # The team lead above the author moderates: he may delete, not rewrite.
    unconditional = await clients.delete(url, headers=AS_LEAD)
    assert unconditional.status_code == 428
    deleted = await clients.delete(url, headers={**AS_LEAD, "If-Match": '"2"'})
    assert deleted.status_code == 204, deleted.text
    assert (await clients.get(url)).status_code == 404
    trail = await clients.get(
        "/v1/clients/audit", params={"entity": "note", "entity_id": note["id"]}
    )
    actions = [(e["action"], e["actor_employee_id"]) for e in trail.json()["items"]]
    assert actions == [("delete", LEAD), ("update", SPECIALIST), ("create", SPECIALIST)]
    assert trail.json()["items"][0]["before"]["body"] == change["body"]


async def test_a_stranger_finds_no_note_and_a_login_without_employee_writes_none(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=SPECIALIST)
    note = (await write_note(clients, account["id"], "内部备注")).json()
    url = f"/v1/clients/notes/{note['id']}"
    assert (await clients.get(url, headers=AS_STRANGER)).status_code == 404
    listed = await clients.get(f"{ACCOUNTS}/{account['id']}/notes", headers=AS_STRANGER)
    assert listed.status_code == 404
    foreign = await clients.post(
        f"{ACCOUNTS}/{account['id']}/notes", json={"body": "x"}, headers=AS_STRANGER
    )
    assert foreign.status_code == 404
    hidden_delete = await clients.delete(url, headers={**AS_STRANGER, "If-Match": '"1"'})
    assert hidden_delete.status_code == 404
    no_employee = await clients.post(f"{ACCOUNTS}/{account['id']}/notes", json={"body": "x"})
    assert no_employee.status_code == 403  # the suite's administrator is no employee
