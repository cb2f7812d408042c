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
    assert created.json() == {
        "day": "2031-10-01",
        "kind": "holiday",
        "name": "国庆节",
        "source": "admin",
    }
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


async def test_statutory_days_are_loaded_and_an_admins_day_wins(
    clients: httpx.AsyncClient,
) -> None:
    listed = (await clients.get(DAYS, params={"year": 2026})).json()["items"]
    by_day = {d["day"]: (d["kind"], d["name"], d["source"]) for d in listed}
    # The State Council's 2026 notice: 春节 15–23 Feb off, 14 and 28 Feb worked (调休);
    # 国庆节 1–7 Oct off, 20 Sep and 10 Oct worked.
    assert by_day["2026-02-17"] == ("holiday", "春节", "statutory")
    assert by_day["2026-02-14"] == ("makeup_workday", "春节调休上班", "statutory")
    assert by_day["2026-10-01"] == ("holiday", "国庆节", "statutory")
    assert by_day["2026-10-10"][0] == "makeup_workday"
    assert sum(kind == "holiday" for kind, _, _ in by_day.values()) == 33
    assert sum(kind == "makeup_workday" for kind, _, _ in by_day.values()) == 6
    # An admin works 7 Oct: his day wins; deleting it brings the statutory one back.
    put = await clients.put(f"{DAYS}/2026-10-07", json={"kind": "makeup_workday", "name": "值班"})
    assert put.status_code == 201, put.text
    assert put.json()["source"] == "admin"
    again = {d["day"]: d for d in (await clients.get(DAYS, params={"year": 2026})).json()["items"]}
    assert (again["2026-10-07"]["kind"], again["2026-10-07"]["source"]) == (
        "makeup_workday",
        "admin",
    )
    assert (await clients.delete(f"{DAYS}/2026-10-07")).status_code == 204
    back = {d["day"]: d for d in (await clients.get(DAYS, params={"year": 2026})).json()["items"]}
    assert (back["2026-10-07"]["kind"], back["2026-10-07"]["source"]) == ("holiday", "statutory")
    # A statutory day itself cannot be deleted (mark it makeup_workday to work it).
    assert (await clients.delete(f"{DAYS}/2026-10-06")).status_code == 404
    # 2027 is not in the source yet: empty until an admin (or a shipped file) adds it.
    assert (await clients.get(DAYS, params={"year": 2027})).json()["items"] == []
