"""One error hierarchy, rendered everywhere as RFC 9457 ``application/problem+json``.

Domain code raises :class:`DomainError` subclasses; ``shared.error_handlers`` renders them,
validation failures, unknown routes and unexpected exceptions as problem documents
carrying the request id, and ``shared.database_errors`` tells a lost database connection
(503, retry) from any other database error. This module imports nothing of the product
but the request id, so every other module (auth, the HTTP client) may raise these errors.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from shared.languages import current_language
from shared.messages import title_for, translate_detail
from shared.problem_types import PROBLEM_TYPE_PREFIX
from shared.request_id import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"


class FieldError(BaseModel):
    """One invalid input field: where it is, what is wrong, a stable code."""

    loc: list[str | int] = Field(examples=[["body", "legal_name"]])
    msg: str = Field(examples=["Field required"])
    type: str = Field(examples=["missing"])


class Problem(BaseModel):
    """An RFC 9457 problem document."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "urn:kam:problem:not-found",
                    "title": "Not Found",
                    "status": 404,
                    "detail": "account 42 does not exist",
                    "instance": "/v1/clients/accounts/42",
                    "request_id": "4f1c2a9e0b7d4d4c9c1e6f0a2b3c4d5e",
                }
            ]
        },
    )

    type: str
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldError] | None = None


class DomainError(Exception):
    """Base of every error the product raises on purpose; the status is part of the class."""

    status: ClassVar[int] = 400
    slug: ClassVar[str] = "bad-request"

    def __init__(self, detail: str, *, extra: Mapping[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = dict(extra or {})


class BadRequest(DomainError):
    status, slug = 400, "bad-request"


class Unauthorized(DomainError):
    status, slug = 401, "unauthorized"


class Forbidden(DomainError):
    status, slug = 403, "forbidden"


class NotFound(DomainError):
    status, slug = 404, "not-found"


class Conflict(DomainError):
    status, slug = 409, "conflict"


class PreconditionFailed(DomainError):
    """The ``If-Match`` names an ETag the record no longer has (``current_etag`` says which)."""

    status, slug = 412, "stale-etag"


class PayloadTooLarge(DomainError):
    status, slug = 413, "payload-too-large"


class UnprocessableContent(DomainError):
    """Input that is well-formed but breaks a rule: the one validation type of the product
    (schema validation answers with it too)."""

    status, slug = 422, "validation-error"


class PreconditionRequired(DomainError):
    status, slug = 428, "precondition-required"


class TooManyRequests(DomainError):
    status, slug = 429, "too-many-requests"


class BadGateway(DomainError):
    status, slug = 502, "bad-gateway"


class ServiceUnavailable(DomainError):
    status, slug = 503, "service-unavailable"


class GatewayTimeout(DomainError):
    status, slug = 504, "gateway-timeout"


# The causes of a 409: one problem type each, so a client can tell them apart without
# reading the detail. Raise one of these, never a bare Conflict (tests/shared/test_problem_types).


class Duplicate(Conflict):
    """A record with the same unique key (code, number, reference, period) exists already."""

    slug = "duplicate"


class PossibleDuplicate(Conflict):
    """Records alike the one being created exist (a company's name written another way);
    ``duplicates`` lists those the caller sees, ``hidden_duplicates`` counts the others.
    Sending a reason (``duplicate_reason``) creates it anyway."""

    slug = "possible-duplicate"


class InvalidTransition(Conflict):
    """The record's state does not allow this step (``current_status``/``allowed`` may say
    which it is in and which steps it allows)."""

    slug = "invalid-transition"


class RecordClosed(Conflict):
    """The record (or the account it belongs to) is archived, cancelled or departed."""

    slug = "record-closed"


class UnmetPrerequisite(Conflict):
    """Something else must happen first (a rate posted, a review done, a version in force)."""

    slug = "unmet-prerequisite"


class HierarchyCycle(Conflict):
    """The change would make a hierarchy (departments, positions, managers, groups) a cycle."""

    slug = "hierarchy-cycle"


class LimitExceeded(Conflict):
    """The change would exceed a limit (a grade distribution, a credit limit)."""

    slug = "limit-exceeded"


class ConcurrentChange(Conflict):
    """Another request changed the same record at the same moment; reload and retry."""

    slug = "concurrent-change"


class DisputeOpen(Conflict):
    """An ownership dispute over the account is still pending (``ownership_dispute_id``);
    another claim waits for its decision."""

    slug = "dispute-open"


class InProgress(Conflict):
    """The same work is already running (an ERP sync round); retry when it is done."""

    slug = "in-progress"


_SLUG_BY_STATUS = {cls.status: cls.slug for cls in DomainError.__subclasses__()}
_SLUG_BY_STATUS.update({404: "not-found", 405: "method-not-allowed", 415: "unsupported-media-type"})


def problem_body(
    status: int,
    *,
    slug: str | None = None,
    detail: str | None = None,
    instance: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build a problem document as a plain dict (also used by the gateway, without FastAPI),
    its title and detail in the request's language (shared.languages)."""
    language = current_language()
    slug = slug or _SLUG_BY_STATUS.get(status, "error")
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + slug,
        "title": title_for(status, slug, language),
        "status": status,
    }
    if detail is not None:
        body["detail"] = translate_detail(detail, language)
    if instance is not None:
        body["instance"] = instance
    body["request_id"] = current_request_id()
    if errors is not None:
        body["errors"] = list(errors)
    if extra:
        body.update({k: v for k, v in extra.items() if k not in body or body[k] is None})
    return body


def problem_response(
    status: int, headers: Mapping[str, str] | None = None, **kwargs: Any
) -> JSONResponse:
    """A JSONResponse with the problem media type, saying its language."""
    return JSONResponse(
        problem_body(status, **kwargs),
        status_code=status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers={**(headers or {}), "Content-Language": current_language()},
    )


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """``responses=`` entries documenting problem+json answers for the given statuses."""
    documented: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        try:
            description = HTTPStatus(status).phrase
        except ValueError:
            description = "Error"
        documented[status] = {
            "model": Problem,
            "description": description,
            "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
        }
    return documented


COMMON_ERRORS: tuple[int, ...] = (422, 500)


def merge_responses(*groups: Iterable[int]) -> dict[int | str, dict[str, Any]]:
    """Problem responses for several status groups at once."""
    statuses = sorted({status for group in groups for status in group})
    return problem_responses(*statuses)
