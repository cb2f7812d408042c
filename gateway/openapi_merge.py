"""Merge the services' OpenAPI documents into the one contract the gateway serves."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

REF_PREFIX = "#/components/schemas/"


def _rewrite_refs(node: Any, renames: Mapping[str, str]) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith(REF_PREFIX):
                name = value[len(REF_PREFIX) :]
                out[key] = REF_PREFIX + renames.get(name, name)
            else:
                out[key] = _rewrite_refs(value, renames)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(item, renames) for item in node]
    return node


def merge_openapi(
    documents: Mapping[str, Mapping[str, Any]],
    *,
    title: str = "KAM API",
    version: str = "1.0.0",
    description: str = "",
    server_url: str = "/",
) -> dict[str, Any]:
    """One document from several, keyed by service name.

    Paths are already distinct (each service serves its own prefix). A component schema
    that two services define differently is renamed ``<Service><Name>`` in the second one,
    with its references rewritten, so nothing is silently overwritten.
    """
    merged: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version, "description": description},
        "servers": [{"url": server_url}],
        "paths": {},
        "components": {"schemas": {}},
        "tags": [],
        "x-tagGroups": [],
    }
    schemas: dict[str, Any] = merged["components"]["schemas"]
    seen_tags: set[str] = set()
    for service, original in documents.items():
        document = copy.deepcopy(dict(original))
        own_schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        renames = {
            name: f"{service.capitalize()}{name}"
            for name, schema in own_schemas.items()
            if name in schemas and schemas[name] != schema
        }
        document = _rewrite_refs(document, renames)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for kind, entries in document.get("components", {}).items():
            if kind != "schemas":
                merged["components"].setdefault(kind, {}).update(entries)
        for path, item in document.get("paths", {}).items():
            if path in merged["paths"]:
                raise ValueError(f"path {path} is served by two services")
            merged["paths"][path] = item
        group_tags: list[str] = []
        for tag in document.get("tags", []):
            if tag["name"] not in seen_tags:
                seen_tags.add(tag["name"])
                merged["tags"].append(tag)
            group_tags.append(tag["name"])
        for item in document.get("paths", {}).values():
            for operation in item.values():
                for tag in operation.get("tags", []) if isinstance(operation, dict) else []:
                    if tag not in group_tags:
                        group_tags.append(tag)
                    if tag not in seen_tags:
                        seen_tags.add(tag)
                        merged["tags"].append({"name": tag})
        merged["x-tagGroups"].append({"name": service, "tags": group_tags})
    return merged
