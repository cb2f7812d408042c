"""Attachments through the real gateway process: an upload past the ordinary body cap
(KAM_MAX_BODY_BYTES, 1 MiB) reaches the clients service because its contract marks the
route as an upload, and comes back byte for byte; a JSON body that large to any other
route is still refused with 413."""

from __future__ import annotations

import base64
import hashlib
import os
import uuid
from collections.abc import Iterator

import httpx
import pytest

from deploy.processes import Stack
from tests.polling import eventually

pytestmark = pytest.mark.e2e

MIB = 1024 * 1024


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=60, headers=admin_headers) as client:
        yield client


def new_account(gateway: httpx.Client) -> int:
    run = uuid.uuid4().hex[:6].upper()
    employee = gateway.post(
        "/v1/staff/employees",
        json={"employee_no": f"U{run}", "name": "上传测试员工", "hire_date": "2024-03-01"},
    )
    assert employee.status_code == 201, employee.text
    body = {"legal_name": f"上传测试客户{run}", "owner_id": employee.json()["id"]}
    # staff's event about the new owner reaches clients asynchronously.
    account = eventually(
        lambda: (
            r if (r := gateway.post("/v1/clients/accounts", json=body)).status_code == 201 else None
        )
    )
    assert account is not None, "the new employee never reached clients' org copy"
    return int(account.json()["id"])


def test_a_5_mib_upload_goes_through_and_comes_back_byte_for_byte(gateway: httpx.Client) -> None:
    account_id = new_account(gateway)
    payload = os.urandom(5 * MIB)
    digest = hashlib.sha256(payload).hexdigest()
    uploaded = gateway.post(
        f"/v1/clients/accounts/{account_id}/attachments",
        files={"file": ("五兆字节扫描件.pdf", payload, "application/pdf")},
        data={"sha256": digest},
    )
    assert uploaded.status_code == 201, uploaded.text
    attachment = uploaded.json()
    assert attachment["size_bytes"] == len(payload)
    assert attachment["sha256"] == digest
    assert uploaded.headers["location"] == f"/v1/clients/attachments/{attachment['id']}"

    downloaded = gateway.get(f"{uploaded.headers['location']}/content")
    assert downloaded.status_code == 200, downloaded.text
    assert downloaded.content == payload
    assert int(downloaded.headers["content-length"]) == len(payload)
    expected = base64.b64encode(bytes.fromhex(digest)).decode()
    assert downloaded.headers["repr-digest"] == f"sha-256=:{expected}:"


def test_a_2_mib_json_body_to_another_route_is_413(gateway: httpx.Client) -> None:
    body = b'{"code": "BIG", "name": "' + b"x" * (2 * MIB) + b'"}'
    for path in ["/v1/staff/departments", "/v1/clients/accounts"]:
        response = gateway.post(path, content=body, headers={"content-type": "application/json"})
        assert response.status_code == 413, path
        assert response.headers["content-type"] == "application/problem+json"
        problem = response.json()
        assert problem["type"] == "urn:kam:problem:payload-too-large"
        assert problem["detail"] == f"the body exceeds {MIB} bytes"
