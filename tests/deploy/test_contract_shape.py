"""The contract says what the product does, in a form generators take without guessing:
unique titles, required headers the server enforces, declared response headers and
problem members, typed ERP events, decimals as strings, short operation ids, and no
service-only operation in the public document."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from deploy.openapi_docs import current_documents
from services.clients.erp.events import AnyErpEvent
from shared.contract_shape import PROBLEM_EXTENSIONS
from shared.errors import Problem

ROOT = Path(__file__).resolve().parents[2]
NAMES = ("clients", "staff", "kpi", "gateway")


@pytest.fixture(scope="module")
def served() -> dict[str, dict[str, Any]]:
    return current_documents()


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if isinstance(operation, dict):
                yield method.upper(), path, operation


def nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from nodes(value)
    elif isinstance(node, list):
        for item in node:
            yield from nodes(item)


@pytest.mark.parametrize("name", NAMES)
def test_every_schema_title_is_its_component_name(
    served: dict[str, dict[str, Any]], name: str
) -> None:
    schemas = served[name]["components"]["schemas"]
    assert [n for n, schema in schemas.items() if schema.get("title") != n] == []


@pytest.mark.parametrize("name", NAMES)
def test_decimals_are_strings_only(served: dict[str, dict[str, Any]], name: str) -> None:
    unions = [
        node
        for node in nodes(served[name])
        for key in ("anyOf", "oneOf")
        if {"number", "string"} <= {v.get("type") for v in node.get(key, []) if isinstance(v, dict)}
    ]
    typed = [n for n in nodes(served[name]) if isinstance(n.get("type"), list)]
    assert unions == [] and typed == []
    money = served[name]["components"]["schemas"].get("Money")
    assert money is None or money["properties"]["amount"]["type"] == "string"


@pytest.mark.parametrize("name", NAMES)
def test_enforced_request_headers_are_required(
    served: dict[str, dict[str, Any]], name: str
) -> None:
    headers = {
        (method, path, parameter["name"].lower()): parameter
        for method, path, operation in operations(served[name])
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "header"
    }
    if_match = [p for (_, _, header), p in headers.items() if header == "if-match"]
    assert if_match and all(p["required"] is True for p in if_match)
    assert all(p["schema"].get("type") == "string" for p in if_match)
    keys = {
        (m, p): param for (m, p, header), param in headers.items() if header == "idempotency-key"
    }
    if name in ("clients", "gateway"):  # shared.idempotency: payments and write-offs need one
        assert keys[("POST", "/v1/clients/payments")]["required"] is True


@pytest.mark.parametrize("name", NAMES)
def test_records_answer_with_their_etag_and_creations_with_their_location(
    served: dict[str, dict[str, Any]], name: str
) -> None:
    paths = served[name]["paths"]
    expected_etag = {
        "clients": [("get", "/v1/clients/accounts/{account_id}", "200"),
                    ("patch", "/v1/clients/accounts/{account_id}", "200"),
                    ("post", "/v1/clients/accounts", "201")],
        "staff": [("get", "/v1/staff/employees/{employee_id}", "200"),
                  ("post", "/v1/staff/employees", "201")],
        "kpi": [("get", "/v1/kpi/appraisals/{appraisal_id}", "200")],
    }  # fmt: skip
    expected_etag["gateway"] = [e for entries in expected_etag.values() for e in entries]
    for method, path, status in expected_etag[name]:
        header = paths[path][method]["responses"][status]["headers"]["ETag"]
        assert header["schema"]["type"] == "string"
    if name in ("clients", "gateway"):
        created = paths["/v1/clients/accounts"]["post"]["responses"]["201"]["headers"]
        assert "Location" in created
        adjust = paths["/v1/clients/accounts/{account_id}/credit-adjustments"]["post"]
        assert "Location" in adjust["responses"]["202"]["headers"]


def extension_members() -> set[str]:
    """Every key the code puts into a problem's ``extra=`` (a dict literal)."""
    found: set[str] = set()
    for folder in ("services", "shared", "gateway"):
        for path in (ROOT / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or "audit" in ast.unparse(node.func):
                    continue  # an audit entry's extra is not a problem's
                for keyword in node.keywords:
                    if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                        found |= {
                            k.value for k in keyword.value.keys if isinstance(k, ast.Constant)
                        }
    return found - {"headers"}  # rendered as HTTP headers, not members


def test_every_problem_member_the_code_sends_is_declared(
    served: dict[str, dict[str, Any]],
) -> None:
    sent = extension_members()
    assert {"allowed", "current_status", "current_etag", "missing"} <= sent
    declared = set(PROBLEM_EXTENSIONS) | set(Problem.model_fields)
    assert sorted(sent - declared) == []
    for name in NAMES:
        properties = served[name]["components"]["schemas"]["Problem"]["properties"]
        assert sent <= set(properties), name
    # A member named like a standard one would be dropped by shared.errors.problem_body.
    assert sent & {"type", "title", "status", "detail", "instance"} == set()


@pytest.mark.parametrize("name", ["clients", "gateway"])
def test_the_erp_webhook_body_is_a_oneof_on_type(
    served: dict[str, dict[str, Any]], name: str
) -> None:
    document = served[name]
    operation = document["paths"]["/v1/clients/erp/webhooks"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/ErpEvent"}
    event = document["components"]["schemas"]["ErpEvent"]
    assert event["discriminator"]["propertyName"] == "type"
    union = TypeAdapter(AnyErpEvent).json_schema()
    types = {
        d["properties"]["type"]["const"]
        for d in union["$defs"].values()
        if "type" in d.get("properties", {})
    }
    assert (
        set(event["discriminator"]["mapping"])
        == types
        == {
            "invoice.upserted",
            "payment.received",
            "payment.reversed",
        }
    )
    assert len(event["oneOf"]) == len(types)
    signature = {p["name"] for p in operation["parameters"] if p["in"] == "header"}
    assert {"webhook-id", "webhook-timestamp", "webhook-signature"} <= signature
    receipt = document["components"]["schemas"]["DeliveryOutcome"]["enum"]
    assert {"applied", "applied_with_warnings", "conflict", "pending", "duplicate"} == set(receipt)


def test_service_only_operations_are_not_in_the_public_document(
    served: dict[str, dict[str, Any]],
) -> None:
    public = served["gateway"]
    for path in ("/v1/auth/token-floors", "/v1/clients/handovers"):
        assert path not in public["paths"]
    assert not [p for p in public["paths"] if "/internal/" in p]
    assert "HandoverRequest" not in public["components"]["schemas"]
    tags = {tag["name"] for tag in public["tags"]}
    assert "clients-org" not in tags
    used = {t for _, _, operation in operations(public) for t in operation.get("tags", [])}
    assert tags == used
    # Still served to the services themselves.
    assert "/v1/clients/handovers" in served["clients"]["paths"]
    assert "/v1/auth/token-floors" in served["staff"]["paths"]


def test_operation_ids_are_short_unique_and_without_stutter(
    served: dict[str, dict[str, Any]],
) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(served["gateway"])]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), [
        i for i in ids if not re.fullmatch(r"[a-z][a-z0-9_]*", i)
    ]
    assert "list_accounts" in ids and "receive_erp_webhook" in ids
    assert not [i for i in ids if len(i) > 60]


