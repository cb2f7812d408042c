"""Mass assignment and SSRF, by walking the three contracts (OWASP API3 and API7, 2023).

Every JSON request body refuses members it does not declare (``additionalProperties:
false`` on every object, nested ones included), so no client can set an owner, a grade,
a version or an id a route does not take. And no operation takes a URL: nothing a client
sends is ever fetched by a service (the ERP's address comes from settings only).
"""

import ast
import re
from pathlib import Path
from typing import Any

import pytest

from tests.authz.test_input_limits import resolve
from tests.authz.test_policies import apps

# Bodies that may carry members they do not declare, and why.
OPEN_BODIES = {
    # A signed message from the ERP, read tolerantly so the ERP can add fields without
    # breaking the link; the handler copies only the fields it knows into our rows.
    "POST /v1/clients/erp/webhooks",
    # Staff's outbox events, for a service credential only: read tolerantly so staff can
    # add a field before its consumers deploy; authority_limits is staff's own free map.
    "POST /v1/clients/internal/org/employees",
    "POST /v1/kpi/internal/org/employees",
    "POST /v1/clients/internal/org/stand-ins",
    "POST /v1/kpi/internal/org/stand-ins",
}
# Standard Webhooks' signature headers of the ERP's deliveries: named "webhook-…", no URL.
SIGNATURE_HEADERS = frozenset({"webhook-id", "webhook-timestamp", "webhook-signature"})
URL_LIKE = re.compile(r"url|uri|href|callback|webhook|endpoint|redirect|link", re.IGNORECASE)


def open_objects(
    document: dict[str, Any], node: dict[str, Any], where: str, seen: frozenset[str]
) -> list[str]:
    """Where in ``node`` an object schema accepts undeclared members."""
    if "$ref" in node:
        if node["$ref"] in seen:
            return []
        seen = seen | {node["$ref"]}
    node = resolve(document, node)
    problems: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            problems += open_objects(document, option, where, seen)
    if node.get("type") == "object" or "properties" in node:
        extra = node.get("additionalProperties", True)
        if extra is True:
            problems.append(where)
        elif isinstance(extra, dict):  # a map: its values must be closed too
            problems += open_objects(document, extra, f"{where}.*", seen)
        for name, prop in node.get("properties", {}).items():
            problems += open_objects(document, prop, f"{where}.{name}", seen)
    if node.get("type") == "array":
        problems += open_objects(document, node.get("items", {}), f"{where}[]", seen)
    return problems


def fields(document: dict[str, Any], node: dict[str, Any], seen: frozenset[str]) -> list[dict]:
    """Every (name, schema) a request can carry, nested ones included."""
    if "$ref" in node:
        if node["$ref"] in seen:
            return []
        seen = seen | {node["$ref"]}
    node = resolve(document, node)
    found: list[dict] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            found += fields(document, option, seen)
    for name, prop in node.get("properties", {}).items():
        found.append({"name": name, **resolve(document, prop)})
        found += fields(document, prop, seen)
    for key in ("items", "additionalProperties"):
        if isinstance(node.get(key), dict):
            found += fields(document, node[key], seen)
    return found


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict)
    ]


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_every_json_body_refuses_undeclared_members(service: str) -> None:
    document = apps()[service].openapi()
    problems: list[str] = []
    for label, operation in operations(document):
        if label in OPEN_BODIES:
            continue
        content = operation.get("requestBody", {}).get("content", {})
        for media, body in content.items():
            if "json" in media:
                problems += open_objects(document, body["schema"], f"{label} body", frozenset())
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_no_operation_takes_a_url(service: str) -> None:
    document = apps()[service].openapi()
    offenders: list[str] = []
    for label, operation in operations(document):
        carried: list[dict] = [
            {"name": parameter["name"], **resolve(document, parameter.get("schema", {}))}
            for parameter in operation.get("parameters", [])
            if parameter["name"] not in SIGNATURE_HEADERS
        ]
        for body in operation.get("requestBody", {}).get("content", {}).values():
            carried += fields(document, body.get("schema", {}), frozenset())
        offenders += [
            f"{label}: {field['name']}"
            for field in carried
            if field.get("format") in {"uri", "url", "iri", "uri-reference"}
            or URL_LIKE.search(field["name"])
        ]
    assert offenders == [], "\n".join(offenders)


def call_keywords(tree: ast.AST, names: set[str]) -> list[tuple[int, dict[str, ast.expr]]]:
    """Calls to ``<x>.<name>(...)`` in ``tree``, with their keyword arguments."""
    return [
        (node.lineno, {kw.arg: kw.value for kw in node.keywords if kw.arg})
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in names
    ]


def is_false(value: ast.expr | None) -> bool:
    return isinstance(value, ast.Constant) and value.value is False


def test_no_outbound_client_follows_redirects() -> None:
    """A redirect from the ERP or a service is an answer, never a second request."""
    offenders: list[str] = []
    for folder in ("shared", "services", "gateway"):
        for source in Path(folder).rglob("*.py"):
            text = source.read_text()
            tree = ast.parse(text)
            for line, keywords in call_keywords(tree, {"AsyncClient", "Client"}):
                if not is_false(keywords.get("follow_redirects")):
                    offenders.append(f"{source}:{line} without follow_redirects=False")
            if "aiohttp" in text:  # aiohttp decides per request
                for line, keywords in call_keywords(tree, {"request"}):
                    if "data" in keywords and not is_false(keywords.get("allow_redirects")):
                        offenders.append(f"{source}:{line} without allow_redirects=False")
    assert offenders == [], "\n".join(offenders)
