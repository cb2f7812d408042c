"""What a service's OpenAPI document says beyond what FastAPI derives from the routes.

- Headers the server enforces are ``required``: ``If-Match`` (shared.concurrency answers
  428 without it) and ``Idempotency-Key`` where the route's :class:`Idempotency` requires it.
- Response headers a route sets are declared with :func:`answer_headers` (``ETag``,
  ``Location``), so generated clients can read them.
- A read answering with an ``ETag`` takes ``If-None-Match`` and may answer 304 without a
  body (shared.conditional_get does it for every route): both are declared on it.
- The ``Problem`` schema declares every extension member the product sends
  (:data:`PROBLEM_EXTENSIONS`; tests/contract checks the code sends no other).
- Every component schema's ``title`` is its component name: generators name models by
  title, and two titles alike (``Page[X]`` in two services) collide.
- Operations only our services call say so (:data:`SERVICE_ONLY`); the gateway leaves them
  out of the public merged document.
- Operations taking a file upload say so (:data:`UPLOAD`); the gateway gives them a larger
  body limit.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator, Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import TypeAdapter

from shared.conditional_get import MAX_IF_NONE_MATCH
from shared.idempotency import HEADER as IDEMPOTENCY_HEADER
from shared.idempotency import Idempotency
from shared.labels import document_enum_labels
from shared.references import annotate_references
from shared.routes import api_routes

REF_PREFIX = "#/components/schemas/"
AUDIENCE = "x-kam-audience"
SERVICE_ONLY: dict[str, Any] = {AUDIENCE: "services"}
"""``openapi_extra`` of a route only our services call (served, but not in the public docs)."""

BODY_KIND = "x-kam-body"
UPLOAD: dict[str, Any] = {BODY_KIND: "upload"}
"""``openapi_extra`` of a route taking a file upload: the gateway reads this mark from the
service's contract and lets the body grow to ``GATEWAY_UPLOAD_MAX_BYTES`` instead of
``KAM_MAX_BODY_BYTES`` (gateway/body_limits.py); the route enforces its own file limit."""

ETAG_HEADER: dict[str, Any] = {
    "description": 'The record\'s version as a strong ETag (e.g. `"3"`); send it back in '
    "`If-Match` to change the record.",
    "schema": {"type": "string", "pattern": '^"[0-9]+"$'},
}
LOCATION_HEADER: dict[str, Any] = {
    "description": "The path of the created (or accepted) resource.",
    "schema": {"type": "string"},
}

IF_NONE_MATCH_PARAMETER: dict[str, Any] = {
    "name": "If-None-Match",
    "in": "header",
    "required": False,
    "description": "ETags of the copies the caller holds (or `*`): when the record's current "
    "ETag is one of them, the answer is a 304 without a body.",
    "schema": {"type": "string", "maxLength": MAX_IF_NONE_MATCH},
}
TOO_LONG_IF_NONE_MATCH: dict[str, Any] = {
    "description": "Bad Request",
    "content": {
        "application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"},
            "example": {
                "type": "urn:kam:problem:bad-request",
                "title": "Bad Request",
                "status": 400,
                "detail": f"If-None-Match may have at most {MAX_IF_NONE_MATCH} characters",
                "request_id": "4f1c2a9e0b7d4d4c9c1e6f0a2b3c4d5e",
            },
        }
    },
}
NOT_MODIFIED_RESPONSE: dict[str, Any] = {
    "description": "Not Modified: the caller's copy (`If-None-Match`) is current; no body.",
    "headers": {"ETag": ETAG_HEADER},
}

_STRING = {"type": "string"}
_STRINGS = {"type": "array", "items": _STRING}
_IDS = {"type": "array", "items": {"type": "integer"}}
_ANY = {"description": "Depends on the error; see its detail."}
PROBLEM_EXTENSIONS: dict[str, dict[str, Any]] = {
    # state of the record a conflict was found in
    "current_status": {**_STRING, "description": "The record's status now (a 409)."},
    "current_etag": {**_STRING, "description": "The record's ETag now (a 412)."},
    "allowed": {**_STRINGS, "description": "The statuses or moves allowed from here."},
    "state": {**_STRING, "description": "The approval request's state now."},
    "approval_request_id": {"type": "integer", "description": "The approval request made."},
    "ownership_dispute_id": {"type": "integer", "description": "The pending ownership dispute."},
    # what was missing, foreign or in the way
    "missing": {**_STRINGS, "description": "What must be supplied first."},
    "missing_account_ids": _IDS,
    "missing_indicator_ids": _IDS,
    "foreign_account_ids": _IDS,
    "employee_ids": _IDS,
    "team_ids": _IDS,
    "employee_id": {"type": "integer"},
    "account_id": {"type": "integer"},
    "handler_id": {"type": "integer"},
    "renewal_id": {"type": "integer"},
    "successor_employee_id": {"type": "integer"},
    "successor_status": _STRING,
    "conflicting_stand_in_id": {"type": "integer"},
    "conflicting_template_id": {"type": "integer"},
    "draft_template_id": {"type": "integer"},
    "item_keys": _STRINGS,
    "open_version_no": {"type": "integer"},
    "in_force_version_no": {"type": "integer"},
    "your_position_code": {"anyOf": [_STRING, {"type": "null"}]},
    "approver_codes": _STRINGS,
    "cycle": _STRINGS,
    "open_opportunities": {"type": "integer", "description": "Open opportunities in the stage."},
    "result": {**_STRING, "description": "The bid's result already recorded."},
    "unknown_columns": {**_STRINGS, "description": "Spreadsheet columns not understood."},
    # likely duplicates of a record being created (409 possible-duplicate)
    "duplicates": {
        "type": "array",
        "items": _ANY,
        "description": "Records alike the one sent that you may see: account_id, "
        "legal_name and score (0–100), best first.",
    },
    "hidden_duplicates": {
        "type": "integer",
        "description": "Records alike the one sent that are outside your scope (only counted).",
    },
    # limits and refusals
    "reason": {**_STRING, "description": "Why, in words."},
    "refusal": _STRING,
    "max_delta": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
    "band_grade": _STRING,
    "currency": _STRING,
    "violations": {"type": "array", "items": _ANY},
    "invalid_rows": {"type": "array", "items": _ANY},
    # the ERP link's circuit breaker (503)
    "breaker": _STRING,
    "breaker_open_until": {"anyOf": [{**_STRING, "format": "date-time"}, {"type": "null"}]},
    "last_error": {"anyOf": [_STRING, {"type": "null"}]},
}
"""Extension members of problem documents (RFC 9457 §3.2), by name; ``errors`` and the
standard members are on the model itself (shared.errors.Problem)."""


def answer_headers(*statuses: int, etag: bool = False, location: bool = False) -> dict[str, Any]:
    """``openapi_extra`` declaring the headers a route's answers of ``statuses`` carry."""
    headers: dict[str, Any] = {}
    if etag:
        headers["ETag"] = ETAG_HEADER
    if location:
        headers["Location"] = LOCATION_HEADER
    return {"responses": {str(status): {"headers": headers} for status in statuses}}


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _requires_idempotency_key(route: APIRoute) -> bool:
    return any(
        isinstance(sub.call, Idempotency) and sub.call.required
        for sub in _dependencies(route.dependant)
    )


