"""No number in a request body reads a JSON ``true`` or ``false``.

Pydantic in lax mode reads ``true`` as the integer 1 (or 1.0) and ``false`` as 0, so
``{"min_years_experience": false}`` would be 0 years while the contract says ``integer``.
Every integer a body carries, at any depth (nested models, lists, unions, Annotated, and the
bodies listed in ``RAW_BODIES``), refuses booleans (shared/numbers.py) or is strict; floats
and decimals are held to the same. The routes are walked, so a plain ``int`` added to a body
later fails here. Query, path and header values arrive as text, where ``true`` is no number
for pydantic either, which is checked too. No database: the apps are only built.
"""

import json
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from collections.abc import Set as AbstractSet
from decimal import Decimal
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

import pytest
from annotated_types import MinLen
from fastapi import FastAPI
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.request_walk import SERVICES, create_app, request_fields

NUMBER_TYPES = (int, float, Decimal)
TEXT_KINDS = ("path", "query", "header", "cookie")
"""Where a request's values arrive as text rather than JSON."""
CANDIDATES = (1, 0, 5, 12, 2026, -1, 0.5)
"""Numbers to try until one fits a field's bounds (an id, a month, a year, a delta …)."""

Probe = Callable[[object], object]
"""Builds a field's JSON value with ``value`` where one of its numbers goes."""


def is_number(annotation: Any) -> bool:
    if annotation in NUMBER_TYPES:
        return True
    if get_origin(annotation) is Literal:
        return any(type(value) in NUMBER_TYPES for value in get_args(annotation))
    return (
        isinstance(annotation, type)
        and issubclass(annotation, Enum)
        and issubclass(annotation, NUMBER_TYPES)
    )


def min_items(metadata: tuple[Any, ...], default: int) -> int:
    return max([default, *(item.min_length for item in metadata if isinstance(item, MinLen))])


def number_probes(annotation: Any, count: int = 1) -> Iterator[tuple[Any, Probe]]:
    """Each number inside one field's type (not inside its models: their fields are
    walked on their own), with how to build the field's value around it; ``count`` is
    how many items a list around it must have."""
    origin, arguments = get_origin(annotation), get_args(annotation)
    if origin is Annotated:
        yield from number_probes(arguments[0], min_items(annotation.__metadata__, count))
    elif is_number(annotation):
        yield annotation, lambda value: value
    elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return
    elif origin in (dict, Mapping):
        for number, probe in number_probes(arguments[1]):
            yield number, lambda value, probe=probe: {"key": probe(value)}
    elif origin in (list, set, frozenset, tuple, Sequence, AbstractSet, Collection, Iterable):
        for argument in arguments:
            for number, probe in number_probes(argument):
                yield number, lambda value, probe=probe: [probe(value)] * count
    else:  # unions
        for argument in arguments:
            yield from number_probes(argument, count)


def valid_numbers(number: Any) -> tuple[object, ...]:
    if get_origin(number) is Literal:
        return get_args(number)
    if isinstance(number, type) and issubclass(number, Enum):
        return tuple(member.value for member in number)
    return CANDIDATES


def reads(annotation: Any, value: object) -> bool:
    try:
        TypeAdapter(annotation).validate_json(json.dumps(value))
    except ValidationError:
        return False
    return True


BOUNDS = {"greater_than", "greater_than_equal", "less_than", "less_than_equal", "multiple_of"}


def reads_as_number(annotation: Any, value: object) -> bool:
    """Whether the value is taken for a number: read, or refused only for its size (a
    ``false`` read as 0 and then refused by ``ge=1`` is still read as a number)."""
    try:
        TypeAdapter(annotation).validate_json(json.dumps(value))
    except ValidationError as error:
        return all(detail["type"] in BOUNDS for detail in error.errors())
    return True


def body_numbers(app: FastAPI) -> list[tuple[str, Any, Any, Probe]]:
    """``(field in route, field type, number type, probe)`` for every number in a body."""
    return [
        (f"{where} in {reading}", reading.annotation, number, probe)
        for where, reading in sorted(request_fields(app, ("body", "raw")).items())
        for number, probe in number_probes(reading.annotation)
    ]


