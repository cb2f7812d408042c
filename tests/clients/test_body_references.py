"""People and records named in a body (issue 18, defect 5): an account manager may name
only himself, a team lead his reporting line, managers and admins anyone active."""

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    DEPARTED,
    KAM,
    LEAD,
    MANAGER,
    SPECIALIST,
    acting,
    create_account,
    credit_code,
)
from tests.clients.tickets.factories import open_ticket

AS_KAM = acting(KAM, Role.ACCOUNT_MANAGER)
AS_LEAD = acting(LEAD, Role.TEAM_LEAD)
AS_MANAGER = acting(MANAGER, Role.DEPT_MANAGER)


def assert_not_assignable(response: httpx.Response, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    [error] = response.json()["errors"]
    assert error["loc"] == ["body", field]
    assert error["type"] == "not_assignable"


async def test_an_account_manager_creates_accounts_only_for_himself(
    clients: httpx.AsyncClient,
) -> None:
    for colleague in (LEAD, SPECIALIST, MANAGER):
        response = await clients.post(
            ACCOUNTS, json={"legal_name": f"越权客户{colleague}", "owner_id": colleague},
            headers=AS_KAM,
        )  # fmt: skip
        assert_not_assignable(response, "owner_id")
    own = await clients.post(
        ACCOUNTS, json={"legal_name": "自己的客户", "owner_id": KAM}, headers=AS_KAM
    )
    assert own.status_code == 201, own.text
    assert (await clients.get(f"{ACCOUNTS}/{own.json()['id']}", headers=AS_KAM)).status_code == 200


async def test_a_team_lead_assigns_his_reporting_line_only(clients: httpx.AsyncClient) -> None:
    outside = await clients.post(
        ACCOUNTS, json={"legal_name": "组外客户", "owner_id": KAM}, headers=AS_LEAD
    )
    assert_not_assignable(outside, "owner_id")
    inside = await clients.post(
        ACCOUNTS, json={"legal_name": "组内客户", "owner_id": SPECIALIST}, headers=AS_LEAD
    )
    assert inside.status_code == 201, inside.text
    departed = await clients.post(
        ACCOUNTS, json={"legal_name": "离职负责人客户", "owner_id": DEPARTED}, headers=AS_LEAD
    )
    assert departed.status_code == 422
    assert departed.json()["errors"][0]["type"] == "inactive_employee"
    # The department manager assigns anyone active.
    anyone = await clients.post(
        ACCOUNTS, json={"legal_name": "经理分配客户", "owner_id": KAM}, headers=AS_MANAGER
    )
    assert anyone.status_code == 201, anyone.text

    # A transfer follows the same rule for its successor.
    account_id = inside.json()["id"]
    url = "/v1/clients/ownership/transfers"
    away = await clients.post(
        url,
        json={"account_ids": [account_id], "to_employee_id": KAM, "reason": "调整"},
        headers=AS_LEAD,
    )
    assert_not_assignable(away, "to_employee_id")
    assert (await clients.get(f"{ACCOUNTS}/{account_id}")).json()["owner_id"] == SPECIALIST
    within = await clients.post(
        url,
        json={"account_ids": [account_id], "to_employee_id": LEAD, "reason": "调整"},
        headers=AS_LEAD,
    )
    assert within.status_code == 200, within.text


async def test_ticket_handlers_visitors_and_assessors_are_people_one_may_assign(
    clients: httpx.AsyncClient,
) -> None:
    account = await create_account(clients, owner_id=KAM)
    tickets = f"{ACCOUNTS}/{account['id']}/tickets"
    body = {"kind": "request", "severity": "low", "channel": "email", "title": "开票"}
    refused = await clients.post(tickets, json={**body, "handler_id": LEAD}, headers=AS_KAM)
    assert_not_assignable(refused, "handler_id")
    mine = await clients.post(tickets, json={**body, "handler_id": KAM}, headers=AS_KAM)
    assert mine.status_code == 201, mine.text

    ticket = await open_ticket(clients, account["id"])
    patched = await clients.patch(
        f"/v1/clients/tickets/{ticket['id']}",
        json={"handler_id": SPECIALIST},
        headers={**AS_KAM, "If-Match": f'"{ticket["version"]}"'},
    )
    assert_not_assignable(patched, "handler_id")

    visit = await clients.post(
        f"{ACCOUNTS}/{account['id']}/visits",
        json={"visited_on": "2026-11-20", "visited_by": LEAD, "purpose": "拜访"},
        headers=AS_KAM,
    )
    assert_not_assignable(visit, "visited_by")
    assessment = await clients.post(
        f"{ACCOUNTS}/{account['id']}/assessments",
        json={
            "kind": "relationship",
            "assessed_on": "2026-11-20",
            "assessed_by": MANAGER,
            "dimensions": [{"code": "trust", "label": "信任度", "score": "4", "weight": "1"}],
        },
        headers=AS_KAM,
    )
    assert_not_assignable(assessment, "assessed_by")


async def test_a_credit_code_clash_with_another_managers_account_reveals_no_id(
    clients: httpx.AsyncClient,
) -> None:
    code = credit_code(5501)
    theirs = await create_account(clients, owner_id=LEAD, credit_code=code)
    clash = await clients.post(
        ACCOUNTS, json={"legal_name": "撞码客户", "owner_id": KAM, "credit_code": code},
        headers=AS_KAM,
    )  # fmt: skip
    # 撞单 (issue 23): an ownership dispute instead of a second account, naming neither
    # that account nor its owner.
    assert clash.status_code == 202, clash.text
    dispute = clash.json()
    assert (dispute["account_id"], dispute["owner_id"]) == (None, None)
    assert dispute["claimant_id"] == KAM
    # The department manager, who sees that account, is told which one.
    seen = await clients.post(
        ACCOUNTS, json={"legal_name": "撞码客户", "owner_id": KAM, "credit_code": code},
        headers=AS_MANAGER,
    )  # fmt: skip
    assert seen.status_code == 409
    assert seen.json()["account_id"] == theirs["id"]
