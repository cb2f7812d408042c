"""One error hierarchy, rendered everywhere as RFC 9457 ``application/problem+json``.

Domain code raises :class:`DomainError` subclasses; the handlers installed by
:func:`install_error_handlers` turn them, validation failures, unknown routes and
unexpected exceptions into problem documents carrying the request id. A 500 never shows
internals; neither does the 503 of a lost database connection, which a retry fixes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from http import HTTPStatus
from typing import Any, ClassVar, Final

import asyncpg
import sqlalchemy.exc
import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.request_id import current_request_id

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_TYPE_PREFIX = "urn:kam:problem:"

log = structlog.get_logger(__name__)


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
    status, slug = 412, "precondition-failed"


class PayloadTooLarge(DomainError):
    status, slug = 413, "payload-too-large"


class UnprocessableContent(DomainError):
    status, slug = 422, "unprocessable-content"


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
    """Build a problem document as a plain dict (also used by the gateway, without FastAPI)."""
    try:
        title = HTTPStatus(status).phrase
    except ValueError:
        title = "Error"
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + (slug or _SLUG_BY_STATUS.get(status, "error")),
        "title": title,
        "status": status,
    }
    if detail is not None:
        body["detail"] = detail
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
    """A JSONResponse with the problem media type."""
    return JSONResponse(
        problem_body(status, **kwargs),
        status_code=status,
        media_type=PROBLEM_CONTENT_TYPE,
        headers=dict(headers) if headers else None,
    )


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"loc": list(err.get("loc", ())), "msg": str(err.get("msg", "")), "type": err.get("type")}
        for err in exc.errors()
    ]


UNDECODABLE_BODY = "There was an error parsing the body"


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path, for a 405's ``Allow`` header.

    Starlette names only the methods of the first route whose path matched, so a path with
    a GET and a PATCH route answered ``Allow: GET`` to a DELETE.
    """
    from shared.auth.policy import api_routes  # policies raise these errors: import late

    methods: set[str] = set()
    for route in api_routes(request.app):
        if route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return ", ".join(sorted(methods))


DATABASE_RETRY_AFTER: Final = "1"
CONNECTION_LOST_DETAIL: Final = "the database connection was lost; retry the request"
POOL_EXHAUSTED_DETAIL: Final = "no database connection was free in time; retry the request"
DRIVER_MODULES: Final = frozenset({"asyncpg", "sqlalchemy"})

SERVER_GONE: Final = (
    # Class 08 but not all of it: a protocol violation (08P01) is a bad statement.
    asyncpg.exceptions.ConnectionDoesNotExistError,  # 08003, closed mid-operation
    asyncpg.exceptions.ConnectionFailureError,  # 08006
    asyncpg.exceptions.ClientCannotConnectError,  # 08001
    asyncpg.exceptions.AdminShutdownError,  # 57P01: pg_terminate_backend, a fast shutdown
    asyncpg.exceptions.CrashShutdownError,  # 57P02
    asyncpg.exceptions.CannotConnectNowError,  # 57P03: starting up or shutting down
)
"""Driver errors that say the server ended the connection (or would not take one)."""


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc`` and what it was raised from, outermost first: SQLAlchemy wraps the
    dialect's error (``orig``), which is raised from asyncpg's own."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        orig = current.orig if isinstance(current, sqlalchemy.exc.DBAPIError) else None
        current = orig if orig is not None else current.__cause__


def _raised_in_driver(exc: BaseException) -> bool:
    """Whether the traceback of ``exc`` passes through asyncpg or SQLAlchemy (an
    ``OSError`` elsewhere, a file or a socket of our own, is not the database's)."""
    frame = exc.__traceback__
    while frame is not None:
        module = str(frame.tb_frame.f_globals.get("__name__", ""))
        if module.partition(".")[0] in DRIVER_MODULES:
            return True
        frame = frame.tb_next
    return False


def _connection_gone(exc: BaseException, *, from_driver: bool) -> bool:
    if isinstance(exc, SERVER_GONE):
        return True
    if isinstance(exc, asyncpg.exceptions.InterfaceError):
        message = str(exc).lower()
        return "connection" in message and "closed" in message
    return from_driver and isinstance(exc, OSError)  # reset, refused, broken pipe …


