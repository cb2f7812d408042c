"""Identity through the real processes: sign-in, keys, and services that check for themselves."""

import time

import httpx
import pytest

from deploy.processes import Stack
from tests.conftest import E2E_ADMIN_PASSWORD, LoginFactory

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
    audit = httpx.get(
        f"{gateway}/v1/staff/audit",
        params={"action": "sign_in_failed"},
        headers={"Authorization": f"Bearer {right.json()['access_token']}"},
    ).json()["items"]
    assert audit[0]["entity_id"] == "e2e.admin"
    assert "nope-nope-nope" not in str(audit)


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


def answers(url: str, headers: dict[str, str], status: int, seconds: float = 10) -> bool:
    """Whether ``url`` comes to answer ``status`` within ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if httpx.get(url, headers=headers, timeout=5).status_code == status:
            return True
        time.sleep(0.25)
    return False


def test_logout_ends_the_access_token_in_every_service(
    stack: Stack, login_as: LoginFactory
) -> None:
    headers = login_as("logout.check", "dept_manager", employee_id=1)
    gateway = stack.url("gateway")
    reads = [f"{gateway}/v1/clients/accounts", f"{gateway}/v1/kpi/indicators"]
    assert all(httpx.get(url, headers=headers).status_code == 200 for url in reads)
    assert httpx.post(f"{gateway}/v1/auth/logout", headers=headers).status_code == 204
    for url in reads:
        assert answers(url, headers, 401), url


def test_deactivation_ends_the_access_token_too(
    stack: Stack, login_as: LoginFactory, admin_headers: dict[str, str]
) -> None:
    headers = login_as("deactivate.check", "executive")
    gateway = stack.url("gateway")
    url = f"{gateway}/v1/clients/accounts"
    assert httpx.get(url, headers=headers).status_code == 200
    me = httpx.get(f"{gateway}/v1/auth/me", headers=headers).json()
    off = httpx.patch(
        f"{gateway}/v1/staff/users/{me['user_id']}",
        json={"active": False},
        headers={**admin_headers, "If-Match": '"1"'},
    )
    assert off.status_code == 200, off.text
    assert answers(url, headers, 401)