def _require_header(operation: dict[str, Any], name: str) -> None:
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header" and str(parameter.get("name")).lower() == name.lower():
            parameter["required"] = True
            schema = parameter.get("schema", {})
            variants = [v for v in schema.pop("anyOf", []) if v.get("type") != "null"]
            if len(variants) == 1:
                schema.update(variants[0])


def _conditional_read(operation: dict[str, Any], path: str) -> None:
    """A read whose 200 carries an ``ETag``: declare ``If-None-Match`` and its 304."""
    if "ETag" not in operation.get("responses", {}).get("200", {}).get("headers", {}):
        return
    parameters = operation.setdefault("parameters", [])
    if not any(str(p.get("name")).lower() == "if-none-match" for p in parameters):
        parameters.append(dict(IF_NONE_MATCH_PARAMETER))
    operation["responses"].setdefault("304", NOT_MODIFIED_RESPONSE)
    if "400" not in operation["responses"]:
        answer = copy.deepcopy(TOO_LONG_IF_NONE_MATCH)
        example = answer["content"]["application/problem+json"]["example"]
        example["instance"] = re.sub(r"\{[^}]+\}", "42", path)
        operation["responses"]["400"] = answer


def _titles_are_names(document: dict[str, Any]) -> None:
    for name, schema in document.get("components", {}).get("schemas", {}).items():
        if isinstance(schema, dict):
            schema["title"] = name


def shape_contract(app: FastAPI, document: dict[str, Any]) -> dict[str, Any]:
    """Apply the rules of this module to ``app``'s ``document``."""
    for route in api_routes(app):
        if not route.include_in_schema:
            continue
        item = document.get("paths", {}).get(route.path_format, {})
        for method in route.methods or ():
            operation = item.get(method.lower())
            if operation is None:
                continue
            _require_header(operation, "If-Match")
            if method == "GET":
                _conditional_read(operation, route.path_format)
            if _requires_idempotency_key(route):
                _require_header(operation, IDEMPOTENCY_HEADER)
    problem = document.get("components", {}).get("schemas", {}).get("Problem")
    if problem is not None:
        for name, schema in PROBLEM_EXTENSIONS.items():
            problem["properties"].setdefault(name, schema)
    _titles_are_names(document)
    return document


def document_shapes(app: FastAPI) -> None:
    """Post-process ``app``'s OpenAPI document with :func:`shape_contract` (once, cached)."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        app.openapi_schema = shape_contract(app, original())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_models(document: dict[str, Any], models: Mapping[str, TypeAdapter[Any]]) -> None:
    """Add each adapter's JSON schema (validation mode) as a component of that name, with
    the models it uses; a model already there must be the same schema."""
    schemas: dict[str, Any] = document.setdefault("components", {}).setdefault("schemas", {})
    for name, adapter in models.items():
        schema = adapter.json_schema(ref_template=REF_PREFIX + "{model}")
        for used, definition in {**schema.pop("$defs", {}), name: schema}.items():
            existing = schemas.setdefault(used, definition)
            if existing != definition:
                raise ValueError(f"two different schemas are named {used}")


def document_models(app: FastAPI, service: str, models: Mapping[str, TypeAdapter[Any]]) -> None:
    """Add ``models`` to ``app``'s OpenAPI components: bodies a route reads itself (to
    check a signature over the raw bytes first) and refers to by ``$ref``; their ids get
    their ``x-kam-ref`` like every other schema's."""
    original = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        document = original()
        add_models(document, models)
        document_enum_labels(document)  # the added models' enums get their labels too
        _titles_are_names(document)
        annotate_references(service, document)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]
