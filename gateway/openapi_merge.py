"""Merge the services' OpenAPI documents into the one contract the gateway serves."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from gateway.auth import reachable_from_outside
from shared.contract_shape import AUDIENCE
from shared.problem_examples import document_error_examples

REF_PREFIX = "#/components/schemas/"
PROBLEM = {"$ref": REF_PREFIX + "Problem"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# What the gateway itself may answer instead of the service (gateway/proxy.py).
GATEWAY_ERRORS = {
    "502": "Bad Gateway: the service's answer was broken",
    "503": "Service Unavailable: the service cannot be reached",
    "504": "Gateway Timeout: the service did not answer in time",
}
RATE_LIMITED = {
    "description": "Too Many Requests: over the per-user or per-key rate limit",
    "headers": {
        "Retry-After": {
            "description": "Seconds to wait before trying again",
            "schema": {"type": "integer"},
        }
    },
    "content": {"application/problem+json": {"schema": PROBLEM}},
}


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


def _renames(service: str, own: Mapping[str, Any], taken: Mapping[str, Any]) -> dict[str, str]:
    """Which of ``service``'s schemas need a name of their own: those that differ from the
    schema of that name already merged, and then those that refer to a renamed one (a page
    of ``AuditEntryRead`` is not the other service's page once its item is renamed)."""
    renames: dict[str, str] = {}
    while True:
        rewritten = _rewrite_refs(dict(own), renames)
        needed = {
            name: f"{service.capitalize()}{name}"
            for name, schema in rewritten.items()
            if name in taken and taken[name] != schema
        }
        if needed == renames:
            return renames
        renames = needed


def for_the_public(operation: Mapping[str, Any]) -> bool:
    """Whether ``operation`` belongs in the public document: not one only our services call
    (marked ``x-kam-audience: services``, or a policy that admits services alone)."""
    if operation.get(AUDIENCE) == "services":
        return False
    policy = operation.get("x-kam-policy")
    if isinstance(policy, Mapping) and policy.get("services") and not policy.get("public"):
        return bool(policy.get("roles") or policy.get("scopes"))
    return True


def _split_paths(paths: Mapping[str, Any]) -> tuple[dict[str, Any], list[Any]]:
    """The routed paths with their public operations (a path left with none is dropped),
    and the operations left out."""
    public: dict[str, Any] = {}
    hidden: list[Any] = []
    for path, item in paths.items():
        if not reachable_from_outside(path):
            hidden.append(item)
            continue
        kept = {}
        for method, operation in item.items():
            if method not in HTTP_METHODS or for_the_public(operation):
                kept[method] = operation
            else:
                hidden.append(operation)
        if any(method in HTTP_METHODS for method in kept):
            public[path] = kept
    return public, hidden


def _reached(node: Any, schemas: Mapping[str, Any]) -> set[str]:
    """The schemas ``node`` refers to, directly or through other schemas."""
    reached: set[str] = set()
    frontier: set[str] = set()
    _referenced(node, frontier)
    while frontier - reached:
        reached |= frontier
        found: set[str] = set()
        _referenced([schemas.get(name) for name in frontier], found)
        frontier = found
    return reached


def _referenced(node: Any, found: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            found.add(ref[len(REF_PREFIX) :])
        for value in node.values():
            _referenced(value, found)
    elif isinstance(node, list):
        for item in node:
            _referenced(item, found)


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": PROBLEM}},
    }


def _service_tag(service: str, tag: Mapping[str, Any]) -> dict[str, Any]:
    """A tag whose description starts with its service (Swagger UI has no tag groups)."""
    described = dict(tag)
    text = described.get("description", "")
    described["description"] = f"**{service}** · {text}" if text else f"**{service}**"
    return described


def _document_gateway_answers(operation: dict[str, Any]) -> None:
    """Add the errors the gateway answers itself to an operation seen through it."""
    responses: dict[str, Any] = operation.setdefault("responses", {})
    if "requestBody" in operation:
        responses.setdefault("413", _problem("Content Too Large: over the gateway's body limit"))
    if operation.get("security"):
        responses.setdefault("429", copy.deepcopy(RATE_LIMITED))
    for status, description in GATEWAY_ERRORS.items():
        responses.setdefault(status, _problem(description))
    operation["responses"] = dict(sorted(responses.items()))


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
    with its references rewritten, so nothing is silently overwritten; an operation id
    already taken by another service becomes ``<service>-<id>``. Each service is one tag
    group (``x-tagGroups``, which ReDoc shows; Swagger UI shows the service in each tag's
    description), and every operation lists the errors the gateway answers itself.
    Paths the gateway does not route (internal endpoints, the services' own sign-in) and
    operations only our services call are left out, with the schemas only they used: the
    merged document describes what a caller of the gateway may use. Every schema's
    ``title`` is its component name (generators name models by title), and tags no public
    operation uses are dropped.
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
    operation_ids: set[str] = set()
    for service, original in documents.items():
        document = copy.deepcopy(dict(original))
        own_schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        public, hidden = _split_paths(document.get("paths", {}))
        for name in _reached(hidden, own_schemas) - _reached(public, own_schemas):
            del own_schemas[name]  # used only by what the public document leaves out
        renames = _renames(service, own_schemas, schemas)
        document = _rewrite_refs(document, renames)
        for name, schema in document.get("components", {}).get("schemas", {}).items():
            schemas[renames.get(name, name)] = schema
        for kind, entries in document.get("components", {}).items():
            if kind != "schemas":
                merged["components"].setdefault(kind, {}).update(entries)
        paths, _ = _split_paths(document.get("paths", {}))
        for path, item in paths.items():
            if path in merged["paths"]:
                raise ValueError(f"path {path} is served by two services")
            for method, operation in item.items():
                if method not in HTTP_METHODS or not isinstance(operation, dict):
                    continue
                operation_id = operation.get("operationId")
                if operation_id is not None:
                    if operation_id in operation_ids:
                        operation_id = operation["operationId"] = f"{service}_{operation_id}"
                    operation_ids.add(operation_id)
                _document_gateway_answers(operation)
            merged["paths"][path] = item
        used_tags = {
            tag
            for item in paths.values()
            for operation in item.values()
            if isinstance(operation, dict)
            for tag in operation.get("tags", [])
        }
        group_tags: list[str] = []
        for tag in document.get("tags", []):
            if tag["name"] not in used_tags:
                continue
            if tag["name"] not in seen_tags:
                seen_tags.add(tag["name"])
                merged["tags"].append(_service_tag(service, tag))
            group_tags.append(tag["name"])
        for item in paths.values():
            for operation in item.values():
                for tag in operation.get("tags", []) if isinstance(operation, dict) else []:
                    if tag not in group_tags:
                        group_tags.append(tag)
                    if tag not in seen_tags:
                        seen_tags.add(tag)
                        merged["tags"].append(_service_tag(service, {"name": tag}))
        merged["x-tagGroups"].append({"name": service, "tags": group_tags})
    for name, schema in schemas.items():
        schema["title"] = name
    return document_error_examples(merged)
