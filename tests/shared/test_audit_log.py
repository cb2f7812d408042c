"""The facts every audit entry carries from its request (shared.audit_log)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from fastapi import FastAPI, Request

from shared.audit_log import (
    ON_BEHALF_OF_HEADER,
    AuditContextMiddleware,
    AuditLogBase,
    AuditSearch,
    actor_role,
    audit_entry,
    request_facts,
)
from shared.auth.principal import Principal, PrincipalKind, Role
from shared.request_id import RequestIdMiddleware

USER = Principal(
    PrincipalKind.USER,
    "user:7",
    roles=frozenset({Role.EMPLOYEE, Role.ACCOUNT_MANAGER}),
    employee_id=12,
)
SERVICE = Principal(PrincipalKind.SERVICE, "service:kpi", service="kpi")


def facts_app() -> FastAPI:
    app = FastAPI()

    @app.get("/facts/{who}")
    async def facts(who: str, request: Request) -> dict[str, Any]:
        request.state.principal = {"user": USER, "service": SERVICE}.get(who)
        return request_facts()

    app.add_middleware(AuditContextMiddleware)
    app.add_middleware(RequestIdMiddleware)
    return app


async def ask(who: str, headers: dict[str, str]) -> dict[str, Any]:
    transport = httpx.ASGITransport(app=facts_app(), client=("10.1.2.3", 5000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.get(f"/facts/{who}", headers=headers)
    assert response.status_code == 200
    return dict(response.json())


async def test_a_person_is_the_actor_and_cannot_claim_to_act_for_another() -> None:
    facts = await ask("user", {"X-Request-ID": "req-1", ON_BEHALF_OF_HEADER: "user:99"})
    assert facts == {
        "request_id": "req-1",
        "client_address": "10.1.2.3",
        "actor": "user:7",
        "actor_role": "account_manager",
        "actor_employee_id": 12,
    }


async def test_a_service_acting_for_a_person_names_them() -> None:
    facts = await ask("service", {ON_BEHALF_OF_HEADER: "user:7"})
    assert (facts["actor"], facts["on_behalf_of"]) == ("service:kpi", "user:7")


async def test_outside_a_request_an_entry_has_only_what_the_writer_gives() -> None:
    entry = audit_entry(AuditLogBase, service="kpi", entity="cycle", action="x", actor=None)
    assert (entry.service, entry.actor, entry.client_address) == ("kpi", None, None)
    assert entry.before is None and entry.after is None


def test_an_entry_records_the_widest_role_of_a_person_and_none_of_a_machine() -> None:
    def person(*roles: Role) -> Principal:
        return Principal(PrincipalKind.USER, "user:7", roles=frozenset(roles))

    assert actor_role(person(Role.EMPLOYEE, Role.FINANCE, Role.ADMIN)) is Role.ADMIN
    assert actor_role(person(Role.EMPLOYEE, Role.ACCOUNT_MANAGER)) is Role.ACCOUNT_MANAGER
    assert actor_role(person(Role.EMPLOYEE)) is Role.EMPLOYEE
    assert actor_role(person()) is None
    assert actor_role(SERVICE) is None
    key = Principal(PrincipalKind.API_KEY, "api_key:3", roles=frozenset({Role.ADMIN}))
    assert actor_role(key) is None


def test_a_search_passes_its_filters_on_as_a_query() -> None:
    since = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    search = AuditSearch(entity="account", actor_role=Role.FINANCE, since=since)
    assert search.as_query() == {
        "entity": "account",
        "actor_role": "finance",
        "since": "2026-12-01T08:00:00+00:00",
    }
