"""Stand-ins in the kpi org copy: stored (newest version wins) so the copy is complete, but
they grant no kpi access — appraisals are personal (docs/DOMAIN.md, "Stand-ins")."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from tests.conftest import bearer
from tests.kpi.conftest import AS_STAFF

STAND_INS = "/v1/kpi/internal/org/stand-ins"


def event(version: int, *, cancelled: bool = False) -> dict[str, Any]:
    today = datetime.now(ZoneInfo("Asia/Shanghai")).date()
    return {
        "event_id": str(uuid.uuid4()),
        "stand_in_id": 77,
        "absent_employee_id": 501,
        "stand_in_employee_id": 502,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(),
        "cancelled": cancelled,
        "version": version,
    }


async def test_stand_in_events_are_kept_newest_version_first(kpi_client: httpx.AsyncClient) -> None:
    async def feed(*events: dict[str, Any]) -> Any:
        response = await kpi_client.post(STAND_INS, json={"events": list(events)}, headers=AS_STAFF)
        assert response.status_code == 200, response.text
        return response.json()

    assert await feed(event(2)) == {"applied": 1, "ignored": 0}
    assert await feed(event(2)) == {"applied": 0, "ignored": 1}
    assert await feed(event(1, cancelled=True)) == {"applied": 0, "ignored": 1}
    assert await feed(event(3, cancelled=True), event(2)) == {"applied": 1, "ignored": 1}
    assert await feed(event(2)) == {"applied": 0, "ignored": 1}  # version 3 is kept


async def test_only_services_may_send_stand_in_events(kpi_client: httpx.AsyncClient) -> None:
    person = bearer(Role.ADMIN, employee_id=502)
    response = await kpi_client.post(STAND_INS, json={"events": [event(1)]}, headers=person)
    assert response.status_code == 403
