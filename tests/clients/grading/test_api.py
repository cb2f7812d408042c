"""Grading: override with reason and expiry, recompute, history."""

from datetime import date, timedelta

import httpx

from tests.clients.conftest import ACCOUNTS, AS_STAFF, LEAD, acting, create_account
from tests.conftest import post_current


async def test_new_account_starts_its_grade_history(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/grade-history")).json()["items"]
    assert [(h["previous_grade"], h["grade"], h["source"]) for h in history] == [
        (None, "C", "computed")
    ]


async def test_override_recompute_and_remove(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}"
    expires = (date.today() + timedelta(days=90)).isoformat()
    override = await clients.put(
        f"{url}/grade-override",
        json={"grade": "A", "reason": "集团战略客户", "expires_on": expires},
        headers=acting(LEAD),
    )
    assert override.status_code == 200, override.text
    body = override.json()
    assert (body["grade"], body["source"], body["computed_grade"]) == ("A", "override", "C")
    assert body["changed"] is True
    got = (await clients.get(url)).json()
    assert (got["grade"], got["grade_override_reason"], got["version"]) == ("A", "集团战略客户", 2)

    recompute = (await clients.post(f"{url}/grade/recompute")).json()
    assert (recompute["grade"], recompute["changed"]) == ("A", False)

    removed = await clients.delete(f"{url}/grade-override")
    assert removed.json()["grade"] == "C"
    assert (await clients.delete(f"{url}/grade-override")).status_code == 404

    history = (await clients.get(f"{url}/grade-history")).json()["items"]
    assert [(h["grade"], h["source"]) for h in history] == [
        ("C", "computed"),
        ("A", "override"),
        ("C", "computed"),
    ]
    assert history[1]["reason"] == "集团战略客户"
    assert history[1]["actor_employee_id"] == LEAD


async def test_override_needs_a_reason_and_a_future_expiry(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}/grade-override"
    no_reason = await clients.put(url, json={"grade": "A", "reason": "  "})
    assert no_reason.status_code == 422
    past = await clients.put(
        url, json={"grade": "A", "reason": "r", "expires_on": date.today().isoformat()}
    )
    assert past.status_code == 422
    assert past.json()["errors"][0]["loc"] == ["body", "expires_on"]
    bad_grade = await clients.put(url, json={"grade": "Z", "reason": "r"})
    assert bad_grade.status_code == 422
    got = (await clients.get(f"{ACCOUNTS}/{account['id']}")).json()
    assert (got["grade"], got["version"]) == ("C", 1)
    history = (await clients.get(f"{ACCOUNTS}/{account['id']}/grade-history")).json()["items"]
    assert len(history) == 1


async def test_archived_account_is_not_graded_by_hand(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    await post_current(clients, f"{ACCOUNTS}/{account['id']}", "/archive")
    response = await clients.put(
        f"{ACCOUNTS}/{account['id']}/grade-override", json={"grade": "A", "reason": "r"}
    )
    assert response.status_code == 409


async def test_bulk_recompute_evaluates_every_live_account(clients: httpx.AsyncClient) -> None:
    await create_account(clients)
    result = await clients.post("/v1/clients/internal/grading/recompute", headers=AS_STAFF)
    assert result.status_code == 200
    assert result.json()["evaluated"] >= 1
