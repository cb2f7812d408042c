"""Who sees and changes which accounts, with real tokens (issue 3).

In the test department (see conftest): MANAGER heads it; LEAD and KAM report to MANAGER;
SPECIALIST, NO_AUTHORITY and others report to LEAD.
"""

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTMENT,
    KAM,
    LEAD,
    SPECIALIST,
    create_account,
    feed_org,
)
from tests.conftest import bearer

KAM_TOKEN = bearer(Role.ACCOUNT_MANAGER, employee_id=KAM)
SPECIALIST_TOKEN = bearer(Role.ACCOUNT_MANAGER, employee_id=SPECIALIST)
LEAD_TOKEN = bearer(Role.TEAM_LEAD, employee_id=LEAD)


async def setup(client: httpx.AsyncClient) -> dict[str, dict]:
    await feed_org(client, DEPARTMENT)
    return {
        "kam": await create_account(client, legal_name="权限甲公司", owner_id=KAM),
        "specialist": await create_account(client, legal_name="权限乙公司", owner_id=SPECIALIST),
        "lead": await create_account(client, legal_name="权限丙公司", owner_id=LEAD),
    }


async def names(client: httpx.AsyncClient, headers: dict[str, str], **params: object) -> set[str]:
    response = await client.get(ACCOUNTS, params={"q": "权限", **params}, headers=headers)
    assert response.status_code == 200, response.text
    return {a["legal_name"] for a in response.json()["items"]}


async def test_account_manager_sees_only_own_accounts(clients_client: httpx.AsyncClient) -> None:
    accounts = await setup(clients_client)
    assert await names(clients_client, KAM_TOKEN) == {"权限甲公司"}
    assert await names(clients_client, KAM_TOKEN, owner_id=SPECIALIST) == set()
    other = f"{ACCOUNTS}/{accounts['specialist']['id']}"
    assert (await clients_client.get(other, headers=KAM_TOKEN)).status_code == 404
    patch = await clients_client.patch(
        other, json={"short_name": "抢"}, headers={**KAM_TOKEN, "If-Match": '"1"'}
    )
    assert patch.status_code == 404
    archive = await clients_client.post(
        f"{other}/archive", headers={**KAM_TOKEN, "If-Match": '"1"'}
    )
    assert archive.status_code == 404
    as_parent = await clients_client.post(
        ACCOUNTS,
        json={
            "legal_name": "挂靠子公司",
            "owner_id": KAM,
            "parent_id": accounts["specialist"]["id"],
        },
        headers=KAM_TOKEN,
    )
    assert as_parent.status_code == 422
    untouched = await clients_client.get(other)
    assert untouched.json()["short_name"] != "抢" and untouched.json()["status"] == "active"


async def test_team_lead_sees_exactly_the_subtree(clients_client: httpx.AsyncClient) -> None:
    await setup(clients_client)
    assert await names(clients_client, LEAD_TOKEN) == {"权限乙公司", "权限丙公司"}


async def test_department_roles(clients_client: httpx.AsyncClient) -> None:
    accounts = await setup(clients_client)
    everyone = {"权限甲公司", "权限乙公司", "权限丙公司"}
    for role in (Role.DEPT_MANAGER, Role.FINANCE, Role.EXECUTIVE):
        assert await names(clients_client, bearer(role)) == everyone
    read_only = await clients_client.patch(
        f"{ACCOUNTS}/{accounts['kam']['id']}",
        json={"short_name": "改"},
        headers={**bearer(Role.EXECUTIVE), "If-Match": '"1"'},
    )
    assert read_only.status_code == 403
    no_role = await clients_client.get(ACCOUNTS, headers=bearer(employee_id=KAM))
    assert no_role.status_code == 403
    assert (await clients_client.get(ACCOUNTS, headers={"Authorization": ""})).status_code == 401


async def test_account_manager_cannot_reassign_or_read_the_audit(
    clients_client: httpx.AsyncClient,
) -> None:
    accounts = await setup(clients_client)
    transfer = await clients_client.post(
        "/v1/clients/ownership/transfers",
        json={"account_ids": [accounts["kam"]["id"]], "to_employee_id": SPECIALIST, "reason": "x"},
        headers=KAM_TOKEN,
    )
    assert transfer.status_code == 403
    assert (await clients_client.get("/v1/clients/audit", headers=KAM_TOKEN)).status_code == 403
    denied = await clients_client.get(
        "/v1/clients/audit", params={"entity": "access"}, headers=bearer(Role.ADMIN)
    )
    entries = denied.json()["items"]
    assert any(
        e["after"]["path"] == "/v1/clients/audit" and e["actor_employee_id"] == KAM for e in entries
    )


async def test_contact_details_are_masked_outside_the_owners_manager_chain(
    clients_client: httpx.AsyncClient,
) -> None:
    accounts = await setup(clients_client)
    url = f"{ACCOUNTS}/{accounts['kam']['id']}/contacts"
    created = await clients_client.post(
        url,
        json={"name": "钱总", "phone": "13812345678", "email": "qian@example.cn",
              "roles": ["decision_maker"]},
        headers=KAM_TOKEN,
    )  # fmt: skip
    assert created.status_code == 201, created.text
    own = (await clients_client.get(url, headers=KAM_TOKEN)).json()["items"][0]
    assert (own["phone"], own["email"]) == ("13812345678", "qian@example.cn")
    # The owner's manager chain sees them in full (DESIGN "Masking"), finance masked.
    chief = (await clients_client.get(url, headers=bearer(Role.DEPT_MANAGER))).json()["items"][0]
    assert (chief["phone"], chief["email"]) == ("13812345678", "qian@example.cn")
    seen = (await clients_client.get(url, headers=bearer(Role.FINANCE))).json()["items"][0]
    assert seen["phone"] != "13812345678" and seen["phone"].endswith("5678")
    assert seen["email"] != "qian@example.cn" and seen["email"].endswith("@example.cn")


async def test_internal_endpoints_are_for_services(clients_client: httpx.AsyncClient) -> None:
    response = await clients_client.post(
        "/v1/clients/internal/org/employees", json={"events": []}, headers=bearer(Role.ADMIN)
    )
    assert response.status_code == 403
    handover = await clients_client.post("/v1/clients/handovers", json={}, headers=KAM_TOKEN)
    assert handover.status_code == 403
