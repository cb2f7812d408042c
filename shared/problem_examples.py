"""Error examples that belong to their operation, written into the OpenAPI document.

Each documented 4xx/5xx answer of an operation gets one example built from the operation
itself: its path (with example ids), the record its path names, a field of its body, and
the problem type of the cause (shared/problem_types.py), so Swagger UI shows "ticket 42
does not exist" under the ticket routes rather than one example for every route.
"""

from __future__ import annotations

import re
from typing import Any

from shared.problem_types import PROBLEM_TYPE_PREFIX, problem_type

ERROR_MEDIA_TYPE = "application/problem+json"
_PARAMETER = re.compile(r"\{([^}]+)\}")
EXAMPLE_REQUEST_ID = "4f1c2a9e0b7d4d4c9c1e6f0a2b3c4d5e"


def _entity(path: str) -> str:
    """The record a path is about: its last id parameter (``{ticket_id}`` → ticket), else
    the collection's last word, singular."""
    names = [name for name in _PARAMETER.findall(path) if name.endswith("_id")]
    if names:
        return str(names[-1]).removesuffix("_id").replace("_", " ")
    words = [part for part in path.split("/") if part and not part.startswith("{")]
    last = (words[-1] if words else "record").replace("-", " ")
    return last[:-1] if last.endswith("s") and not last.endswith("ss") else last


def _filled(path: str) -> str:
    return _PARAMETER.sub(lambda m: "42" if m.group(1).endswith("_id") else "1", path)


def _is_action(method: str, path: str) -> bool:
    """A POST on an existing record (``…/{id}/close``) rather than a create."""
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return method == "post" and "{" in path and not last.startswith("{") and "_id}" in path


def _body_field(document: dict[str, Any], operation: dict[str, Any]) -> str | None:
    content: dict[str, Any] = operation.get("requestBody", {}).get("content", {})
    first: dict[str, Any] = next(iter(content.values())) if content else {}
    schema: dict[str, Any] = first.get("schema", {})
    ref = str(schema.get("$ref", ""))
    if ref.startswith("#/components/schemas/"):
        components: dict[str, Any] = document.get("components", {}).get("schemas", {})
        schema = components.get(ref.rsplit("/", 1)[-1]) or {}
    fields = list(schema.get("required", [])) or list(schema.get("properties", {}))
    return str(fields[0]) if fields else None


def _cause(status: str, method: str, path: str, entity: str,
           field: str | None) -> tuple[str, str, dict[str, Any]]:  # fmt: skip
    """(slug, detail, extension members) of the example for one status of an operation."""
    if status == "400":
        return "bad-request", 'If-Match must be the ETag of your last read of the record, ' \
            'quoted, e.g. "3"', {}  # fmt: skip
    if status == "401":
        return "unauthorized", "authentication required: send a bearer token", {}
    if status == "403":
        return "forbidden", "your role does not allow this operation", {}
    if status == "404":
        return "not-found", f"{entity} 42 does not exist", {}
    if status == "409":
        if _is_action(method, path):
            action = path.rstrip("/").rsplit("/", 1)[-1].replace("-", " ")
            return (
                "invalid-transition",
                f"{entity} 42 is closed; it cannot {action}",
                {"current_status": "closed"},
            )
        if method == "post":
            return "duplicate", f"a {entity} with the same key already exists", {}
        return "invalid-transition", f"{entity} 42 is closed; it cannot change", {}
    if status == "412":
        return (
            "stale-etag",
            ("the record changed since you read it; reload it and apply your change again"),
            {"current_etag": '"4"'},
        )
    if status == "413":
        return "payload-too-large", "the body is larger than the limit", {}
    if status == "415":
        return "unsupported-media-type", "send one of the documented media types", {}
    if status == "422":
        loc = ["body", field] if field else ["query", "limit"]
        return (
            "validation-error",
            "The request does not validate; see errors.",
            {"errors": [{"loc": loc, "msg": "Field required", "type": "missing"}]},
        )
    if status == "425":
        return "too-early", "the close arrived before its work item; retry", {}
    if status == "428":
        return (
            "precondition-required",
            ("this update needs an If-Match header with the record's ETag"),
            {},
        )
    if status == "429":
        return "too-many-requests", "too many requests; slow down", {}
    if status == "502":
        return "bad-gateway", "the ERP failed to answer", {}
    if status == "503":
        return "service-unavailable", "the staff service is unavailable", {}
    if status == "504":
        return "gateway-timeout", "the staff service did not answer in time", {}
    if status == "500":
        return "internal-error", "Internal error.", {}
    return "error", "The request failed.", {}


def error_example(document: dict[str, Any], path: str, method: str, status: str,
                  operation: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
    """The problem document one error answer of one operation shows as its example."""
    slug, detail, extra = _cause(
        status, method, path, _entity(path), _body_field(document, operation)
    )
    entry = problem_type(slug)
    return {
        "type": PROBLEM_TYPE_PREFIX + slug,
        "title": entry.title_en if entry else "Error",
        "status": entry.status if entry else int(status),
        "detail": detail,
        "instance": _filled(path),
        "request_id": EXAMPLE_REQUEST_ID,
        **extra,
    }


def document_error_examples(document: dict[str, Any]) -> dict[str, Any]:
    """Give every documented problem answer of ``document`` its operation's example (kept
    where a route wrote its own)."""
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for status, answer in operation.get("responses", {}).items():
                media = answer.get("content", {}).get(ERROR_MEDIA_TYPE)
                if status[:1] not in {"4", "5"} or media is None or "examples" in media:
                    continue
                example = error_example(document, path, method, status, operation)
                media["example"] = example
    return document
