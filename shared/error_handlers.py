"""The handlers that render every error of an app as RFC 9457 problem+json.

Domain errors carry their status; validation failures become 422 with field errors;
unknown routes and methods get their Starlette status (a 405 with every allowed method);
a lost database connection is a 503 the caller may retry; anything else is a 500 that
never shows internals.
"""

from __future__ import annotations

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from shared.database_errors import (
    DATABASE_ERRORS,
    DATABASE_RETRY_AFTER,
    causes,
    database_unavailable,
)
from shared.errors import DomainError, problem_response
from shared.languages import current_language
from shared.messages import field_message, translate_detail
from shared.routes import api_routes

log = structlog.get_logger(__name__)


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    language = current_language()
    return [
        {
            "loc": list(err.get("loc", ())),
            "msg": field_message(
                str(err.get("type")), str(err.get("msg", "")), err.get("ctx"), language
            ),
            "type": err.get("type"),
        }
        for err in exc.errors()
    ]


UNDECODABLE_BODY = "There was an error parsing the body"


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path, for a 405's ``Allow`` header.

    Starlette names only the methods of the first route whose path matched, so a path with
    a GET and a PATCH route answered ``Allow: GET`` to a DELETE.
    """
    methods: set[str] = set()
    for route in api_routes(request.app):
        if route.methods and route.matches(request.scope)[0] != Match.NONE:
            methods |= route.methods
    return ", ".join(sorted(methods))


def install_error_handlers(app: FastAPI) -> None:
    """Render every error of ``app`` as problem+json (a lost database connection as a
    503 the caller may retry)."""

    async def on_domain_error(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DomainError)
        headers = exc.extra.pop("headers", None)
        language = current_language()
        errors = exc.extra.get("errors")
        if isinstance(errors, list) and language != "en":
            exc.extra["errors"] = [
                {**error, "msg": translate_detail(str(error.get("msg", "")), language)}
                if isinstance(error, dict) else error
                for error in errors
            ]  # fmt: skip
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
        root = list(causes(exc))[-1]
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
