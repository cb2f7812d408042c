"""Every id a client sends or reads says what it refers to (``x-kam-ref``), so the walking
suite, and a reader of the contract, know which object goes in it."""

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.references import (
    ENTITIES,
    ID_LIKE,
    NAME_REFS,
    NUMBER_REFS,
    REF,
    SERVICE_REFS,
    entity_of,
)
from tests.authz.test_policies import apps


def unannotated(document: dict[str, Any]) -> list[str]:
    missing: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                if ID_LIKE.match(parameter["name"]) and REF not in parameter:
                    missing.append(f"{method.upper()} {path} {parameter['in']} {parameter['name']}")
    for schema_name, schema in document["components"]["schemas"].items():
        for name, prop in schema.get("properties", {}).items():
            if ID_LIKE.match(name) and REF not in prop:
                missing.append(f"{schema_name}.{name}")
    return missing


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_every_id_parameter_and_field_declares_what_it_refers_to(service: str) -> None:
    assert unannotated(apps()[service].openapi()) == []


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if REF in node:
            yield node[REF]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for value in node:
            yield from references(value)


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_every_reference_names_a_known_entity(service: str) -> None:
    named = set(references(apps()[service].openapi()))
    assert named - ENTITIES == set()


def test_an_unannotated_id_is_found() -> None:
    parameter = {"name": "thing_id", "in": "path"}
    document = {
        "paths": {"/v1/x/{thing_id}": {"get": {"parameters": [parameter]}}},
        "components": {"schemas": {"Thing": {"properties": {"id": {}, "name": {}}}}},
    }
    assert unannotated(document) == ["GET /v1/x/{thing_id} path thing_id", "Thing.id"]


@pytest.mark.parametrize(
    ("service", "name", "schema", "entity"),
    [
        ("clients", "owner_id", None, "employee"),
        ("clients", "account_ids", None, "account"),
        ("clients", "parent_id", None, "account"),
        ("staff", "parent_id", None, "department"),
        ("kpi", "plan_id", None, "target_plan"),
        ("clients", "id", "TicketRead", "ticket"),
        ("clients", "id", "AccountContactRead", "contact"),
        ("staff", "id", "PositionVersionRead", "position_version"),
        ("kpi", "name", None, None),
        ("kpi", "idempotency_key", None, None),
        ("clients", "line_no", None, "invoice_line"),
    ],
)
def test_the_registry_names_the_entity(
    service: str, name: str, schema: str | None, entity: str | None
) -> None:
    assert entity_of(service, name, schema) == entity


def test_people_named_by_their_part_are_employees() -> None:
    schema = apps()["clients"].openapi()["components"]["schemas"]["AssessmentCreate"]
    assert schema["properties"]["assessed_by"][REF] == "employee"


def test_the_contract_names_the_entity_of_a_path_parameter() -> None:
    document = apps()["kpi"].openapi()
    parameters = document["paths"]["/v1/kpi/cycles/{cycle_id}/export"]["get"]["parameters"]
    assert {p["name"]: p.get(REF) for p in parameters if p["in"] == "path"} == {"cycle_id": "cycle"}


NAMES = st.from_regex(r"[a-z][a-z_]{0,20}[a-z]", fullmatch=True)


# A bare ``id``/``ids`` takes the entity of its schema, which a name alone does not give.
@given(NAMES.filter(lambda n: n not in {"id", "ids"}))
def test_only_ids_and_numbered_references_have_an_entity(name: str) -> None:
    entity = entity_of("clients", name)
    assert (entity is None) == (not ID_LIKE.match(name) and name not in NUMBER_REFS)


@given(NAMES.filter(lambda n: not n.endswith("_id") and n not in {"id", "ids"}))
def test_an_id_named_after_its_entity_refers_to_it(stem: str) -> None:
    for service in ("clients", "staff", "kpi"):
        name = f"{stem}_id"
        if name in NAME_REFS or name in SERVICE_REFS[service]:
            continue
        assert entity_of(service, name) == entity_of(service, f"{stem}_ids") == stem
