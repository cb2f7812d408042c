"""Two identical ticket creations with one Idempotency-Key make one ticket (issue 21)."""

import uuid

import httpx

from tests.clients.conftest import ACCOUNTS, create_account

BODY = {"kind": "incident", "severity": "medium", "channel": "phone", "title": "打印机故障"}


async def test_two_identical_ticket_creations_make_one_ticket(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}/tickets"
    headers = {"Idempotency-Key": "ticket-" + uuid.uuid4().hex}
    first = await clients.post(url, json=BODY, headers=headers)
    assert first.status_code == 201, first.text
    second = await clients.post(url, json=BODY, headers=headers)
    assert second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["etag"] == first.headers["etag"]
    listed = await clients.get(url)
    assert [t["id"] for t in listed.json()["items"]] == [first.json()["id"]]
    # Without a key, a second creation is a second ticket (bodies are not deduplicated).
    third = await clients.post(url, json=BODY)
    assert third.status_code == 201 and third.json()["id"] != first.json()["id"]
    # The same key for another body is refused, and creates nothing.
    other = await clients.post(url, json={**BODY, "title": "另一件事"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["type"] == "urn:kam:problem:idempotency-key-reused"
    assert len((await clients.get(url)).json()["items"]) == 2


async def test_a_failed_creation_releases_its_key(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}/tickets"
    headers = {"Idempotency-Key": "fails-" + uuid.uuid4().hex}
    refused = await clients.post(url, json={**BODY, "severity": "apocalyptic"}, headers=headers)
    assert refused.status_code == 422
    retried = await clients.post(url, json=BODY, headers=headers)
    # The failed request stored nothing under the key: the corrected one runs.
    assert retried.status_code == 201, retried.text
    assert "idempotent-replayed" not in retried.headers
    again = await clients.post(url, json=BODY, headers=headers)
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == retried.json()["id"]


async def test_a_malformed_key_is_refused(clients: httpx.AsyncClient) -> None:
    account = await create_account(clients)
    url = f"{ACCOUNTS}/{account['id']}/tickets"
    response = await clients.post(url, json=BODY, headers={"Idempotency-Key": "has space"})
    assert response.status_code == 400
    assert response.json()["type"] == "urn:kam:problem:idempotency-key-required"
    assert (await clients.get(url)).json()["items"] == []
