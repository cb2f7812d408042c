"""The audit trail records every change in the same transaction."""

from datetime import UTC, datetime, timedelta

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    MANAGER,
    acting,
    create_account,
    create_contact,
)
from tests.conftest import bearer, post_current

AUDIT = "/v1/clients/audit"


async def test_changes_to_an_account_and_its_children_are_recorded(
    clients: httpx.AsyncClient,
) -> None:
    actor = acting(MANAGER)
    account = await create_account(clients, short_name="旧")
    url = f"{ACCOUNTS}/{account['id']}"
    await clients.patch(url, json={"short_name": "新"}, headers={"If-Match": '"1"', **actor})
    await clients.post(f"{url}/credit-adjustments", json={"delta": 2, "reason": "r"}, headers=actor)
    await create_contact(clients, account["id"])
    await clients.post(
        "/v1/clients/ownership/transfers",
        json={"account_ids": [account["id"]], "to_employee_id": LEAD, "reason": "调整"},
    )
    await post_current(clients, f"{url}", "/archive")
    entries = (await clients.get(AUDIT, params={"account_id": account["id"]})).json()["items"]
    actions = [(e["entity"], e["action"]) for e in reversed(entries)]
    assert actions == [
        ("account", "create"),
        ("account", "update"),
        ("credit_adjustment", "adjust"),
        ("contact", "create"),
        ("account_contact", "link"),
        ("ownership", "transfer"),
        ("account", "archive"),
    ]
    update = entries[-2]
    assert (update["before"], update["after"]) == ({"short_name": "旧"}, {"short_name": "新"})
    assert update["actor_employee_id"] == MANAGER
    only_accounts = (
        await clients.get(AUDIT, params={"entity": "account", "entity_id": account["id"]})
    ).json()["items"]
    assert {e["action"] for e in only_accounts} == {"create", "update", "archive"}


async def test_a_refused_change_leaves_no_audit_entry(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    await clients.patch(f"{ACCOUNTS}/{account['id']}", json={"short_name": "x"})  # 428
    entries = (await clients.get(AUDIT, params={"account_id": account["id"]})).json()["items"]
    assert [e["action"] for e in entries] == ["create"]


async def test_bad_audit_filters_are_4xx(clients: httpx.AsyncClient) -> None:
    assert (await clients.get(AUDIT, params={"entity": "no pe"})).status_code == 422
    assert (await clients.get(AUDIT, params={"since": "2026-12-01T00:00:00"})).status_code == 422
    assert (await clients.get(AUDIT, params={"cursor": "e30"})).status_code == 400


async def test_an_entry_carries_the_facts_of_its_request(clients: httpx.AsyncClient) -> None:
    created = await clients.post(
        ACCOUNTS,
        json={"legal_name": "上海审计样例有限公司", "owner_id": KAM},
        headers={"X-Request-ID": "audit-shape-0001", **acting(MANAGER)},
    )
    assert created.status_code == 201, created.text
    account_id = created.json()["id"]
    entries = (await clients.get(AUDIT, params={"account_id": account_id})).json()["items"]
    assert [e["action"] for e in entries] == ["create"]
    entry = entries[0]
    assert (entry["service"], entry["entity_id"]) == ("clients", str(account_id))
    assert entry["request_id"] == "audit-shape-0001"
    assert entry["actor_employee_id"] == MANAGER and entry["actor"] == "user:1"
    assert entry["client_address"] and entry["on_behalf_of"] is None


PERSONAL = {"phone": "138-1234-5678", "email": "li.jianguo@example.com", "birthday": "1972-05-18"}


async def test_a_contacts_personal_data_in_the_audit_follows_the_masking_rule(
    clients: httpx.AsyncClient,
) -> None:
    """The audit's before/after snapshots of a contact are masked like a contact read for
    whoever is not in the owner's line, the administrator who reads the audit included."""
    account = await create_account(clients, owner_id=KAM)
    contact = await create_contact(clients, account["id"], **PERSONAL)
    changed = await clients.patch(
        f"/v1/clients/contacts/{contact['id']}",
        json={"phone": "139-0000-1111", "email": "li.new@example.com"},
        headers={"If-Match": f'"{contact["version"]}"'},
    )
    assert changed.status_code == 200, changed.text
    answer = await clients.get(AUDIT, params={"entity": "contact", "entity_id": contact["id"]})
    assert answer.status_code == 200, answer.text
    by_action = {e["action"]: e for e in answer.json()["items"]}
    created = by_action["create"]["after"]
    assert (created["phone"], created["email"], created["birthday"]) == (
        "***-****-5678", "l***@example.com", "05-18",
    )  # fmt: skip
    update = by_action["update"]
    assert update["before"]["phone"] == "***-****-5678"
    assert (update["after"]["phone"], update["after"]["email"]) == (
        "***-****-1111", "l***@example.com",
    )  # fmt: skip
    text = answer.text
    for value in (*PERSONAL.values(), "139-0000-1111", "li.new@example.com"):
        assert value not in text
    # The rest of the entry is unchanged: the contact's name is not personal data.
    assert created["name"] == contact["name"]
    # The rule, not a blanket mask: an administrator who owns the account reads it in full.
    as_owner = await clients.get(
        AUDIT,
        params={"entity": "contact", "entity_id": contact["id"]},
        headers=acting(KAM, Role.ADMIN),
    )
    assert as_owner.status_code == 200, as_owner.text
    created = {e["action"]: e for e in as_owner.json()["items"]}["create"]["after"]
    assert (created["phone"], created["email"], created["birthday"]) == tuple(PERSONAL.values())


async def test_the_audit_search_takes_every_service_s_filters(
    clients: httpx.AsyncClient,
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    manager = bearer(Role.DEPT_MANAGER, employee_id=MANAGER, subject="user:9121")
    account = await create_account(clients, short_name="旧")  # as the suite's administrator
    url = f"{ACCOUNTS}/{account['id']}"
    changed = await clients.patch(
        url, json={"short_name": "新"}, headers={"If-Match": '"1"', **manager}
    )
    assert changed.status_code == 200, changed.text

    async def found(**params: object) -> list[tuple[str, str | None]]:
        answer = await clients.get(AUDIT, params={"account_id": account["id"], **params})
        assert answer.status_code == 200, answer.text
        return [(e["action"], e["actor_role"]) for e in answer.json()["items"]]

    assert await found() == [("update", "dept_manager"), ("create", "admin")]
    assert await found(actor="user:9121") == [("update", "dept_manager")]
    assert await found(actor_role="admin") == [("create", "admin")]
    assert await found(actor_role="finance") == []
    assert await found(action_prefix="upd", entity="account", entity_id=str(account["id"])) == [
        ("update", "dept_manager")
    ]
    assert await found(action="create") == [("create", "admin")]
    assert len(await found(since=started.isoformat())) == 2
    assert await found(until=started.isoformat()) == []
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert await found(since=later) == []
    for refused in ({"actor_role": "auditor"}, {"actor": "nobody"}, {"entity": "Account!"}):
        assert (await clients.get(AUDIT, params=refused)).status_code == 422, refused
    unknown = await clients.get(AUDIT, params={"account": account["id"]})
    assert unknown.status_code == 422
