"""A sampled pass of the walking authorisation suite through the real gateway.

The in-process walk (tests/authz/test_walk.py) covers every operation; this pass takes
every SAMPLE_EVERY-th operation of the gateway's merged contract and calls it as real
signed-in personas (tokens issued by staff, checked by the gateway and the service), with
missing ids: the policy decides 403, every answer is documented, none is a 5xx. And an
account outside an account manager's and a team lead's scope answers like a missing one,
in the path and as a list filter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from deploy.processes import Stack
from shared.auth.principal import PrincipalKind
from tests.authz.personas import KAM, OTHER_KAM, PERSONAS, Persona
from tests.authz.world import MISSING, ORG, example_body
from tests.conftest import LoginFactory

pytestmark = pytest.mark.e2e

SAMPLE_EVERY = 6
SESSION_ENDING = {"/v1/auth/logout", "/v1/me/sessions"}  # DELETE /v1/me/sessions ends all
RUN = uuid.uuid4().hex[:6]
PARAMETER = re.compile(r"\{([^}]+)\}")
PLACEHOLDERS = {"currency": "CNY", "day": "2026-01-15", "effective_on": "2026-01-01"}


def policy_allows(policy: dict[str, Any], persona: Persona) -> bool:
    """What ``x-kam-policy`` says of ``persona``."""
    if policy.get("public"):
        return True
    if persona.kind is PrincipalKind.SERVICE:
        return bool(policy["services"])
    if persona.kind is PrincipalKind.API_KEY:
        return bool(set(policy["scopes"]) & persona.scopes)
    roles = set(policy["roles"])
    return "employee" in roles or bool(roles & {r.value for r in persona.roles})


@pytest.fixture(scope="module")
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


@pytest.fixture(scope="module")
def people(
    stack: Stack, service_headers: dict[str, str], login_as: LoginFactory
) -> dict[str, dict[str, str]]:
    """Signed-in personas (people only: machines and services do not sign in)."""
    fed = httpx.post(
        f"{stack.url('clients')}/v1/clients/internal/org/employees",
        json={"events": ORG},
        headers=service_headers,
        timeout=15,
    )
    assert fed.status_code == 200, fed.text
    signed_in: dict[str, dict[str, str]] = {}
    for persona in PERSONAS:
        if persona.kind is PrincipalKind.USER and persona.relation is None:
            roles = [role.value for role in persona.roles]
            login = f"walk.{persona.name}.{RUN}"
            signed_in[persona.name] = login_as(login, *roles, employee_id=persona.employee_id)
    return signed_in


def sampled_operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = sorted(
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
        and "/internal/" not in path
        and "x-kam-policy" in operation
        # Signing out ends the walking personas' own sessions: every later step would be a
        # 401 (sign-out has tests of its own).
        and path not in SESSION_ENDING
    )
    return found[::SAMPLE_EVERY]


def filled(path: str) -> str:
    return PARAMETER.sub(lambda m: PLACEHOLDERS.get(m.group(1), str(MISSING)), path)


def test_sampled_operations_answer_as_documented_through_the_gateway(
    gateway: httpx.Client, people: dict[str, dict[str, str]]
) -> None:
    document = gateway.get("/openapi.json").json()
    by_name = {persona.name: persona for persona in PERSONAS}
    problems: list[str] = []
    sampled = sampled_operations(document)
    assert len(sampled) >= 20
    for method, path, operation in sampled:
        body = example_body(document, operation) if method in {"POST", "PUT", "PATCH"} else None
        for name, headers in people.items():
            response = gateway.request(
                method, filled(path), json=body, headers={"If-Match": '"1"', **headers}
            )
            allowed = policy_allows(operation["x-kam-policy"], by_name[name])
            status = response.status_code
            if status >= 500 or str(status) not in operation["responses"]:
                problems.append(f"{method} {path} as {name}: undocumented {status}")
            elif not allowed and status != 403:
                problems.append(f"{method} {path} as {name}: {status}, policy refuses")
    assert problems == []


def shape(response: httpx.Response) -> tuple[int, str | None, str | None]:
    problem = response.json()
    detail = problem.get("detail")
    return response.status_code, problem.get("type"), re.sub(r"\d+", "#", detail or "")


def test_an_account_outside_the_scope_answers_like_a_missing_one_through_the_gateway(
    gateway: httpx.Client, people: dict[str, dict[str, str]]
) -> None:
    accounts = "/v1/clients/accounts"
    ids = {}
    for owner in (KAM, OTHER_KAM):
        created = gateway.post(
            accounts, json={"legal_name": f"网关走查{owner}{RUN}有限公司", "owner_id": owner}
        )
        assert created.status_code == 201, created.text
        ids[owner] = created.json()["id"]
    for name in ("account_manager", "team_lead"):
        headers = people[name]
        assert gateway.get(f"{accounts}/{ids[KAM]}", headers=headers).status_code == 200
        hidden = gateway.get(f"{accounts}/{ids[OTHER_KAM]}", headers=headers)
        missing = gateway.get(f"{accounts}/{MISSING}", headers=headers)
        assert shape(hidden) == shape(missing) and hidden.status_code == 404, name
        listed = gateway.get(accounts, params={"owner_id": OTHER_KAM}, headers=headers)
        assert listed.status_code in (200, 404), listed.text
        if listed.status_code == 200:
            assert ids[OTHER_KAM] not in [a["id"] for a in listed.json()["items"]], name
        everything = gateway.get(accounts, headers=headers)
        assert ids[OTHER_KAM] not in [a["id"] for a in everything.json()["items"]], name
