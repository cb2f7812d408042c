"""Deny by default: every operation of every service's contract declares who may call it."""

import re

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from shared.auth.policy import INLINE_POLICY, api_routes, route_policies
from shared.auth.principal import Role
from tests.conftest import bearer


def apps() -> dict[str, FastAPI]:
    from services.clients.app import create_app as clients
    from services.kpi.app import create_app as kpi
    from services.staff.app import create_app as staff

    return {"clients": clients(), "staff": staff(), "kpi": kpi()}


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_every_operation_in_the_contract_has_a_policy(service: str) -> None:
    app = apps()[service]
    document = app.openapi()
    missing = [
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "x-kam-policy" not in operation
    ]
    assert missing == [], f"operations without a declared policy in {service}: {missing}"


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_every_route_has_a_policy_even_outside_the_contract(service: str) -> None:
    app = apps()[service]
    unguarded = [
        f"{sorted(route.methods)} {route.path}"
        for route in api_routes(app)
        if route.path.startswith("/v1/") and not route_policies(route)
    ]
    assert unguarded == []


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_guarded_operations_document_their_security(service: str) -> None:
    document = apps()[service].openapi()
    schemes = document["components"]["securitySchemes"]
    assert schemes["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == "/v1/auth/token"
    assert schemes["ApiKey"]["name"] == "X-API-Key"
    for item in document["paths"].values():
        for operation in item.values():
            policy = operation.get("x-kam-policy", {})
            if not policy.get("public"):
                assert operation["security"], operation["operationId"]
                assert "401" in operation["responses"], operation["operationId"]


def inline_routes(app: FastAPI) -> list[APIRoute]:
    return [route for route in api_routes(app) if hasattr(route.endpoint, INLINE_POLICY)]


def test_only_the_hot_account_reads_check_their_policy_inline() -> None:
    """Extend the test below when another route uses Policy.inline."""
    found = {name: {r.name for r in inline_routes(app)} for name, app in apps().items()}
    assert found == {"clients": {"get_account", "list_accounts"}, "staff": set(), "kpi": set()}


async def test_routes_checking_their_policy_inline_refuse(
    clients_client: httpx.AsyncClient,
) -> None:
    """Policy.inline only declares: the endpoint must call authorize. Each such route
    refuses a caller without a token (401) and one whose role the policy leaves out (403)."""
    from services.clients.app import create_app

    clients_client.headers.pop("Authorization")
    for route in inline_routes(create_app()):
        path = re.sub(r"\{[^}]+\}", "1", route.path)
        for method in route.methods or ():
            response = await clients_client.request(method, path)
            assert response.status_code == 401, (method, path, response.text)
            response = await clients_client.request(
                method, path, headers=bearer(Role.APPRAISAL_ADMIN)
            )
            assert response.status_code == 403, (method, path, response.text)
