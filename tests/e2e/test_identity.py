"""Identity through the real processes: sign-in, keys, and services that check for themselves."""

import httpx
import pytest

from deploy.processes import Stack
from tests.conftest import E2E_ADMIN_PASSWORD

pytestmark = pytest.mark.e2e


def test_sign_in_through_the_gateway(stack: Stack, admin_headers: dict[str, str]) -> None:
    gateway = stack.url("gateway")
    wrong = httpx.post(
        f"{gateway}/v1/auth/token", data={"username": "e2e.admin", "password": "nope-nope-nope"}
    )
    assert wrong.status_code == 401
    assert wrong.headers["content-type"] == "application/problem+json"
    right = httpx.post(
        f"{gateway}/v1/auth/token",
        data={"username": "e2e.admin", "password": E2E_ADMIN_PASSWORD},
    )
    assert right.status_code == 200
    me = httpx.get(
        f"{gateway}/v1/auth/me",
        headers={"Authorization": f"Bearer {right.json()['access_token']}"},
    )
    assert me.json()["login"] == "e2e.admin"
    assert "admin" in me.json()["roles"]


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_a_service_called_directly_checks_the_credential(
    stack: Stack, admin_headers: dict[str, str], service: str
) -> None:
    path = {
        "clients": "/v1/clients/accounts",
        "staff": "/v1/staff/departments",
        "kpi": "/v1/kpi/indicators",
    }[service]
    bypass = httpx.get(stack.url(service) + path)
    assert bypass.status_code == 401
    forged = httpx.get(
        stack.url(service) + path, headers={"Authorization": "Bearer eyJhbGciOiJub25lIn0.e30."}
    )
    assert forged.status_code == 401
    assert httpx.get(stack.url(service) + path, headers=admin_headers).status_code == 200


def test_api_key_is_exchanged_scoped_and_revocable(
    stack: Stack, admin_headers: dict[str, str]
) -> None:
    gateway = stack.url("gateway")
    created = httpx.post(
        f"{gateway}/v1/staff/api-keys",
        json={"name": "ERP 测试", "scopes": ["erp:write"]},
        headers=admin_headers,
    )
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    # A valid key is exchanged for a token, but reading accounts is not in its scope.
    scoped_out = httpx.get(f"{gateway}/v1/clients/accounts", headers={"X-API-Key": key})
    assert scoped_out.status_code == 403
    revoke = httpx.delete(
        f"{gateway}/v1/staff/api-keys/{created.json()['id']}", headers=admin_headers
    )
    assert revoke.status_code == 200
    refused = httpx.get(f"{gateway}/v1/clients/accounts", headers={"X-API-Key": key})
    assert refused.status_code == 401
    made_up = httpx.get(f"{gateway}/v1/clients/accounts", headers={"X-API-Key": "kam_x_y"})
    assert made_up.status_code == 401
