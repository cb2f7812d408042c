"""The administrators' audit search across services through the gateway, real processes:
staff reads its own log and asks clients and kpi with the caller's token; one list,
newest first, one cursor, the same filters everywhere, and nobody else may search."""

import base64
import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from deploy.processes import Stack
from tests.conftest import LoginFactory

pytestmark = pytest.mark.e2e
RUN = uuid.uuid4().hex[:5].lower()
SEARCH = "/v1/staff/audit/search"
AUDITS = {"clients": "/v1/clients/audit", "staff": "/v1/staff/audit", "kpi": "/v1/kpi/audit"}


@pytest.fixture
def gateway(stack: Stack, admin_headers: dict[str, str]) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=stack.url("gateway"), timeout=15, headers=admin_headers) as client:
        yield client


def subject_of(headers: dict[str, str]) -> str:
    """The ``sub`` of a bearer token (read, not verified: the services verify it)."""
    payload = headers["Authorization"].removeprefix("Bearer ").split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sub"])


def found(gateway: httpx.Client, **params: Any) -> dict[str, Any]:
    answer = gateway.get(SEARCH, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_one_audit_search_across_the_services(
    gateway: httpx.Client, login_as: LoginFactory
) -> None:
    started = datetime.now(UTC) - timedelta(seconds=5)
    finance = login_as(f"audit.{RUN}", "finance")
    actor = subject_of(finance)
    # Each service refuses the finance person its audit log, and records it: one entry each.
    for service in ("clients", "staff", "kpi"):
        assert gateway.get(AUDITS[service], headers=finance).status_code == 403, service

    entries = found(gateway, actor=actor)["items"]
    assert [e["service"] for e in entries] == ["kpi", "staff", "clients"]  # newest first
    assert {(e["action"], e["actor_role"], e["entity"]) for e in entries} == {
        ("access_denied", "finance", "access")
    }
    assert [e["entity_id"] for e in entries] == [
        f"GET {AUDITS[s]}" for s in ("kpi", "staff", "clients")
    ]
    stamps = [datetime.fromisoformat(e["occurred_at"]) for e in entries]
    assert stamps == sorted(stamps, reverse=True) and stamps[-1] >= started

    # Pages of one follow the composite cursor to the same list, nothing lost or repeated.
    paged: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(6):
        page = found(gateway, actor=actor, limit=1, **({"cursor": cursor} if cursor else {}))
        assert len(page["items"]) <= 1
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert cursor is None
    assert [(e["service"], e["id"]) for e in paged] == [(e["service"], e["id"]) for e in entries]

    # The same filters as each service's own search, and the service filter.
    assert [e["service"] for e in found(gateway, actor=actor, service="clients")["items"]] == [
        "clients"
    ]
    assert len(found(gateway, actor=actor, actor_role="finance", entity="access")["items"]) == 3
    assert found(gateway, actor=actor, actor_role="admin")["items"] == []
    assert found(gateway, actor=actor, action_prefix="sign_in")["items"] == []
    staff_only = found(gateway, actor=actor, entity_id=f"GET {AUDITS['staff']}")
    assert [e["service"] for e in staff_only["items"]] == ["staff"]
    later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    assert found(gateway, actor=actor, since=later)["items"] == []
    assert found(gateway, actor=actor, until=started.isoformat())["items"] == []

    # Administrators only; unknown parameters and foreign cursors are refused.
    refused = gateway.get(SEARCH, headers=finance)
    assert refused.status_code == 403, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert gateway.get(SEARCH, params={"actor": actor, "account": "1"}).status_code == 422
    assert gateway.get(SEARCH, params={"cursor": "eyJwYXlyb2xsIjozfQ"}).status_code == 400


def test_the_search_is_in_the_merged_contract(gateway: httpx.Client) -> None:
    document = gateway.get("/openapi.json").json()
    operation = document["paths"][SEARCH]["get"]
    names = {parameter["name"] for parameter in operation["parameters"]}
    assert names == {
        "service", "entity", "entity_id", "action", "action_prefix", "actor", "actor_role",
        "since", "until", "limit", "cursor",
    }  # fmt: skip
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    page = document["components"]["schemas"][schema.rsplit("/", 1)[1]]
    entry = page["properties"]["items"]["items"]["$ref"].rsplit("/", 1)[1]
    assert {"service", "actor_role", "account_id"} <= set(
        document["components"]["schemas"][entry]["properties"]
    )