@pytest.fixture(scope="module")
def apps() -> dict[str, FastAPI]:
    return {service: create_app(service) for service in SERVICES}


@pytest.mark.parametrize("service", SERVICES)
def test_no_body_number_reads_a_boolean(apps: dict[str, FastAPI], service: str) -> None:
    lax = {
        where: read
        for where, field, _, probe in body_numbers(apps[service])
        if (read := [flag for flag in (True, False) if reads_as_number(field, probe(flag))])
    }
    # Use JsonInt or NotABoolean (shared.numbers) for an integer a request body carries.
    assert lax == {}


@pytest.mark.parametrize("service", SERVICES)
def test_body_numbers_still_read_a_number(apps: dict[str, FastAPI], service: str) -> None:
    refused = [
        where
        for where, field, number, probe in body_numbers(apps[service])
        if not any(reads(field, probe(value)) for value in valid_numbers(number))
    ]
    assert refused == []


PYDANTIC_BOUNDS = {"ge", "gt", "le", "lt", "multiple_of"}


def raw_bounds(node: object, where: str) -> Iterator[str]:
    """Where a number's schema carries pydantic's name of a bound instead of JSON Schema's.

    (Only numbers: ExactDecimal writes its own schema, a string or an integer, where the
    bounds a field adds have no JSON Schema keyword to go to.)"""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in PYDANTIC_BOUNDS and node.get("type") in ("integer", "number"):
                yield f"{where}.{key}"
            if key == "properties":  # names of fields, not keywords
                for name, schema in value.items():
                    yield from raw_bounds(schema, f"{where}.{name}")
            elif key not in ("examples", "example", "default"):
                yield from raw_bounds(value, f"{where}.{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from raw_bounds(item, f"{where}[{index}]")


@pytest.mark.parametrize("service", SERVICES)
def test_bounds_reach_the_contract_as_minimum_and_maximum(
    apps: dict[str, FastAPI], service: str
) -> None:
    # A bound written after NotABoolean (``Annotated[JsonInt, Field(ge=1)]``, or ``JsonInt |
    # None = Field(ge=1)``) is still enforced, but shows as "ge" here: write it first.
    assert list(raw_bounds(apps[service].openapi(), "#")) == []


def test_the_walk_reaches_nested_models_lists_optionals_and_raw_bodies(
    apps: dict[str, FastAPI],
) -> None:
    def fields(service: str) -> set[str]:
        return {where.split(" in ")[0] for where, *_ in body_numbers(apps[service])}

    staff, clients, kpi = fields("staff"), fields("clients"), fields("kpi")
    assert "services.staff.catalogue.schema.Qualifications.min_years_experience" in staff
    assert "services.staff.positions.schemas.PositionVersionUpdate.headcount_quota" in staff
    assert "services.clients.ownership.schemas.HandoverRequest.account_ids" in clients
    assert "services.clients.erp.events.ErpDueLine.line_no" in clients
    assert "shared.org_events.OrgEmployeeEvent.manager_id" in kpi
    assert "services.kpi.targets.schemas.TargetPlanCreate.seasonal_weights" in kpi


def test_the_probe_finds_a_plain_int_anywhere_in_a_field() -> None:
    class Later(BaseModel):
        counts: dict[str, list[int | None]]

    [(number, probe)] = number_probes(Later.model_fields["counts"].annotation)
    assert number is int
    assert reads(Later.model_fields["counts"].annotation, probe(True))


def reads_text(annotation: Any, value: object) -> bool:
    # How FastAPI validates a parameter: the text as a Python value, never as JSON.
    try:
        TypeAdapter(annotation).validate_python(value)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("service", SERVICES)
def test_no_parameter_number_reads_the_text_true_or_false(
    apps: dict[str, FastAPI], service: str
) -> None:
    numbers = [
        (f"{where} in {reading}", reading.annotation, probe)
        for where, reading in sorted(request_fields(apps[service], TEXT_KINDS).items())
        for _, probe in number_probes(reading.annotation)
    ]
    assert any("query limit" in where for where, *_ in numbers)
    lax = [
        where
        for where, field, probe in numbers
        if any(reads_text(field, probe(text)) for text in ("true", "false"))
    ]
    assert lax == []
