"""Assessments: needs and relationship records, the overall score, filters, scope."""

from datetime import date, timedelta

import httpx

from shared.auth.principal import Role
from tests.clients.conftest import KAM, SPECIALIST, acting, create_account
from tests.conftest import post_current

CLIENTS = "/v1/clients"


def relationship(**fields: object) -> dict[str, object]:
    return {
        "kind": "relationship",
        "assessed_on": "2026-11-20",
        "dimensions": [
            {"code": "trust", "label": "信任度", "score": "4.5", "weight": "2"},
            {"code": "access", "label": "高层接触", "score": 3, "weight": "1"},
        ],
        "summary": "高层关系稳固",
        **fields,
    }


async def test_record_and_read_assessments(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{CLIENTS}/accounts/{account['id']}/assessments"
    created = await clients.post(url, json=relationship(), headers=acting(KAM))
    assert created.status_code == 201, created.text
    body = created.json()
    assert (body["overall_score"], body["assessed_by"], body["kind"]) == (
        "4.00",
        KAM,
        "relationship",
    )
    assert [d["score"] for d in body["dimensions"]] == ["4.5", "3"]

    needs = await clients.post(
        url,
        json={
            "kind": "needs",
            "assessed_on": "2026-11-25",
            "assessed_by": SPECIALIST,
            "needs": [{"text": "二期扩容，明年一季度招标", "priority": "high"}, {"text": "培训"}],
        },
    )
    assert needs.status_code == 201, needs.text
    assert needs.json()["overall_score"] is None
    assert [n["priority"] for n in needs.json()["needs"]] == ["high", "medium"]

    got = await clients.get(f"{CLIENTS}/assessments/{body['id']}")
    assert got.json()["dimensions"] == body["dimensions"]
    by_kind = (await clients.get(url, params={"kind": "needs"})).json()["items"]
    assert [a["id"] for a in by_kind] == [needs.json()["id"]]
    by_date = (await clients.get(url, params={"assessed_to": "2026-11-21"})).json()["items"]
    assert [a["id"] for a in by_date] == [body["id"]]
    audit = (
        await clients.get(
            f"{CLIENTS}/audit", params={"entity": "assessment", "account_id": account["id"]}
        )
    ).json()["items"]
    assert len(audit) == 2

    exported = await clients.get(f"{url}/export", params={"lang": "en", "kind": "relationship"})
    lines = exported.content.decode("utf-8-sig").strip().splitlines()
    assert lines[0].startswith("id,account_id,kind,assessed_on")
    assert len(lines) == 2 and ",4.00," in lines[1]


async def test_bad_assessments_write_nothing(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{CLIENTS}/accounts/{account['id']}/assessments"
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    dims = relationship()["dimensions"]
    assert isinstance(dims, list)
    for body in (
        relationship(assessed_on=tomorrow),
        relationship(dimensions=[{"code": "trust", "label": "信任度", "score": 4.5}]),
        relationship(dimensions=[{"code": "trust", "label": "信任度", "score": "5.5"}]),
        relationship(dimensions=[{"code": "trust", "label": "信任度", "score": "4.55"}]),
        relationship(dimensions=[dims[0], dims[0]]),
        relationship(dimensions=[]),
        relationship(needs=[{"text": "x"}]),
        relationship(dimensions=[{**dims[0], "weight": "0"}]),
        {"kind": "needs", "needs": []},
        relationship(kind="mood"),
    ):
        response = await clients.post(url, json=body, headers=acting(KAM))
        assert response.status_code == 422, (body, response.text)
    nobody = await clients.post(url, json=relationship())  # admin login without an employee
    assert nobody.status_code == 422
    assert (await clients.get(url)).json()["items"] == []
    backwards = await clients.get(
        url, params={"assessed_from": "2026-11-20", "assessed_to": "2026-11-01"}
    )
    assert backwards.status_code == 422
    assert (
        await post_current(clients, f"{CLIENTS}/accounts/{account['id']}", "/archive")
    ).status_code == 200
    archived = await clients.post(url, json=relationship(), headers=acting(KAM))
    assert archived.status_code == 409


async def test_account_manager_sees_only_own_assessments(clients: httpx.AsyncClient) -> None:
    theirs = await create_account(clients, owner_id=SPECIALIST)
    url = f"{CLIENTS}/accounts/{theirs['id']}/assessments"
    created = (await clients.post(url, json=relationship(), headers=acting(SPECIALIST))).json()
    as_kam = acting(KAM, Role.ACCOUNT_MANAGER)
    assert (
        await clients.get(f"{CLIENTS}/assessments/{created['id']}", headers=as_kam)
    ).status_code == 404
    assert (await clients.get(url, headers=as_kam)).status_code == 404
    assert (await clients.post(url, json=relationship(), headers=as_kam)).status_code == 404
