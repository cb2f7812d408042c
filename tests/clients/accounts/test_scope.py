"""The data-scope hook: an account outside the caller's scope behaves like a missing one."""

import httpx
import pytest
from fastapi import FastAPI

from services.clients.dependencies import account_scope
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
    feed_org,
)
from tests.conftest import bearer


async def test_out_of_scope_is_404_everywhere(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    mine = await create_account(client, legal_name="范围内客户", owner_id=KAM)
    theirs = await create_account(client, legal_name="范围外客户", owner_id=LEAD)
    app.dependency_overrides[account_scope] = lambda: [KAM]
    try:
        # The list and get by id check policy and scope inline (no dependencies to
        # override): the same account manager, by token.
        as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
        listed = await client.get(ACCOUNTS, params={"q": "范围"}, headers=as_kam)
        assert [a["legal_name"] for a in listed.json()["items"]] == ["范围内客户"]
        url = f"{ACCOUNTS}/{theirs['id']}"
        assert (await client.get(f"{ACCOUNTS}/{mine['id']}", headers=as_kam)).status_code == 200
        missing = await client.get(f"{ACCOUNTS}/999999", headers=as_kam)
        hidden = await client.get(url, headers=as_kam)
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json()["detail"] == f"account {theirs['id']} does not exist"
        for method, path, body in (
            ("PATCH", "", {"short_name": "x"}),
            ("POST", "/archive", None),
            ("GET", "/group-summary", None),
            ("GET", "/grade-history", None),
            ("PUT", "/grade-override", {"grade": "A", "reason": "r"}),
            ("POST", "/credit-adjustments", {"delta": 1, "reason": "r"}),
            ("GET", "/contacts", None),
            ("POST", "/contacts", {"name": "王"}),
        ):
            response = await client.request(
                method,
                url + path,
                json=body,
                headers={"If-Match": '"1"', **acting(KAM)},
            )
            assert response.status_code == 404, (method, path, response.text)
        transfer = await client.post(
            "/v1/clients/ownership/transfers",
            json={"account_ids": [theirs["id"]], "to_employee_id": KAM, "reason": "抢客户"},
        )
        assert transfer.status_code == 404
        child = await client.post(
            ACCOUNTS, json={"legal_name": "子公司", "owner_id": KAM, "parent_id": theirs["id"]}
        )
        assert child.status_code == 422
    finally:
        app.dependency_overrides.clear()
    assert (await client.get(url)).json()["owner_id"] == LEAD


@pytest.mark.parametrize(
    ("headers", "visible"),
    [
        (acting(MANAGER, Role.DEPT_MANAGER), {"lead", "specialist", "kam"}),
        (acting(LEAD, Role.TEAM_LEAD), {"lead", "specialist"}),  # the org copy's subtree
        (acting(KAM, Role.ACCOUNT_MANAGER), {"kam"}),
        (bearer(Role.FINANCE), {"lead", "specialist", "kam"}),
        (bearer(Role.ACCOUNT_MANAGER), set()),  # a login without an employee
        (bearer(subject="service:kpi"), {"lead", "specialist", "kam"}),
    ],
)
async def test_get_and_list_show_each_caller_their_scope(
    clients_client: httpx.AsyncClient, headers: dict[str, str], visible: set[str]
) -> None:
    await feed_org(clients_client, DEPARTMENT)
    owners = {"lead": LEAD, "specialist": SPECIALIST, "kam": KAM}
    ids = {
        name: (await create_account(clients_client, legal_name=f"范围{name}", owner_id=owner))["id"]
        for name, owner in owners.items()
    }
    listed = await clients_client.get(ACCOUNTS, params={"q": "范围"}, headers=headers)
    assert listed.status_code == 200, listed.text
    assert {a["legal_name"] for a in listed.json()["items"]} == {f"范围{n}" for n in visible}
    seen = set()
    for name, account_id in ids.items():
        response = await clients_client.get(f"{ACCOUNTS}/{account_id}", headers=headers)
        assert response.status_code in (200, 404), response.text
        if response.status_code == 200:
            assert response.json()["owner_id"] == owners[name]
            assert response.headers["ETag"] == '"1"'
            seen.add(name)
    assert seen == visible


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer not-a-token"}, 401),
        (bearer(Role.APPRAISAL_ADMIN), 403),
    ],
)
async def test_get_and_list_refuse_like_every_guarded_route(
    clients_client: httpx.AsyncClient, headers: dict[str, str], status: int
) -> None:
    await feed_org(clients_client, DEPARTMENT)
    account = await create_account(clients_client, legal_name="拒绝客户", owner_id=KAM)
    clients_client.headers.pop("Authorization")
    for url in (f"{ACCOUNTS}/{account['id']}", ACCOUNTS):
        response = await clients_client.get(url, headers=headers)
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/problem+json"
