"""Satisfaction surveys: one per account and period, dated inside it, by a contact of the
account; If-Match updates; scope, filters and export."""

import csv
import io
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from shared.auth.principal import Role
from shared.periods import Month, Quarter
from tests.clients.conftest import (
    ACCOUNTS,
    KAM,
    LEAD,
    SPECIALIST,
    acting,
    create_account,
    create_contact,
)
from tests.conftest import post_current

SURVEYS = "/v1/clients/surveys"
KAM_TOKEN = acting(KAM, Role.ACCOUNT_MANAGER)


def today() -> date:
    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def this_month() -> Month:
    return Month.of(today())


def survey_body(**fields: Any) -> dict[str, Any]:
    month = this_month()
    return {
        "period": str(month),
        "score": "4.50",
        "surveyed_on": month.start_date.isoformat(),
        "channel": "visit",
        **fields,
    }


async def create_survey(
    client: httpx.AsyncClient, account_id: int, **fields: Any
) -> dict[str, Any]:
    response = await client.post(f"{ACCOUNTS}/{account_id}/surveys", json=survey_body(**fields))
    assert response.status_code == 201, response.text
    return response.json()


async def test_record_read_and_change_a_survey(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients, owner_id=KAM)
    contact = await create_contact(clients, account["id"])
    survey = await create_survey(
        clients, account["id"], respondent_contact_id=contact["id"], comments="响应及时"
    )
    assert (survey["score"], survey["owner_id"], survey["version"]) == ("4.50", KAM, 1)
    assert (
        survey["period"] == str(this_month()) and survey["respondent_contact_id"] == contact["id"]
    )
    url = f"{SURVEYS}/{survey['id']}"
    read = await clients.get(url)
    assert read.status_code == 200 and read.headers["ETag"] == '"1"'
    assert (await clients.patch(url, json={"score": "3"})).status_code == 428
    assert (
        await clients.patch(url, json={"score": "3"}, headers={"If-Match": '"9"'})
    ).status_code == 412
    for bad in (
        {"score": "5.01"},
        {"score": None},
        {"period": "2026-Q1"},
        {"surveyed_on": (this_month().start_date - timedelta(days=1)).isoformat()},
        {"respondent_contact_id": 999999},
    ):
        response = await clients.patch(url, json=bad, headers={"If-Match": '"1"'})
        assert response.status_code == 422, (bad, response.text)
    changed = await clients.patch(
        url, json={"score": "3", "channel": "phone"}, headers={"If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["score"], changed.json()["channel"], changed.json()["version"]) == (
        "3.00",
        "phone",
        2,
    )
    audit = await clients.get(
        "/v1/clients/audit", params={"entity": "survey", "entity_id": survey["id"]}
    )
    assert sorted(e["action"] for e in audit.json()["items"]) == ["create", "update"]


async def test_bad_survey_input_writes_nothing(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    stranger = await create_contact(clients, (await create_account(clients))["id"])
    url = f"{ACCOUNTS}/{account['id']}/surveys"
    month = this_month()
    for fields in (
        {"score": "0.99"},
        {"score": "5.5"},
        {"score": "4.555"},
        {"score": "good"},
        {"score": 4.5},
        {"period": "2026"},
        {"period": "2026-13"},
        {"period": "2026-Q5"},
        {"channel": "fax"},
        {"surveyed_on": (month.start_date - timedelta(days=1)).isoformat()},
        {"surveyed_on": (today() + timedelta(days=1)).isoformat(), "period": str(month.next())},
        {"respondent_contact_id": stranger["id"]},
        {"comments": "x" * 2001},
    ):
        response = await clients.post(url, json=survey_body(**fields))
        assert response.status_code == 422, (fields, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert (await clients.get(url)).json()["items"] == []
    await create_survey(clients, account["id"])
    again = await clients.post(url, json=survey_body(score="2"))
    assert again.status_code == 409 and again.json()["reason"] == "duplicate_period"
    quarter = Quarter.of(today())
    assert (
        await clients.post(url, json=survey_body(period=str(quarter), surveyed_on=None))
    ).status_code == 201  # a quarter is another period; surveyed_on defaults to today
    archived = await create_account(clients)
    assert (
        await post_current(clients, f"{ACCOUNTS}/{archived['id']}", "/archive")
    ).status_code == 200
    refused = await clients.post(f"{ACCOUNTS}/{archived['id']}/surveys", json=survey_body())
    assert refused.status_code == 409
    assert (await clients.post(f"{ACCOUNTS}/999999/surveys", json=survey_body())).status_code == 404


async def test_scope_filters_and_export(clients: httpx.AsyncClient) -> None:
    mine = await create_account(clients, owner_id=KAM)
    theirs = await create_account(clients, owner_id=SPECIALIST)
    previous = this_month().previous()
    kam_survey = await create_survey(clients, mine["id"])
    old_survey = await create_survey(
        clients, mine["id"], period=str(previous), surveyed_on=previous.end_date.isoformat()
    )
    their_survey = await create_survey(clients, theirs["id"], score="2.25")
    ours = {kam_survey["id"], old_survey["id"], their_survey["id"]}

    async def ids(headers: dict[str, str] | None = None, **params: Any) -> set[int]:
        response = await clients.get(SURVEYS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return {s["id"] for s in response.json()["items"]} & ours

    assert await ids() == ours
    assert await ids(KAM_TOKEN) == {kam_survey["id"], old_survey["id"]}
    assert await ids(team_of=LEAD) == {their_survey["id"]}
    assert await ids(owner_id=[SPECIALIST]) == {their_survey["id"]}
    assert await ids(period=str(previous)) == {old_survey["id"]}
    assert await ids(account_id=mine["id"], **{"from": this_month().start_date.isoformat()}) == {
        kam_survey["id"]
    }
    assert await ids(to=previous.end_date.isoformat()) == {old_survey["id"]}
    assert (await clients.get(SURVEYS, params={"period": "2026"})).status_code == 422
    hidden = f"{SURVEYS}/{their_survey['id']}"
    assert (await clients.get(hidden, headers=KAM_TOKEN)).status_code == 404
    assert (
        await clients.patch(hidden, json={"score": "5"}, headers={**KAM_TOKEN, "If-Match": '"1"'})
    ).status_code == 404
    assert (
        await clients.get(f"{ACCOUNTS}/{theirs['id']}/surveys", headers=KAM_TOKEN)
    ).status_code == 404

    export = await clients.get(
        f"{SURVEYS}/export", params={"lang": "en", "owner_id": [KAM]}, headers=KAM_TOKEN
    )
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"))))
    exported = {int(r["id"]): r["score"] for r in rows}
    assert exported[kam_survey["id"]] == "4.50" and their_survey["id"] not in exported
