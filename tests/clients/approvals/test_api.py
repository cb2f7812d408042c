"""Above-authority requests (issue 18): filed past the authority, listed for the approver,
approved (re-validated, applied, audited) or refused; seen only by those concerned.

LEAD (901, ±5) reports to MANAGER (900, ±20, the top); SPECIALIST (903) reports to LEAD;
KAM (902) reports to MANAGER, beside LEAD. Accounts start at a score of 60.
"""

from __future__ import annotations

from typing import Any

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    MANAGER,
    ON_LEAVE,
    SPECIALIST,
    acting,
    create_account,
    employee_event,
    feed_org,
)
from tests.clients.credit.test_api import adjust

APPROVALS = "/v1/clients/approvals"
OTHER_MANAGER = 950  # a second department manager, not in this department's chart


async def request_past_authority(client: httpx.AsyncClient) -> tuple[int, dict[str, Any]]:
    """+3 then +3 by LEAD with ±5: the second is a request. (account id, request)"""
    account = await create_account(client)
    assert (await adjust(client, account["id"], LEAD, 3)).status_code == 201
    response = await adjust(client, account["id"], LEAD, 3, "年度框架合同续签")
    assert response.status_code == 202, response.text
    return account["id"], response.json()


async def score_of(client: httpx.AsyncClient, account_id: int) -> int:
    return int((await client.get(f"{ACCOUNTS}/{account_id}")).json()["credit_score"])


async def test_the_approver_lists_approves_and_the_change_applies(
    clients: httpx.AsyncClient,
) -> None:
    account_id, request = await request_past_authority(clients)
    boss = acting(MANAGER)
    waiting = await clients.get(
        APPROVALS, params={"state": "pending", "for_me": "true"}, headers=boss
    )
    assert waiting.status_code == 200, waiting.text
    assert [r["id"] for r in waiting.json()["items"]] == [request["id"]]
    # Nothing waits for the requester himself.
    mine = await clients.get(APPROVALS, params={"for_me": "true"}, headers=acting(LEAD))
    assert mine.json()["items"] == []

    approved = await clients.post(
        f"{APPROVALS}/{request['id']}/approve", json={"comment": "同意"}, headers=boss
    )
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["state"], body["decided_by"], body["decision_comment"]) == (
        "approved", MANAGER, "同意",
    )  # fmt: skip
    assert await score_of(clients, account_id) == 66
    history = (await clients.get(f"{ACCOUNTS}/{account_id}/credit-adjustments")).json()
    newest = history["items"][0]
    assert (newest["delta"], newest["score_before"], newest["score_after"]) == (3, 63, 66)
    assert newest["actor_employee_id"] == LEAD
    # Approved changes do not use the requester's authority: +2 still fits his month.
    assert (await adjust(clients, account_id, LEAD, 2)).status_code == 201
    # A decided request is not decided again.
    again = await clients.post(f"{APPROVALS}/{request['id']}/approve", headers=boss)
    assert again.status_code == 409
    assert await score_of(clients, account_id) == 68

    audit = await clients.get("/v1/clients/audit", params={"account_id": account_id})
    entries = audit.json()["items"]
    approval = [e for e in entries if e["entity"] == "approval_request"]
    assert {e["action"] for e in approval} == {"request", "approve"}
    decided = next(e for e in approval if e["action"] == "approve")
    assert decided["actor_employee_id"] == MANAGER
    assert decided["after"]["requested_by"] == LEAD
    assert decided["after"]["applied"]["credit_score_before"] == 63
    assert decided["after"]["applied"]["credit_score_after"] == 66


async def test_refusal_applies_nothing(clients: httpx.AsyncClient) -> None:
    account_id, request = await request_past_authority(clients)
    no_reason = await clients.post(
        f"{APPROVALS}/{request['id']}/refuse", json={}, headers=acting(MANAGER)
    )
    assert no_reason.status_code == 422
    refused = await clients.post(
        f"{APPROVALS}/{request['id']}/refuse",
        json={"comment": "回款尚未到账"},
        headers=acting(MANAGER),
    )
    assert refused.status_code == 200, refused.text
    assert (refused.json()["state"], refused.json()["decision_comment"]) == (
        "refused", "回款尚未到账",
    )  # fmt: skip
    assert await score_of(clients, account_id) == 63
    late = await clients.post(f"{APPROVALS}/{request['id']}/approve", headers=acting(MANAGER))
    assert late.status_code == 409
    assert await score_of(clients, account_id) == 63


