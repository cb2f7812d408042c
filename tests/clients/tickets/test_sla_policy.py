"""The SLA policy table: seeded with the defaults, replaced whole, new tickets only."""

from typing import Any

import httpx

from services.clients.accounts.rules import Grade
from services.clients.tickets.rules import Severity, default_sla_policy
from shared.auth.principal import Role
from tests.clients.conftest import KAM, MANAGER, acting, create_account
from tests.clients.tickets.factories import TICKETS, open_ticket

POLICY = "/v1/clients/sla-policy"


def default_rows() -> list[dict[str, Any]]:
    policy = default_sla_policy()
    return [
        {
            "severity": severity.value,
            "grade": grade.value,
            "response_minutes": int(target.response.total_seconds() // 60),
            "resolution_minutes": int(target.resolution.total_seconds() // 60),
            "around_the_clock": target.around_the_clock,
        }
        for severity in Severity
        for grade in Grade
        for target in [policy.target_for(severity, grade)]
    ]


async def test_the_migration_seeds_the_default_policy(clients: httpx.AsyncClient) -> None:
    response = await clients.get(POLICY, headers=acting(KAM, Role.ACCOUNT_MANAGER))
    assert response.status_code == 200
    assert response.json()["targets"] == default_rows()


async def test_a_new_policy_applies_to_new_tickets_only(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    before = await open_ticket(clients, account["id"], severity="high")
    rows = default_rows()
    for row in rows:
        if row["severity"] == "high" and row["grade"] == "C":
            row.update(response_minutes=60, resolution_minutes=600, around_the_clock=True)
    response = await clients.put(POLICY, json={"targets": rows}, headers=acting(MANAGER))
    assert response.status_code == 200, response.text
    assert (await clients.get(POLICY)).json()["targets"] == rows
    after = await open_ticket(clients, account["id"], severity="high")
    assert (after["response_target_minutes"], after["around_the_clock"]) == (60, True)
    unchanged = (await clients.get(f"{TICKETS}/{before['id']}")).json()
    assert unchanged["response_target_minutes"] == 480
    assert unchanged["respond_by"] == before["respond_by"]
    audit = await clients.get("/v1/clients/audit", params={"entity": "sla_policy"})
    entry = audit.json()["items"][0]
    assert entry["after"] == {"high/C": [60, 600, True]}
    assert entry["before"] == {"high/C": [480, 1440, False]}


async def test_bad_policies_are_refused_whole(clients: httpx.AsyncClient) -> None:
    rows = default_rows()
    incomplete = await clients.put(POLICY, json={"targets": rows[:-1]})
    assert incomplete.status_code == 422
    assert "no target for" in incomplete.json()["errors"][0]["msg"]
    inverted = [dict(r) for r in rows]
    inverted[3].update(response_minutes=900, resolution_minutes=60)
    refused = await clients.put(POLICY, json={"targets": inverted})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["loc"] == ["body", "targets", 3]
    duplicated = await clients.put(POLICY, json={"targets": [*rows, rows[0]]})
    assert duplicated.status_code == 422
    assert (await clients.get(POLICY)).json()["targets"] == rows
    forbidden = await clients.put(
        POLICY, json={"targets": rows}, headers=acting(KAM, Role.ACCOUNT_MANAGER)
    )
    assert forbidden.status_code == 403
