"""Walking a service's contract for the abuse suite: its operations, a caller each operation
lets in, and the places a request carries text, numbers, days and cursors.

Only the contract (``app.openapi()``) is read, so a route added later is walked too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from shared.auth.principal import Role
from tests.conftest import bearer

METHODS = ("get", "post", "put", "patch", "delete")
MAX_DEPTH = 4
EMPLOYEE_ID = 1


@dataclass(frozen=True)
class Leaf:
    """One value a request can carry: where (``("query", "q")``, ``("body", "a", 0, "b")``)
    and its resolved schema."""

    loc: tuple[str | int, ...]
    schema: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.loc[1]) if len(self.loc) > 1 else str(self.loc[0])


@dataclass
class Operation:
    """One operation of the contract, with a caller its policy admits."""

    method: str
    path: str
    spec: dict[str, Any]
    document: dict[str, Any] = field(repr=False)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"

    @property
    def parameters(self) -> list[dict[str, Any]]:
        return list(self.spec.get("parameters", []))

    def parameter(self, where: str) -> list[dict[str, Any]]:
        return [p for p in self.parameters if p["in"] == where]

    def url(self, path_values: dict[str, str] | None = None) -> str:
        """The path with every path parameter filled (ids 1, enums their first value)."""
        url = self.path
        for parameter in self.parameter("path"):
            name = parameter["name"]
            value = (path_values or {}).get(name) or sample_text(
                resolve(self.document, parameter.get("schema", {}))
            )
            url = url.replace("{" + name + "}", value)
        return url

    def headers(self) -> dict[str, str]:
        """An Authorization its policy admits (:meth:`authorization`), and a fresh
        ``Idempotency-Key`` where the operation reads one."""
        names = {p["name"].lower() for p in self.parameter("header")}
        key = {"Idempotency-Key": str(uuid.uuid4())} if "idempotency-key" in names else {}
        return {**self.authorization(), **key}

    def authorization(self) -> dict[str, str]:
        """Its policy's roles (with an employee id), its scopes (an API key), or a service
        credential."""
        policy = self.spec.get("x-kam-policy") or {}
        roles = [Role(role) for role in policy.get("roles", [])]
        if roles:
            return bearer(*roles, Role.ADMIN, employee_id=EMPLOYEE_ID)
        if policy.get("scopes"):
            return bearer(subject="api_key:7", scopes=frozenset(policy["scopes"]))
        if policy.get("services"):
            return bearer(subject="service:staff")
        return bearer(Role.ADMIN, employee_id=EMPLOYEE_ID)

    def json_body(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        media = content.get("application/json")
        return resolve(self.document, media["schema"]) if media else None

    def form_body(self) -> dict[str, Any] | None:
        content = self.spec.get("requestBody", {}).get("content", {})
        media = content.get("application/x-www-form-urlencoded")
        return resolve(self.document, media["schema"]) if media else None

    def parameter_leaves(self, where: str) -> list[Leaf]:
        return [
            Leaf((where, p["name"]), resolve(self.document, p.get("schema", {})))
            for p in self.parameter(where)
        ]

    def body_leaves(self) -> list[Leaf]:
        schema = self.json_body()
        return list(object_leaves(self.document, schema, ("body",), 0)) if schema else []


def operations(document: dict[str, Any]) -> list[Operation]:
    return [
        Operation(method, path, spec, document)
        for path, item in sorted(document["paths"].items())
        for method, spec in item.items()
        if method in METHODS and isinstance(spec, dict)
    ]


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = document["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def without_null(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """An optional's schema without its null (``anyOf: [X, null]`` → X)."""
    node = resolve(document, node)
    options = [o for o in node.get("anyOf", []) if o.get("type") != "null"]
    if len(options) == 1 and len(node.get("anyOf", [])) == 2:
        return resolve(document, options[0])
    return node


def object_leaves(
    document: dict[str, Any], node: dict[str, Any], loc: tuple[str | int, ...], depth: int
) -> Iterator[Leaf]:
    """Every property of an object schema, nested objects and list items included."""
    node = without_null(document, node)
    if depth > MAX_DEPTH:
        return
    for name, declared in node.get("properties", {}).items():
        prop = without_null(document, declared)
        here = (*loc, name)
        if "properties" in prop:
            yield Leaf(here, prop)
            yield from object_leaves(document, prop, here, depth + 1)
        elif prop.get("type") == "array":
            items = without_null(document, prop.get("items", {}))
            if "properties" in items:
                yield from object_leaves(document, items, (*here, 0), depth + 1)
            else:
                yield Leaf((*here, 0), items)
        else:
            yield Leaf(here, prop)


def body_with(leaf: Leaf, value: Any) -> Any:
    """A body holding ``value`` at ``leaf``'s place and nothing else."""
    built: Any = value
    for step in reversed(leaf.loc[1:]):
        built = [built] if isinstance(step, int) else {step: built}
    return built


def is_text(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" or (
        schema.get("type") == "array" and schema.get("items", {}).get("type") == "string"
    )


def is_free_text(schema: dict[str, Any]) -> bool:
    """A string bounded by its length only (no enum, pattern or format deciding it)."""
    return (
        schema.get("type") == "string"
        and "maxLength" in schema
        and not {"enum", "const", "pattern", "format"} & set(schema)
    )


DECIMAL_PATTERN = re.compile(r"\\d")


def digit_probe(schema: dict[str, Any]) -> str | None:
    """Full-width digits written as the value's form: an integer, a decimal, a day, an
    instant; None for values that are not numbers or dates."""
    kinds = {schema.get("type")} | {option.get("type") for option in schema.get("anyOf", [])}
    formats = {schema.get("format")} | {o.get("format") for o in schema.get("anyOf", [])}
    patterns = [schema.get("pattern"), *(o.get("pattern") for o in schema.get("anyOf", []))]
    if "enum" in schema:
        return None
    if "date" in formats:
        return "２０２６-11-20"
    if "date-time" in formats:
        return "２０２６-11-20T02:15:00+00:00"
    if kinds & {"integer", "number"} or any(p and DECIMAL_PATTERN.search(p) for p in patterns):
        return "１２"
    return None


def sample_text(schema: dict[str, Any]) -> str:
    """A well-formed text for a path parameter: an id 1, an enum's first value, a day."""
    if schema.get("enum"):
        return str(schema["enum"][0])
    if schema.get("type") == "integer":
        return "1"
    if schema.get("format") == "date":
        return "2026-11-20"
    if "period" in str(schema.get("description", "")) or schema.get("pattern", "").startswith(
        "^\\d{4}"
    ):
        return "2026-11"
    return "x"


def problem_locs(response: Any) -> list[list[Any]]:
    """The locations of a 422's field errors."""
    try:
        return [list(error.get("loc", [])) for error in response.json().get("errors", [])]
    except ValueError:
        return []
