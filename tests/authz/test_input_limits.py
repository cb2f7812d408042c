"""Every string and list a client can send is bounded (issue 3: length caps on every input).

Walks the request bodies and parameters of the three contracts; a string needs a
maxLength, an enum, or a bounded format; an array needs maxItems.
"""

import re
from typing import Any

import pytest

from tests.authz.test_policies import apps

BOUNDED_FORMATS = {"date", "date-time", "uuid", "time", "email", "binary"}
UNBOUNDED_QUANTIFIERS = re.compile(r"(?<!\\)[*+]|\{\d+,\}")


def bounded_pattern(pattern: str | None) -> bool:
    """An anchored pattern whose every quantifier has an upper bound."""
    return bool(pattern and pattern.endswith("$") and not UNBOUNDED_QUANTIFIERS.search(pattern))


def resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = document["components"]["schemas"][name]
    return node


def unbounded(
    document: dict[str, Any], node: dict[str, Any], where: str, seen: set[str]
) -> list[str]:
    if "$ref" in node:
        if node["$ref"] in seen:
            return []
        seen = seen | {node["$ref"]}
    node = resolve(document, node)
    problems: list[str] = []
    for key in ("anyOf", "oneOf", "allOf"):
        for option in node.get(key, []):
            problems += unbounded(document, option, where, seen)
    kind = node.get("type")
    if kind == "string":
        bounded = (
            "maxLength" in node or "enum" in node or "const" in node
            or node.get("format") in BOUNDED_FORMATS or bounded_pattern(node.get("pattern"))
        )  # fmt: skip
        if not bounded:
            problems.append(where)
    elif kind == "array":
        if "maxItems" not in node:
            problems.append(f"{where}[]")
        problems += unbounded(document, node.get("items", {}), f"{where}[]", seen)
    elif kind == "object" or "properties" in node:
        for name, prop in node.get("properties", {}).items():
            problems += unbounded(document, prop, f"{where}.{name}", seen)
        extra = node.get("additionalProperties")
        if isinstance(extra, dict):
            problems += unbounded(document, extra, f"{where}.*", seen)
    return problems


@pytest.mark.parametrize("service", ["clients", "staff", "kpi"])
def test_every_input_is_bounded(service: str) -> None:
    document = apps()[service].openapi()
    problems: list[str] = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            op = f"{method.upper()} {path}"
            content = operation.get("requestBody", {}).get("content", {})
            for media, body in content.items():
                if "json" in media or "form" in media:
                    problems += unbounded(document, body["schema"], f"{op} body", set())
            for parameter in operation.get("parameters", []):
                problems += unbounded(
                    document, parameter.get("schema", {}), f"{op} {parameter['name']}", set()
                )
    assert problems == [], "\n".join(problems)
