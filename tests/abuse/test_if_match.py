"""``If-Match: *`` and malformed If-Match on every route that reads it (issue 18, defect 11).

``*`` names no version, so it skipped the optimistic lock: it is 428 Precondition Required
wherever If-Match is read. A header that is no quoted ETag (the body's version ``3``) is a
400 saying what is expected, not a 412 "the record changed". Neither ever applies a change.
"""

import uuid
from typing import Any

import httpx

from tests.abuse.conftest import Walked
from tests.clients.conftest import DEPARTMENT, create_account, create_contact, feed_org

STAR = ("*", '"1", *')
MALFORMED = ("1", "3", '"1', "v1", "W/1", "2026-11-20")


async def test_no_if_match_route_applies_a_star_or_a_malformed_header(walked: Walked) -> None:
    routes = [
        o
        for o in walked.operations
        if "if-match" in {p["name"].lower() for p in o.parameter("header")}
    ]
    wrong: list[str] = []
    for operation in routes:
        body: dict[str, Any] | None = {} if operation.json_body() else None
        for header in (*STAR, *MALFORMED):
            response = await walked.send(operation, json=body, headers={"If-Match": header})
            if response.is_success or response.status_code in (412,) or response.status_code >= 500:
                wrong.append(f"{operation} If-Match {header}: {response.status_code}")
    assert len(routes) >= 3
    assert wrong == [], "\n".join(wrong)


async def refuses_star_and_malformed(
    client: httpx.AsyncClient, url: str, change: dict[str, Any], read_back: str
) -> None:
    before = (await client.get(url)).json()[read_back]
    etag = (await client.get(url)).headers["ETag"]
    for header in STAR:
        response = await client.patch(url, json=change, headers={"If-Match": header})
        assert response.status_code == 428, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "*" in response.json()["detail"]
    for header in MALFORMED:
        response = await client.patch(url, json=change, headers={"If-Match": header})
        assert response.status_code == 400, (header, response.text)
        assert "ETag" in response.json()["detail"] and '"3"' in response.json()["detail"]
    assert (await client.get(url)).json()[read_back] == before
    applied = await client.patch(url, json=change, headers={"If-Match": etag})
    assert applied.status_code == 200, applied.text
    assert applied.json()[read_back] == change[read_back]


async def test_staff_department_patch(staff_client: httpx.AsyncClient) -> None:
    code = f"AB-{uuid.uuid4().hex[:6].upper()}"
    created = await staff_client.post("/v1/staff/departments", json={"code": code, "name": "部门"})
    assert created.status_code == 201, created.text
    url = f"/v1/staff/departments/{created.json()['id']}"
    await refuses_star_and_malformed(staff_client, url, {"name": "新部门"}, "name")


async def test_kpi_indicator_patch(kpi_client: httpx.AsyncClient) -> None:
    body = {"code": f"ab_{uuid.uuid4().hex[:6]}", "name": "费用", "unit": "%", "kind": "manual"}
    created = await kpi_client.post("/v1/kpi/indicators", json=body)
    assert created.status_code == 201, created.text
    url = f"/v1/kpi/indicators/{created.json()['id']}"
    await refuses_star_and_malformed(kpi_client, url, {"name": "费用控制率"}, "name")


async def test_clients_contact_patch(clients_client: httpx.AsyncClient) -> None:
    await feed_org(clients_client, DEPARTMENT)
    account = await create_account(clients_client)
    contact = await create_contact(clients_client, account["id"])
    url = f"/v1/clients/contacts/{contact['id']}"
    await refuses_star_and_malformed(clients_client, url, {"name": "王建国"}, "name")
