"""Idempotency-Key on every creating POST (issue 21): walked over each service's contract.

Every POST answering 201/202 is sent twice with the same key by a persona its policy
allows, over the walking suite's world: the second answer is the first one again (status,
body, ``Location``), marked ``Idempotent-Replayed: true``, and no table of the service
gained a row. The first answer names the new record in ``Location`` (issue 21): a path of
the service's, where its creator reads the record unless it has no read of its own
(``WITHOUT_READ``). Operations the world cannot make succeed are listed in ``NOT_REACHED``
with the reason, strictly (one that starts succeeding must leave the list). Then the cases by
hand: keys are per caller (tests/clients/tickets/test_idempotent_creation.py: two identical
ticket creations make one ticket, a key reused for another body is 422).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from shared.idempotent_creations import creating_routes
from shared.routes import api_routes
from tests.authz.personas import KAM, PERSONAS, SPECIALIST, Persona
from tests.authz.walk import Operation, build_app, operations, request_arguments
from tests.authz.world import Family, clients_family, created, feed_org, kpi_families
from tests.conftest import _client_in_transaction

# Operation → why the walk's world cannot make it succeed (it is replayed by hand or by
# its own tests instead).
NOT_REACHED: dict[str, str] = {
    "POST /v1/staff/positions/{position_id}/versions/{version_no}/revise": (
        "needs an approved position version (tests/staff/positions)"
    ),
    "POST /v1/staff/departures/{departure_id}/retry": (
        "needs a failed departure (tests/staff/offboarding)"
    ),
    "POST /v1/staff/employees/{employee_id}/departure": (
        "needs an employee with a successor in the staff world (tests/staff/offboarding)"
    ),
    "POST /v1/staff/stand-ins": "the contract gives no example body (tests/staff/standins)",
    "POST /v1/staff/internal/work-items": (
        "the contract gives no example body (tests/staff/inbox)"
    ),
    "POST /v1/kpi/cycles": "needs published templates (tests/kpi/cycles)",
    "POST /v1/kpi/target-plans": "needs the example's teams in kpi's org copy (tests/kpi/targets)",
    "POST /v1/kpi/templates": "the example names indicators the kpi world lacks (tests/kpi)",
}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6].upper()}"


# Fields set over an operation's example so that it succeeds in the walk's world.
OVERRIDES: dict[str, Any] = {
    "POST /v1/clients/accounts/{account_id}/surveys": lambda family: {
        "period": "2025-Q4", "surveyed_on": "2025-11-20", "respondent_contact_id": None,
    },
    "POST /v1/clients/accounts/{account_id}/team": lambda family: {"employee_id": SPECIALIST},
    # Another person than the family's contact (the same phone, e-mail or name at one
    # account is a likely duplicate, 409).
    "POST /v1/clients/accounts/{account_id}/contacts": lambda family: {
        "name": unique("幂等联系人"), "phone": None, "email": None,
    },
    "POST /v1/staff/departments": lambda family: {
        "parent_id": None, "head_position_code": None, "code": unique("D-"),
    },
    "POST /v1/staff/positions": lambda family: {
        "department_id": family["department"], "approver_code": None, "reports_to_code": None,
        "peer_codes": [], "code": unique("P-"),
    },
    "POST /v1/staff/employees": lambda family: {
        "position_code": None, "employee_no": unique("E"),
    },
    # A merge of a second account of the family's owner into the family's account.
    "POST /v1/clients/account-merges": lambda family: {
        "loser_id": family["merge_loser"], "loser_etag": '"1"',
    },
    # A merge of a second contact at the family's account into the family's contact.
    # (survivor_id by name alone reads as an account: the contact is set here.)
    "POST /v1/clients/contact-merges": lambda family: {
        "survivor_id": family["contact"], "loser_id": family["contact_merge_loser"],
        "loser_etag": '"1"',
    },
}  # fmt: skip


class Service:
    def __init__(self, name: str, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.name = name
        self.app = app
        self.client = client
        self.document: dict[str, Any] = app.openapi()

    async def rows(self) -> dict[str, int]:
        """Rows per table of the service's schema (but the keys), in the test's transaction."""
        async with self.app.state.session_factory() as session:
            tables = (
                await session.execute(
                    text(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                        ":schema AND table_type = 'BASE TABLE' AND table_name NOT IN "
                        "('idempotency_keys', 'alembic_version')"
                    ),
                    {"schema": self.name},
                )
            ).scalars()
            counts = {}
            for table in tables:
                counts[table] = (
                    await session.execute(text(f'SELECT count(*) FROM {self.name}."{table}"'))
                ).scalar_one()
            return counts


@pytest.fixture(params=["clients", "staff", "kpi"])
async def service(
    request: pytest.FixtureRequest, engines: dict[str, AsyncEngine]
) -> AsyncIterator[Service]:
    app = build_app(request.param)
    async for client in _client_in_transaction(engines[request.param], app):
        yield Service(request.param, app, client)


async def family_of(service: Service) -> Family:
    if service.name == "staff":
        department = await service.client.post(
            "/v1/staff/departments", json={"code": unique("W-"), "name": "走查部门"}
        )
        assert department.status_code == 201, department.text
        return {"department": department.json()["id"]}
    await feed_org(service.client, service.name)
    if service.name == "kpi":
        return (await kpi_families(service.client))[0]
    family = await clients_family(service.client, service.document, KAM, 1)
    # The examples name catalogue product 1 and competitor 1; which ids exist depends on
    # what ran before, so the walk brings its own.
    tag = uuid.uuid4().hex[:6]
    family["product"] = await created(
        service.client, service.document, "/v1/clients/products", code=f"I-{tag}"
    )
    family["competitor"] = await created(
        service.client, service.document, "/v1/clients/competitors", name=f"幂等对手{tag}"
    )
    # A merge needs a second account (the family's account survives it).
    family["merge_loser"] = await created(
        service.client, service.document, "/v1/clients/accounts", owner_id=KAM,
        legal_name=f"幂等合并{tag}有限公司", credit_code=None,
    )  # fmt: skip
    family["contact_merge_loser"] = await created(
        service.client, service.document, f"/v1/clients/accounts/{family['account']}/contacts",
        name=f"幂等合并联系人{tag}", phone=None, email=None,
    )  # fmt: skip
    # A renewal needs a signed contract.
    contract = f"/v1/clients/contracts/{family['contract']}"
    etag = (await service.client.get(contract)).headers["etag"]
    signed = await service.client.post(f"{contract}/sign", json={}, headers={"If-Match": etag})
    assert signed.status_code == 200, signed.text
    return family


# Creating POSTs that change the state of a record (submit a quotation: 202, an approval
# request) name the version they were based on, like a PATCH: they carry its ETag.
STATE_CHANGES = ("/submit",)
# Creating POSTs that change a record named in the body carry that record's ETag:
# operation → (body field, the record's path).
BODY_STATE_CHANGES = {
    "POST /v1/clients/account-merges": ("survivor_id", "/v1/clients/accounts"),
    "POST /v1/clients/contact-merges": ("survivor_id", "/v1/clients/contacts"),
}

# Operations whose record becomes the family's newest version of that record: a quotation
# submit is only allowed on the opportunity's latest quotation.
NEWEST: dict[str, str] = {
    "POST /v1/clients/opportunities/{opportunity_id}/quotations": "quotation",
    "POST /v1/clients/quotations/{quotation_id}/revisions": "quotation",
}


async def send(
    service: Service, operation: Operation, persona: Persona, family: Family, body: Any, key: str
) -> httpx.Response:
    path = operation.path(family)
    headers = {"Idempotency-Key": key, **persona.headers()}
    if path.endswith(STATE_CHANGES):
        record = path.rsplit("/", 1)[0]
        read = await service.client.get(record, headers=persona.headers())
        headers["If-Match"] = read.headers.get("etag", '"0"')
    if operation.label in BODY_STATE_CHANGES and isinstance(body, dict):
        field, records = BODY_STATE_CHANGES[operation.label]
        read = await service.client.get(f"{records}/{body[field]}", headers=persona.headers())
        headers["If-Match"] = read.headers.get("etag", '"0"')
    return await service.client.request("POST", path, **request_arguments(body, headers))


# Creations whose record has no read of its own, by operation → where it is read instead.
# Their Location still names the record's path: a route, or the parent of its actions.
WITHOUT_READ: dict[str, str] = {
    "POST /v1/clients/accounts/{account_id}/contact-schedule": (
        "in the account's contact schedule; /contact-touches/{id} holds done and skip (a GET "
        "there would sit beside /contact-touches/export)"
    ),
    "POST /v1/clients/accounts/{account_id}/team": "in the account's team (PATCH, DELETE)",
    "POST /v1/clients/erp/webhook-secrets": "in the list of secrets (retire under it)",
    "POST /v1/staff/api-keys": "in the list of keys (DELETE revokes)",
}


def routes_at(app: FastAPI, location: str) -> list[APIRoute]:
    path = location.split("?", 1)[0]
    return [route for route in api_routes(app) if route.path_regex.fullmatch(path)]


def under(route: APIRoute, path: str) -> bool:
    """Whether ``route`` is a sub-path of ``path`` (``/contact-touches/{touch_id}/done``
    under ``/contact-touches/7``)."""
    mine, theirs = path.strip("/").split("/"), route.path_format.strip("/").split("/")
    return len(theirs) > len(mine) and all(
        a == b or b.startswith("{") for a, b in zip(mine, theirs, strict=False)
    )


async def assert_names_the_record(
    service: Service, operation: Operation, persona: Persona, answer: httpx.Response
) -> None:
    """``answer``'s ``Location`` is a path of the service; where the record has a GET, its
    creator reads the record created there."""
    location = answer.headers.get("location")
    assert location, f"{operation.label} answered {answer.status_code} without a Location"
    path = location.split("?", 1)[0]
    exact = routes_at(service.app, location)
    below = [route for route in api_routes(service.app) if under(route, path)]
    assert exact or below, f"{operation.label}: Location {location} is no path of {service.name}"
    readable = any("GET" in (route.methods or ()) for route in exact)
    assert readable != (operation.label in WITHOUT_READ), (
        f"{operation.label}: Location {location} "
        + ("has a GET: leave WITHOUT_READ" if readable else "has no GET")
    )
    if not readable:
        return
    read = await service.client.get(location, headers=persona.headers())
    assert read.status_code == 200, (operation.label, location, read.text[:300])
    created_id, read_id = answer.json().get("id"), read.json().get("id")
    if created_id is not None and read_id is not None:
        assert read_id == created_id, (operation.label, location)
    if "etag" in read.headers:
        await assert_conditional_read(service, location, persona, read)


async def assert_conditional_read(
    service: Service, location: str, persona: Persona, read: httpx.Response
) -> None:
    """A read that answered with an ETag says so in the contract, with ``If-None-Match``
    and a 304; sent its own ETag back, it answers 304 without a body."""
    route = next(r for r in routes_at(service.app, location) if "GET" in (r.methods or ()))
    spec = service.document["paths"][route.path_format]["get"]
    label = f"GET {route.path_format}"
    assert "ETag" in spec["responses"]["200"].get("headers", {}), f"{label}: ETag undeclared"
    assert "304" in spec["responses"], f"{label}: 304 undeclared"
    headers = {p["name"].lower() for p in spec.get("parameters", []) if p["in"] == "header"}
    assert "if-none-match" in headers, f"{label}: If-None-Match undeclared"
    etag = read.headers["etag"]
    again = await service.client.get(location, headers={"If-None-Match": etag, **persona.headers()})
    assert (again.status_code, again.content, again.headers.get("etag")) == (304, b"", etag)


async def test_every_creating_post_honours_its_idempotency_key(service: Service) -> None:
    family = await family_of(service)
    creating = {route.path_format for route in creating_routes(service.app)}
    walked = [
        op
        for op in operations(service.name, service.app)
        if op.method == "POST" and op.route.path_format in creating
    ]
    assert walked, "no creating POST found"
    reached, not_reached = [], {}
    for operation in walked:
        callers = [p for p in PERSONAS if operation.allows(p)]
        assert callers, operation.label
        refusals = []
        for persona in callers:  # the first the world lets create (scope, relations)
            key = str(uuid.uuid4())
            body = operation.body(service.document, family)  # once: some carry unique values
            if operation.label in OVERRIDES and isinstance(body, dict):
                body.update(OVERRIDES[operation.label](family))
            first = await send(service, operation, persona, family, body, key)
            if first.status_code in (201, 202):
                break
            refusals.append(f"{persona.name}: {first.status_code} {first.text[:300]}")
        if first.status_code not in (201, 202):
            not_reached[operation.label] = refusals[0]
            continue
        await assert_names_the_record(service, operation, persona, first)
        before = await service.rows()
        again = await send(service, operation, persona, family, body, key)
        assert again.status_code == first.status_code, operation.label
        assert again.headers.get("idempotent-replayed") == "true", operation.label
        assert again.content == first.content, operation.label
        assert again.headers.get("location") == first.headers.get("location"), operation.label
        assert await service.rows() == before, f"{operation.label} wrote again"
        reached.append(operation.label)
        if operation.label in NEWEST:
            family[NEWEST[operation.label]] = first.json()["id"]
    expected = {label for label in NOT_REACHED if label.split(" ")[1] in creating}
    assert set(not_reached) == expected, "\n".join(f"{k}: {v}" for k, v in not_reached.items())
    assert len(reached) + len(expected) == len(walked)


async def test_keys_are_per_caller(staff_client: httpx.AsyncClient) -> None:
    from shared.auth.principal import Role
    from tests.conftest import bearer

    key = {"Idempotency-Key": "shared-" + uuid.uuid4().hex}
    body = {"code": "D-IDEM", "name": "幂等部门"}
    first = await staff_client.post("/v1/staff/departments", json=body, headers=key)
    assert first.status_code == 201, first.text
    other_admin = bearer(Role.ADMIN, subject="user:777")
    second = await staff_client.post(
        "/v1/staff/departments", json=body, headers={**key, **other_admin}
    )
    # Another caller's key is not ours: it runs, and meets the duplicate code.
    assert second.status_code == 409
    assert second.json()["type"] == "urn:kam:problem:duplicate"
