"""kpi's audit log takes every service's audit filters (shared.audit_log.audit_search),
the caller's role among them: a refused request is an entry of the refused caller."""

from datetime import UTC, datetime, timedelta

import httpx

from shared.auth.principal import Role
from tests.conftest import bearer

AUDIT = "/v1/kpi/audit"


async def test_the_kpi_audit_log_is_searched_by_actor_role_time_and_entity(
    kpi_client: httpx.AsyncClient,
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    finance = bearer(Role.FINANCE, employee_id=7301, subject="user:7301")
    refused = await kpi_client.get(AUDIT, headers=finance)
    assert refused.status_code == 403

    async def found(**params: str) -> list[tuple[str, str | None, str | None]]:
        answer = await kpi_client.get(AUDIT, params={"limit": "200", **params})
        assert answer.status_code == 200, answer.text
        return [(e["action"], e["actor"], e["actor_role"]) for e in answer.json()["items"]]

    denial = ("access_denied", "user:7301", "finance")
    assert await found(actor="user:7301") == [denial]
    assert denial in await found(actor_role="finance", since=started.isoformat())
    assert await found(actor="user:7301", actor_role="admin") == []
    by_entity = await found(entity="access", entity_id=f"GET {AUDIT}", action_prefix="access_")
    assert denial in by_entity
    assert await found(actor="user:7301", until=started.isoformat()) == []
    assert await found(actor="user:7301", entity="cycle") == []
    for bad in ({"actor_role": "auditor"}, {"service": "kpi"}, {"until": "2026-12-01"}):
        assert (await kpi_client.get(AUDIT, params=bad)).status_code == 422, bad
