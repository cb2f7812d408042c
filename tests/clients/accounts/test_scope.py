"""The data-scope hook: an account outside the caller's scope behaves like a missing one."""

import httpx
from fastapi import FastAPI

from services.clients.accounts.dependencies import account_scope
from tests.clients.conftest import ACCOUNTS, DEPARTMENT, KAM, LEAD, acting, create_account, feed_org


async def test_out_of_scope_is_404_everywhere(
    clients_app: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, client = clients_app
    await feed_org(client, DEPARTMENT)
    mine = await create_account(client, legal_name="范围内客户", owner_id=KAM)
    theirs = await create_account(client, legal_name="范围外客户", owner_id=LEAD)
    app.dependency_overrides[account_scope] = lambda: [KAM]
    try:
        listed = await client.get(ACCOUNTS, params={"q": "范围"})
        assert [a["legal_name"] for a in listed.json()["items"]] == ["范围内客户"]
        url = f"{ACCOUNTS}/{theirs['id']}"
        assert (await client.get(f"{ACCOUNTS}/{mine['id']}")).status_code == 200
        missing = await client.get(f"{ACCOUNTS}/999999")
        hidden = await client.get(url)
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
