"""Every date a request carries is written as the contract says, never as a number.

Pydantic in lax mode reads a JSON number, or digits as text, as a Unix time: ``{"hire_date":
0}`` would be 1970-01-01. So every day a route reads (body fields at any depth, query, path,
header and cookie parameters) is an ``IsoDay`` and every instant an ``IsoInstant``
(shared/periods.py). The routes are walked, so a plain ``date`` added later fails here.
No database: the apps are only built, never started.
"""

from datetime import date, datetime
from typing import Annotated, Any, get_args, get_origin

import pytest
from fastapi import FastAPI
from pydantic import TypeAdapter, ValidationError

from shared.auth.policy import api_routes
from tests.request_walk import (
    RAW_BODIES,
    SERVICES,
    create_app,
    leaf_types,
    operation,
    request_fields,
)

NUMBERS = ("0", '"0"', "1795140900", '"1795140900"', "1795140900.5")
"""JSON a lax date or datetime reads as a Unix time (numbers, and digits as text)."""

WELL_WRITTEN = {date: '"2026-11-20"', datetime: '"2026-11-20T02:15:00+00:00"'}


def is_time(annotation: Any) -> bool:
    return annotation in WELL_WRITTEN


def request_time_fields(app: FastAPI) -> dict[str, tuple[str, Any]]:
    """Every date or datetime the app's routes read: name → (first route reading it, type)."""
    found: dict[str, tuple[str, Any]] = {}
    for where, reading in request_fields(app).items():
        for time_type in leaf_types(reading.annotation, is_time):
            found.setdefault(where, (str(reading), time_type))
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
    assert "services.clients.erp.events.ErpDueLine.due_date" in clients
    assert "services.clients.erp.events.InvoiceUpserted.occurred_at" in clients
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
