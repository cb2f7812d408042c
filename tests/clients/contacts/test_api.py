"""Contacts: roles, several accounts per contact, If-Match, coverage alerts."""

import httpx

from tests.clients.conftest import ACCOUNTS, create_account, create_contact
from tests.conftest import post_current

ALERTS = "/v1/clients/contacts/coverage-alerts"


async def alert_ids(client: httpx.AsyncClient) -> set[int]:
    ids: set[int] = set()
    cursor = None
    while True:
        params = {"limit": 200, **({"cursor": cursor} if cursor else {})}
        page = (await client.get(ALERTS, params=params)).json()
        ids |= {a["account_id"] for a in page["items"]}
        cursor = page["next_cursor"]
        if cursor is None:
            return ids


async def test_contact_with_roles_and_a_second_account(clients: httpx.AsyncClient) -> None:
    first = await create_account(clients)
    second = await create_account(clients)
    contact = await create_contact(
        clients,
        first["id"],
        title="副总经理",
        phone="138-1234-5678",
        email="li@example.com",
        birthday="1972-05-18",
        roles=["decision_maker", "investor", "investor"],
        start_date="2025-03-01",
    )
    assert contact["roles"] == ["decision_maker", "investor"]
    assert contact["birthday"] == "1972-05-18"
    linked = await clients.put(
        f"{ACCOUNTS}/{second['id']}/contacts/{contact['id']}", json={"roles": ["supporter"]}
    )
    assert linked.status_code == 201, linked.text
    again = await clients.put(
        f"{ACCOUNTS}/{second['id']}/contacts/{contact['id']}",
        json={"roles": ["supporter", "user"], "active": False, "end_date": "2026-01-31"},
    )
    assert again.status_code == 200
    listed = (await clients.get(f"{ACCOUNTS}/{second['id']}/contacts")).json()["items"]
    assert [(c["id"], c["roles"], c["active"]) for c in listed] == [
        (contact["id"], ["supporter", "user"], False)
    ]
    assert (
        await clients.get(f"{ACCOUNTS}/{second['id']}/contacts", params={"active": True})
    ).json()["items"] == []
    by_role = await clients.get(f"{ACCOUNTS}/{first['id']}/contacts", params={"role": "investor"})
    assert len(by_role.json()["items"]) == 1


async def test_bad_contact_input_writes_nothing(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}/contacts"
    for body in (
        {"name": "王", "roles": ["boss"]},
        {"name": "王", "email": "not-an-email"},
        {"name": "王", "phone": "call me"},
        {"name": "王", "start_date": "2026-02-01", "end_date": "2026-01-01"},
        {"name": ""},
    ):
        response = await clients.post(url, json=body)
        assert response.status_code == 422, body
    assert (await clients.get(url)).json()["items"] == []
    unknown = await clients.put(f"{url}/999999", json={"roles": []})
    assert unknown.status_code == 404


async def test_contact_update_needs_if_match(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    contact = await create_contact(clients, account["id"], title="经理")
    url = f"/v1/clients/contacts/{contact['id']}"
    assert (await clients.patch(url, json={"title": "总经理"})).status_code == 428
    stale = await clients.patch(url, json={"title": "总经理"}, headers={"If-Match": '"7"'})
    assert stale.status_code == 412
    assert (await clients.get(url)).json()["title"] == "经理"
    ok = await clients.patch(url, json={"title": "总经理"}, headers={"If-Match": '"1"'})
    assert ok.status_code == 200
    assert ok.headers["etag"] == '"2"'


async def test_coverage_alert_lists_accounts_without_decision_maker(
    clients: httpx.AsyncClient,
) -> None:
    covered = await create_account(clients)
    await create_contact(clients, covered["id"], roles=["decision_maker"])
    uncovered = await create_account(clients)
    await create_contact(clients, uncovered["id"], roles=["user", "supporter"])
    lapsed = await create_account(clients)
    await create_contact(
        clients, lapsed["id"], roles=["decision_maker"], active=True, end_date="2020-01-01"
    )
    archived = await create_account(clients)
    await post_current(clients, f"{ACCOUNTS}/{archived['id']}", "/archive")
    ids = await alert_ids(clients)
    assert uncovered["id"] in ids
    assert lapsed["id"] in ids
    assert covered["id"] not in ids
    assert archived["id"] not in ids
    page = (await clients.get(ALERTS, params={"limit": 200})).json()["items"]
    entry = next(a for a in page if a["account_id"] == uncovered["id"])
    assert entry["active_contacts"] == 1


async def test_archived_account_takes_no_new_contacts(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    await post_current(clients, f"{ACCOUNTS}/{account['id']}", "/archive")
    response = await clients.post(f"{ACCOUNTS}/{account['id']}/contacts", json={"name": "王"})
    assert response.status_code == 409
