"""Sign-in, sessions, logins and API keys against the real database (rolled back)."""

import httpx
import pytest

from shared.auth.principal import Role
from tests.conftest import bearer

PASSWORD = "correct-horse-battery"


async def make_user(client: httpx.AsyncClient, login: str, *roles: str, employee_id=None) -> dict:
    response = await client.post(
        "/v1/staff/users",
        json={
            "login": login,
            "password": PASSWORD,
            "roles": list(roles),
            "employee_id": employee_id,
        },
    )
    assert response.status_code == 201, response.text
    read = await client.get(response.headers["Location"])
    assert read.status_code == 200 and read.json() == response.json()
    return response.json()


async def sign_in(
    client: httpx.AsyncClient, login: str, password: str = PASSWORD
) -> httpx.Response:
    return await client.post(
        "/v1/auth/token",
        data={"username": login, "password": password},
        headers={"Authorization": ""},
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_sign_in_and_me(staff_client: httpx.AsyncClient) -> None:
    user = await make_user(staff_client, "wang.lei", "account_manager", employee_id=12)
    response = await sign_in(staff_client, "wang.lei")
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 600
    me = await staff_client.get("/v1/auth/me", headers=auth(body["access_token"]))
    assert me.json() == {
        "user_id": user["id"],
        "login": "wang.lei",
        "roles": ["account_manager", "employee"],
        "employee_id": 12,
    }


@pytest.mark.parametrize(
    ("login", "password"), [("wang.lei", "wrong-password!"), ("nobody", PASSWORD)]
)
async def test_wrong_credentials_are_401_and_say_nothing_more(
    staff_client: httpx.AsyncClient, login: str, password: str
) -> None:
    await make_user(staff_client, "wang.lei")
    response = await sign_in(staff_client, login, password)
    assert response.status_code == 401
    assert response.json()["detail"] == "login or password is wrong"


async def test_refresh_rotates_and_the_old_token_stops_working(
    staff_client: httpx.AsyncClient,
) -> None:
    await make_user(staff_client, "li.na")
    first = (await sign_in(staff_client, "li.na")).json()
    second = await staff_client.post(
        "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    replay = await staff_client.post(
        "/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401


async def refresh(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/v1/auth/refresh", json={"refresh_token": token})


async def test_reusing_a_rotated_refresh_token_revokes_its_whole_family(
    staff_client: httpx.AsyncClient,
) -> None:
    """RFC 9700 §4.14: a rotated token presented again was stolen or replayed; every
    token descended from that sign-in stops working, other sign-ins are untouched."""
    await make_user(staff_client, "li.na")
    first = (await sign_in(staff_client, "li.na")).json()["refresh_token"]
    other_device = (await sign_in(staff_client, "li.na")).json()["refresh_token"]
    second = (await refresh(staff_client, first)).json()["refresh_token"]
    third = (await refresh(staff_client, second)).json()["refresh_token"]

    reused = await refresh(staff_client, first)
    assert reused.status_code == 401
    assert (await refresh(staff_client, third)).status_code == 401  # the family's newest
    assert (await refresh(staff_client, second)).status_code == 401
    assert (await refresh(staff_client, other_device)).status_code == 200
    log = (await staff_client.get("/v1/staff/audit")).json()["items"]
    assert "refresh_token_reused" in [entry["action"] for entry in log]
    assert first not in str(log)


async def test_logout_ends_refresh_and_access_tokens(staff_client: httpx.AsyncClient) -> None:
    await make_user(staff_client, "zhao.min")
    pair = (await sign_in(staff_client, "zhao.min")).json()
    assert (
        await staff_client.post("/v1/auth/logout", headers=auth(pair["access_token"]))
    ).status_code == 204
    assert (
        await staff_client.get("/v1/auth/me", headers=auth(pair["access_token"]))
    ).status_code == 401
    refresh = await staff_client.post(
        "/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_password_change_ends_sessions_and_the_new_password_works(
    staff_client: httpx.AsyncClient,
) -> None:
    await make_user(staff_client, "sun.hao")
    pair = (await sign_in(staff_client, "sun.hao")).json()
    wrong = await staff_client.post(
        "/v1/auth/password",
        json={"current_password": "nope", "new_password": "another-long-password"},
        headers=auth(pair["access_token"]),
    )
    assert wrong.status_code == 401
    changed = await staff_client.post(
        "/v1/auth/password",
        json={"current_password": PASSWORD, "new_password": "another-long-password"},
        headers=auth(pair["access_token"]),
    )
    assert changed.status_code == 204
    assert (
        await staff_client.get("/v1/auth/me", headers=auth(pair["access_token"]))
    ).status_code == 401
    assert (await sign_in(staff_client, "sun.hao")).status_code == 401
    assert (await sign_in(staff_client, "sun.hao", "another-long-password")).status_code == 200


async def test_deactivated_user_cannot_sign_in_or_refresh(staff_client: httpx.AsyncClient) -> None:
    user = await make_user(staff_client, "huang.zq")
    pair = (await sign_in(staff_client, "huang.zq")).json()
    response = await staff_client.patch(
        f"/v1/staff/users/{user['id']}", json={"active": False}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 200
    assert (await sign_in(staff_client, "huang.zq")).status_code == 401
    refresh = await staff_client.post(
        "/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_only_admins_manage_logins(staff_client: httpx.AsyncClient) -> None:
    for role in (Role.DEPT_MANAGER, Role.ACCOUNT_MANAGER, Role.EXECUTIVE):
        response = await staff_client.get("/v1/staff/users", headers=bearer(role))
        assert response.status_code == 403
    assert (
        await staff_client.get("/v1/staff/users", headers={"Authorization": ""})
    ).status_code == 401


async def test_unknown_fields_and_roles_are_refused(staff_client: httpx.AsyncClient) -> None:
    response = await staff_client.post(
        "/v1/staff/users",
        json={"login": "x.y.z", "password": PASSWORD, "roles": ["superuser"]},
    )
    assert response.status_code == 422
    user = await make_user(staff_client, "a.b.c")
    sneaky = await staff_client.patch(
        f"/v1/staff/users/{user['id']}",
        json={"password_hash": "x", "token_version": 0},
        headers={"If-Match": '"1"'},
    )
    assert sneaky.status_code == 422


async def test_api_key_lifecycle(staff_client: httpx.AsyncClient) -> None:
    created = await staff_client.post(
        "/v1/staff/api-keys", json={"name": "ERP", "scopes": ["erp:write"]}
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("kam_")
    listed = (await staff_client.get("/v1/staff/api-keys")).json()["items"]
    assert all("key" not in item for item in listed)
    service = bearer(subject="service:gateway")
    ok = (
        await staff_client.post("/v1/auth/api-keys/introspect", json={"key": key}, headers=service)
    ).json()
    assert ok["active"] is True and ok["scopes"] == ["erp:write"] and ok["access_token"]
    after = (await staff_client.get("/v1/staff/api-keys")).json()["items"]
    assert [k["last_used_at"] is not None for k in after if k["id"] == ok["key_id"]] == [True]
    forged = key[:-3] + "abc"
    bad = await staff_client.post(
        "/v1/auth/api-keys/introspect", json={"key": forged}, headers=service
    )
    assert bad.json() == {
        "active": False,
        "key_id": None,
        "scopes": [],
        "access_token": None,
        "expires_in": None,
    }
    assert (await staff_client.delete(f"/v1/staff/api-keys/{ok['key_id']}")).status_code == 200
    revoked = await staff_client.post(
        "/v1/auth/api-keys/introspect", json={"key": key}, headers=service
    )
    assert revoked.json()["active"] is False


async def test_introspection_is_for_services_only(staff_client: httpx.AsyncClient) -> None:
    response = await staff_client.post("/v1/auth/api-keys/introspect", json={"key": "kam_x"})
    assert response.status_code == 403


async def test_service_token_needs_the_internal_secret(staff_client: httpx.AsyncClient) -> None:
    wrong = await staff_client.post(
        "/v1/auth/service-token", json={"service": "clients", "secret": "x"}
    )
    assert wrong.status_code == 401
    right = await staff_client.post(
        "/v1/auth/service-token", json={"service": "clients", "secret": "dev-internal-secret"}
    )
    assert right.status_code == 200
    jwks = (await staff_client.get("/v1/auth/jwks", headers={"Authorization": ""})).json()
    assert jwks["keys"][0]["alg"] == "EdDSA" and "d" not in jwks["keys"][0]


async def test_denials_and_key_changes_are_audited(
    staff_client: httpx.AsyncClient,
) -> None:
    # (A failed sign-in is written in its own transaction; the e2e tests check that one,
    # since here every session shares the test's single connection.)
    assert (
        await staff_client.get("/v1/staff/users", headers=bearer(Role.FINANCE))
    ).status_code == 403
    created = await staff_client.post(
        "/v1/staff/api-keys", json={"name": "ERP", "scopes": ["erp:write"]}
    )
    log = (await staff_client.get("/v1/staff/audit")).json()["items"]
    actions = [entry["action"] for entry in log]
    assert actions[:2] == ["api_key_created", "access_denied"]
    assert log[1]["actor"] == "user:1" and log[1]["entity_id"] == "GET /v1/staff/users"
    assert created.json()["key"] not in str(log)  # never a secret in the log
    assert (
        await staff_client.get("/v1/staff/audit", headers=bearer(Role.DEPT_MANAGER))
    ).status_code == 403


async def test_api_key_scopes_come_from_the_published_list(staff_client: httpx.AsyncClient) -> None:
    published = await staff_client.get("/v1/staff/api-key-scopes")
    assert published.status_code == 200
    scopes = [entry["scope"] for entry in published.json()]
    assert "erp:write" in scopes
    assert all(entry["description"] for entry in published.json())
    unknown = await staff_client.post(
        "/v1/staff/api-keys", json={"name": "ERP", "scopes": ["erp:write", "erp:admin"]}
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["loc"][:2] == ["body", "scopes"]
    for scope in scopes:
        created = await staff_client.post(
            "/v1/staff/api-keys", json={"name": f"key {scope}", "scopes": [scope]}
        )
        assert created.status_code == 201 and created.json()["scopes"] == [scope]
