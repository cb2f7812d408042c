"""Deny by default: every operation of every service's contract declares who may call it."""

import pytest
from fastapi import FastAPI

from shared.auth.policy import api_routes, route_policies


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
