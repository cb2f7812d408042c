"""The business calendar: holidays and make-up working days, managed by admins."""

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import KAM, MANAGER, acting

DAYS = "/v1/clients/calendar/days"


async def test_days_are_set_changed_listed_and_removed(clients: httpx.AsyncClient) -> None:
    created = await clients.put(
        f"{DAYS}/2031-10-01", json={"kind": "holiday", "name": "国庆节"}, headers=acting(MANAGER)
    )
    assert created.status_code == 201, created.text
    assert created.json() == {"day": "2031-10-01", "kind": "holiday", "name": "国庆节"}
    changed = await clients.put(
        f"{DAYS}/2031-10-01", json={"kind": "holiday", "name": "国庆节（第一天）"}
    )
    assert changed.status_code == 200
    await clients.put(f"{DAYS}/2031-09-28", json={"kind": "makeup_workday", "name": "调休"})
    await clients.put(f"{DAYS}/2032-01-01", json={"kind": "holiday", "name": "元旦"})
    listed = await clients.get(
        DAYS, params={"year": 2031}, headers=acting(KAM, Role.ACCOUNT_MANAGER)
    )
    assert listed.status_code == 200
    assert [(d["day"], d["kind"]) for d in listed.json()["items"]] == [
        ("2031-09-28", "makeup_workday"),
        ("2031-10-01", "holiday"),
    ]
    removed = await clients.delete(f"{DAYS}/2031-10-01")
    assert removed.status_code == 204
    assert (await clients.delete(f"{DAYS}/2031-10-01")).status_code == 404
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "holiday", "entity_id": 20311001}
    )
    assert [e["action"] for e in audit.json()["items"]] == ["delete", "update", "create"]


async def test_calendar_input_and_authority(clients: httpx.AsyncClient) -> None:
    assert (
        await clients.put(f"{DAYS}/2031-10-02", json={"kind": "party", "name": "x"})
    ).status_code == 422
    assert (
        await clients.put(f"{DAYS}/2031-13-02", json={"kind": "holiday", "name": "x"})
    ).status_code == 422
    assert (
        await clients.put(f"{DAYS}/2031-10-02", json={"kind": "holiday", "name": ""})
    ).status_code == 422
    assert (await clients.get(DAYS, params={"year": 1900})).status_code == 422
    forbidden = await clients.put(
        f"{DAYS}/2031-10-02",
        json={"kind": "holiday", "name": "国庆节"},
        headers=acting(KAM, Role.ACCOUNT_MANAGER),
    )
    assert forbidden.status_code == 403
    assert (await clients.get(DAYS, params={"year": 2031})).json()["items"] == []
