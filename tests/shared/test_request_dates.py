"""Every date a request carries is written as the contract says, never as a number.

Pydantic in lax mode reads a JSON number, or digits as text, as a Unix time: ``{"hire_date":
0}`` would be 1970-01-01. So every day a route reads (body fields at any depth, query, path,
header and cookie parameters) is an ``IsoDay`` and every instant an ``IsoInstant``
(shared/periods.py). The routes are walked, so a plain ``date`` added later fails here.
No database: the apps are only built, never started.
"""

import importlib
from collections.abc import Iterator
from datetime import date, datetime
from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError

from services.clients.receivables.schemas import ErpEvent
from shared.auth.policy import api_routes

SERVICES = ("clients", "staff", "kpi")
PARAMETER_KINDS = ("path", "query", "header", "cookie", "body")

RAW_BODIES: dict[str, Any] = {
    # Routes that read their body themselves (the signature is checked on the raw bytes,
    # a file is parsed by hand): the model each body is validated with, None for no JSON.
    "POST /v1/clients/erp/webhooks": ErpEvent,
    "POST /v1/clients/accounts/import": None,  # a CSV or XLSX file
}

NUMBERS = ("0", '"0"', "1795140900", '"1795140900"', "1795140900.5")
"""JSON a lax date or datetime reads as a Unix time (numbers, and digits as text)."""

WELL_WRITTEN = {date: '"2026-11-20"', datetime: '"2026-11-20T02:15:00+00:00"'}


def create_app(service: str) -> FastAPI:
    app: FastAPI = importlib.import_module(f"services.{service}.app").create_app()
    return app


def with_metadata(annotation: Any, metadata: list[Any]) -> Any:
    # Pydantic moves a field's top-level Annotated metadata (IsoDay's validator) out of the
    # annotation; put it back so the type is validated as the request would be.
    return Annotated[(annotation, *metadata)] if metadata else annotation


def time_types(annotation: Any, where: str, seen: set[type]) -> Iterator[tuple[str, Any]]:
    """Every date or datetime inside ``annotation`` (models, unions, lists …), named."""
    if get_origin(annotation) is Annotated:
        base = get_args(annotation)[0]
        if base in WELL_WRITTEN:
            yield where, annotation
        else:
            yield from time_types(base, where, seen)
    elif annotation in WELL_WRITTEN:
        yield where, annotation
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for name, field in annotation.model_fields.items():
            yield from time_types(
                with_metadata(field.annotation, field.metadata),
                f"{annotation.__module__}.{annotation.__qualname__}.{name}",
                seen,
            )
    else:
        for argument in get_args(annotation):
            yield from time_types(argument, where, seen)


def operation(route: APIRoute) -> str:
    return f"{'/'.join(sorted(route.methods))} {route.path}"


def route_parameters(route: APIRoute) -> Iterator[tuple[str, Any]]:
    """``(kind, annotation)`` of every parameter the route reads, dependencies included."""
    stack: list[Dependant] = [route.dependant]
    while stack:
        dependant = stack.pop()
        stack.extend(dependant.dependencies)
        for kind in PARAMETER_KINDS:
            for parameter in getattr(dependant, f"{kind}_params"):
                info = parameter.field_info
                yield f"{kind} {parameter.name}", with_metadata(info.annotation, info.metadata)
    if route.body_field is None and operation(route) in RAW_BODIES:
        yield "raw body", RAW_BODIES[operation(route)]


def request_time_fields(app: FastAPI) -> dict[str, tuple[str, Any]]:
    """Every date or datetime the app's routes read: name → (first route reading it, type)."""
    found: dict[str, tuple[str, Any]] = {}
    for route in api_routes(app):
        for parameter, annotation in route_parameters(route):
            for where, time_type in time_types(annotation, parameter, set()):
                found.setdefault(where, (f"{operation(route)} ({parameter})", time_type))
    return found


def base_type(time_type: Any) -> type:
    base: type = get_args(time_type)[0] if get_origin(time_type) is Annotated else time_type
    return base


def reads_as_time(time_type: Any, raw: str) -> bool:
    try:
        TypeAdapter(time_type).validate_json(raw)
    except ValidationError:
        return False
    return True


@pytest.fixture(scope="module")
def apps() -> dict[str, FastAPI]:
    return {service: create_app(service) for service in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_no_request_date_reads_a_number(apps: dict[str, FastAPI], service: str) -> None:
    lax = {
        f"{where} in {route}": read
        for where, (route, time_type) in sorted(request_time_fields(apps[service]).items())
        if (read := [raw for raw in NUMBERS if reads_as_time(time_type, raw)])
    }
    # Use IsoDay / IsoInstant (shared.periods) for a day / an instant a request carries.
    assert lax == {}


@pytest.mark.parametrize("service", SERVICES)
def test_request_dates_still_read_their_iso_form(apps: dict[str, FastAPI], service: str) -> None:
    refused = [
        f"{where} in {route}"
        for where, (route, time_type) in sorted(request_time_fields(apps[service]).items())
        if not reads_as_time(time_type, WELL_WRITTEN[base_type(time_type)])
    ]
    assert refused == []


def test_the_walk_reaches_bodies_nested_models_queries_paths_and_raw_bodies(
    apps: dict[str, FastAPI],
) -> None:
    clients = request_time_fields(apps["clients"])
    staff = request_time_fields(apps["staff"])
    assert "services.staff.employees.schemas.EmployeeCreate.hire_date" in staff
    assert "services.staff.offboarding.schemas.DepartureCreate.date" in staff
    assert "services.clients.contacts.schemas.AccountContactCreate.birthday" in clients
    assert "services.clients.receivables.schemas.ErpDueLine.due_date" in clients
    assert "services.clients.receivables.schemas.InvoiceUpserted.occurred_at" in clients
    assert "query due_from" in clients
    assert "path day" in clients


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_that_reads_its_own_body_is_listed(
    apps: dict[str, FastAPI], service: str
) -> None:
    unlisted = [
        operation(route)
        for route in api_routes(apps[service])
        if route.body_field is None
        and "requestBody" in (route.openapi_extra or {})
        and operation(route) not in RAW_BODIES
    ]
    assert unlisted == [], (
        f"name the model these bodies are validated with in RAW_BODIES: {unlisted}"
    )