async def test_the_requester_never_approves_his_own(clients: httpx.AsyncClient) -> None:
    _, request = await request_past_authority(clients)
    own = await clients.post(f"{APPROVALS}/{request['id']}/approve", headers=acting(LEAD))
    assert own.status_code == 403
    assert "requester's superior" in own.json()["detail"]
    got = await clients.get(f"{APPROVALS}/{request['id']}", headers=acting(LEAD))
    assert got.json()["state"] == "pending"


async def test_at_the_top_four_eyes_decide(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    assert (await adjust(clients, account["id"], MANAGER, 20)).status_code == 201
    response = await adjust(clients, account["id"], MANAGER, -1)
    assert response.status_code == 202, response.text
    request = response.json()
    assert (request["approver_employee_id"], request["four_eyes"]) == (None, True)
    own = await clients.post(f"{APPROVALS}/{request['id']}/approve", headers=acting(MANAGER))
    assert own.status_code == 403
    second = acting(OTHER_MANAGER, Role.DEPT_MANAGER)
    waiting = await clients.get(APPROVALS, params={"for_me": "true"}, headers=second)
    assert [r["id"] for r in waiting.json()["items"]] == [request["id"]]
    approved = await clients.post(f"{APPROVALS}/{request['id']}/approve", headers=second)
    assert approved.status_code == 200, approved.text
    assert approved.json()["decided_by"] == OTHER_MANAGER
    assert await score_of(clients, account["id"]) == 79


async def test_approval_after_the_score_moved_is_409_and_failed(
    clients: httpx.AsyncClient,
) -> None:
    account_id, request = await request_past_authority(clients)
    assert (await adjust(clients, account_id, MANAGER, -4)).status_code == 201
    response = await clients.post(f"{APPROVALS}/{request['id']}/approve", headers=acting(MANAGER))
    assert response.status_code == 409, response.text
    problem = response.json()
    assert problem["state"] == "failed"
    assert "changed from 63 to 59" in problem["detail"]
    got = (await clients.get(f"{APPROVALS}/{request['id']}", headers=acting(MANAGER))).json()
    assert (got["state"], got["failure_reason"]) == ("failed", problem["detail"])
    assert await score_of(clients, account_id) == 59


async def test_out_of_scope_callers_see_404(clients: httpx.AsyncClient) -> None:
    _, request = await request_past_authority(clients)
    url = f"{APPROVALS}/{request['id']}"
    missing = await clients.get(
        f"{APPROVALS}/2147483647", headers=acting(KAM, Role.ACCOUNT_MANAGER)
    )
    for outsider in (
        acting(KAM, Role.ACCOUNT_MANAGER),  # beside the requester
        acting(SPECIALIST, Role.ACCOUNT_MANAGER),  # below the requester
    ):
        got = await clients.get(url, headers=outsider)
        assert got.status_code == 404, got.text
        assert got.json()["detail"] == f"approval request {request['id']} does not exist"
        assert got.json()["type"] == missing.json()["type"]
        decided = await clients.post(f"{url}/approve", headers=outsider)
        assert decided.status_code == 404
        listed = await clients.get(APPROVALS, headers=outsider)
        assert listed.json()["items"] == []
    # The requester, his approver (his manager) and an administrator see it.
    for insider in (acting(LEAD, Role.TEAM_LEAD), acting(MANAGER), {}):
        assert (await clients.get(url, headers=insider)).status_code == 200
    # A role outside the policy is refused outright.
    finance = await clients.get(url, headers=acting(KAM, Role.FINANCE))
    assert finance.status_code == 403


async def test_a_superior_on_leave_is_skipped(clients: httpx.AsyncClient) -> None:
    # 907 (±1) reports to ON_LEAVE (905), who reports to LEAD: LEAD decides.
    await feed_org(
        clients,
        [
            employee_event(
                907, manager_id=ON_LEAVE, authority_limits={"adjust_credit_score": {"max_delta": 1}}
            )
        ],
    )
    account = await create_account(clients)
    response = await adjust(clients, account["id"], 907, 2)
    assert response.status_code == 202, response.text
    assert (response.json()["approver_employee_id"], response.json()["four_eyes"]) == (
        LEAD, False,
    )  # fmt: skip