def database_unavailable(exc: BaseException) -> str | None:
    """Why ``exc`` means the database could not be used for this request, as the detail to
    answer with (503), or None when it is some other error.

    That is: a connection SQLAlchemy invalidated as a disconnect, asyncpg finding its
    connection closed or the server ending it (terminated backend, restart, failover), an
    ``OSError`` out of the driver (connection reset or refused), and the pool giving no
    connection within its timeout. A constraint violation or a bad statement is not: it
    would fail the same way again.
    """
    if isinstance(exc, sqlalchemy.exc.TimeoutError):
        return POOL_EXHAUSTED_DETAIL
    if isinstance(exc, sqlalchemy.exc.DBAPIError) and exc.connection_invalidated:
        return CONNECTION_LOST_DETAIL
    from_driver = isinstance(exc, sqlalchemy.exc.DBAPIError) or _raised_in_driver(exc)
    if any(_connection_gone(cause, from_driver=from_driver) for cause in _causes(exc)):
        return CONNECTION_LOST_DETAIL
    return None


DATABASE_ERRORS: Final = (
    sqlalchemy.exc.DBAPIError,
    sqlalchemy.exc.TimeoutError,
    asyncpg.exceptions.PostgresError,
    asyncpg.exceptions.InterfaceError,
    OSError,
)
"""The exception classes :func:`database_unavailable` may say yes to."""


def install_error_handlers(app: FastAPI) -> None:
    """Render every error of ``app`` as problem+json (a lost database connection as a
    503 the caller may retry)."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        headers = exc.extra.pop("headers", None)
        return problem_response(
            exc.status,
            headers=headers,
            slug=exc.slug,
            detail=exc.detail,
            instance=request.url.path,
            extra=exc.extra,
        )

    async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(
            422,
            slug="validation-error",
            detail="The request does not validate; see errors.",
            instance=request.url.path,
            errors=_field_errors(exc),
        )

    async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        detail = exc.detail if isinstance(exc.detail, str) else None
        if exc.status_code == 400 and detail == UNDECODABLE_BODY:
            # FastAPI's answer to a body that is not even text (bytes that are not UTF-8);
            # malformed JSON is a 422 with a location, and so is this.
            return problem_response(
                422,
                slug="validation-error",
                detail="The request does not validate; see errors.",
                instance=request.url.path,
                errors=[{"loc": ["body"], "msg": "the body is not UTF-8 JSON",
                         "type": "json_invalid"}],
            )  # fmt: skip
        headers = dict(exc.headers or {})
        if exc.status_code == 405:
            headers["Allow"] = allowed_methods(request) or headers.get("Allow", "")
        return problem_response(
            exc.status_code,
            headers=headers or None,
            detail=detail,
            instance=request.url.path,
        )

    async def on_database_error(request: Request, exc: Exception) -> JSONResponse:
        """A lost database connection answers 503 with ``Retry-After: 1``, logged as a
        warning; any other database error goes on to :func:`on_unexpected` (500).

        Engines run without a ping before each checkout (``shared.db.create_engine``), so
        after a database restart or failover the pool still holds connections to the old
        server: the first request to check one out fails here (with the requests in flight
        when it went down), SQLAlchemy then invalidates every connection of the pool made
        before, and the retry gets a fresh one. This 503 is what a caller sees once after
        a restart, and retrying is the right answer to it.
        """
        detail = database_unavailable(exc)
        if detail is None:
            raise exc  # to Starlette's outermost middleware: on_unexpected, a 500
        root = list(_causes(exc))[-1]
        log.warning(
            "database_unavailable",
            path=request.url.path,
            error=type(exc).__name__,
            cause=type(root).__name__,
            message=str(root)[:200],
        )
        return problem_response(
            503,
            headers={"Retry-After": DATABASE_RETRY_AFTER},
            slug="database-unavailable",
            detail=detail,
            instance=request.url.path,
        )

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # Runs in Starlette's outermost middleware, after the request-id middleware has
        # finished: take the id from the scope and put the header back ourselves.
        request_id = request.scope.get("state", {}).get("request_id")
        log.error("unhandled_error", path=request.url.path, request_id=request_id, exc_info=exc)
        return problem_response(
            500,
            headers={"X-Request-ID": request_id} if request_id else None,
            slug="internal-error",
            detail="Internal error.",
            instance=request.url.path,
            extra={"request_id": request_id},
        )

    app.add_exception_handler(DomainError, on_domain_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    for database_error in DATABASE_ERRORS:
        app.add_exception_handler(database_error, on_database_error)
    app.add_exception_handler(Exception, on_unexpected)


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
