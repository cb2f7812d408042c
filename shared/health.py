"""``/healthz`` (the process is alive) and ``/readyz`` (database reachable, schema at this
build's head or ahead of it)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from shared.migrations import VERSION_TABLE


class Health(BaseModel):
    """Liveness answer."""

    status: Literal["ok"] = "ok"
    service: str


class Readiness(BaseModel):
    """Readiness answer: each check and the overall verdict."""

    status: Literal["ready", "not_ready"]
    service: str
    checks: dict[str, str]


def migration_check(
    revision: str | None, expected: str | None, older: frozenset[str] = frozenset()
) -> str:
    """ "ok" when the schema is at this build's head, or ahead of it: a revision this build
    does not know comes from a newer release whose migration ran before its rollout
    (migrations are backward compatible, so old pods stay ready during a rolling update).
    Behind (a known older revision, or none) is not ready: migrations are pending."""
    if revision == expected:
        return "ok"
    if revision is not None and revision not in older:
        return "ok"
    return f"at {revision}, want {expected}"


def health_router(
    service: str,
    schema: str,
    expected_revision: str | None,
    older_revisions: frozenset[str] = frozenset(),
) -> APIRouter:
    """Probes for one service. They are not part of the ``/v1`` contract."""
    router = APIRouter(tags=["health"])

    @router.get("/healthz", response_model=Health, include_in_schema=False)
    async def healthz() -> Health:
        return Health(service=service)

    @router.get("/readyz", response_model=Readiness, include_in_schema=False)
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        try:
            async with request.app.state.engine.connect() as conn:
                revision = (
                    await conn.execute(
                        text(f'SELECT version_num FROM "{schema}".{VERSION_TABLE}')  # noqa: S608
                    )
                ).scalar_one_or_none()
            checks["database"] = "ok"
            checks["migrations"] = migration_check(revision, expected_revision, older_revisions)
        except (SQLAlchemyError, OSError) as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        ready = all(value == "ok" for value in checks.values()) and "migrations" in checks
        body = Readiness(status="ready" if ready else "not_ready", service=service, checks=checks)
        return JSONResponse(body.model_dump(), status_code=200 if ready else 503)

    return router