@pytest.mark.parametrize("name", NAMES)
def test_every_creation_declares_its_location(served: dict[str, dict[str, Any]], name: str) -> None:
    """Every POST's 201/202 names the record made (issue 21): generated clients read
    Location. (A PUT's 201 made the record at the request's own URI.)"""
    missing = [
        f"{method} {path} {status}"
        for method, path, operation in operations(served[name])
        for status, answer in operation["responses"].items()
        if method == "POST"
        and status in ("201", "202")
        and "Location" not in answer.get("headers", {})
    ]
    assert missing == []
    created = [p for m, p, o in operations(served[name]) if "201" in o["responses"]]
    assert len(created) >= (5 if name != "gateway" else 30)


@pytest.mark.parametrize("name", NAMES)
def test_reads_with_an_etag_declare_if_none_match_and_304(
    served: dict[str, dict[str, Any]], name: str
) -> None:
    """shared.conditional_get answers a current ``If-None-Match`` with a bodiless 304."""
    reads = [
        (path, operation)
        for method, path, operation in operations(served[name])
        if method == "GET" and "ETag" in operation["responses"].get("200", {}).get("headers", {})
    ]
    assert len(reads) >= 3
    for path, operation in reads:
        headers = {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}
        assert "If-None-Match" in headers, path
        not_modified = operation["responses"].get("304")
        assert not_modified is not None and "content" not in not_modified, path
        assert "ETag" in not_modified["headers"], path
    # Only reads: a write's ETag is no cache validator.
    assert not [p for m, p, o in operations(served[name]) if m != "GET" and "304" in o["responses"]]
