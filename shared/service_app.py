"""The FastAPI app every service is built from: lifespan, middleware, errors, health."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from typing import Any

import structlog
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute

from shared.audit_log import AuditContextMiddleware
from shared.auth.jwks import RemoteJwks
from shared.auth.policy import document_policies
from shared.auth.principal import Principal
from shared.auth.revocation import TokenFloors, refreshed_floors, staff_token_floors
from shared.auth.service_credentials import ServiceTokenProvider
from shared.auth.tokens import TokenVerifier
from shared.conditional_get import ConditionalGet
from shared.contract_shape import document_shapes
from shared.db import create_engine, read_session_factory, session_factory, wait_for_database
from shared.docs import document_errors, install_offline_docs
from shared.error_handlers import install_error_handlers
from shared.health import health_router
from shared.http_client import ServiceClient
from shared.idempotency import IdempotencyKeyBase
from shared.idempotent_creations import IdempotentCreations, document_idempotent_creations
from shared.labels import install_enum_labels, labels_router, labels_tag
from shared.languages import LanguageMiddleware
from shared.logging import configure_logging
from shared.metrics import NO_NATIVE_TELEMETRY, install_metrics
from shared.migrations import head_revision, older_revisions
from shared.query_parameters import refuse_unknown_query
from shared.references import document_references
from shared.request_id import RequestIdMiddleware
from shared.row_reads import row_reader
from shared.settings import ServiceSettings
from shared.text_input import RefuseNulCharacters

log = structlog.get_logger(__name__)

Lifespan = Callable[[FastAPI], AbstractAsyncContextManager[None]]


def operation_id(route: APIRoute) -> str:
    """Stable operation ids: the endpoint's function name (``list_accounts``), unique in a
    service; the gateway's merge prefixes the few that two services share."""
    return route.name


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter],
    openapi_tags: list[dict[str, Any]] | None = None,
    extra_lifespan: Lifespan | None = None,
    lifespans: Sequence[Lifespan] = (),
    on_access_denied: Callable[[Request, Principal], Awaitable[None]] | None = None,
    idempotency_keys: type[IdempotencyKeyBase] | None = None,
) -> FastAPI:
    """Assemble a service. Nothing touches the network until the lifespan starts."""
    configure_logging(settings.service_name, settings.log_level, settings.log_json)
    expected_revision = head_revision(settings.service_name)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = settings.service_database_url()
        await wait_for_database(url, settings.db_connect_wait_seconds)
        engine = create_engine(
            url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pooler_mode=settings.db_pooler_mode,
            pre_ping=settings.db_pre_ping,
        )
        app.state.engine = engine
        app.state.metrics.watch_pool(engine)
        app.state.session_factory = session_factory(engine)
        app.state.read_session_factory = read_session_factory(engine, settings.db_pooler_mode)
        staff_url = getattr(settings, "staff_url", None)
        async with AsyncExitStack() as stack:
            await stack.enter_async_context(
                row_reader(app, url, settings.db_row_reader_size, settings.db_pooler_mode)
            )
            if staff_url:
                # Every service but staff verifies tokens with staff's published keys and
                # calls other services with a service credential obtained from staff.
                jwks = RemoteJwks(staff_url)
                stack.push_async_callback(jwks.aclose)
                app.state.token_verifier = TokenVerifier(jwks)
                provider = ServiceTokenProvider(
                    staff_url, settings.service_name, settings.internal_secret
                )
                stack.push_async_callback(provider.aclose)
                app.state.service_token = provider
                staff = ServiceClient(
                    "staff", staff_url, timeout_seconds=3.0, retries=0, token_source=provider
                )
                stack.push_async_callback(staff.aclose)
                await stack.enter_async_context(
                    refreshed_floors(
                        app.state.token_floors,
                        staff_token_floors(staff),
                        settings.token_floor_refresh_seconds,
                    )
                )
            for extra in (*([extra_lifespan] if extra_lifespan else []), *lifespans):
                await stack.enter_async_context(extra(app))
            log.info("service_started", port=settings.port)
            freeze_startup_objects()
            try:
                yield
            finally:
                await engine.dispose()
                log.info("service_stopped")

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        generate_unique_id_function=operation_id,
        telemetry=NO_NATIVE_TELEMETRY,
        openapi_tags=[*(openapi_tags or []), labels_tag(settings.service_name)],
        dependencies=[Depends(refuse_unknown_query)],
        docs_url=None,
        redoc_url=None,
    )
    install_offline_docs(app, title=title)
    app.state.settings = settings
    app.state.token_floors = TokenFloors()
    app.state.on_access_denied = on_access_denied  # the service's audit of refusals
    install_request_middleware(app, idempotency_keys)
    install_metrics(app, settings.service_name)
    document_policies(app)
    if idempotency_keys is not None:
        document_idempotent_creations(app)
    install_enum_labels(app)
    document_errors(app)
    document_shapes(app)
    document_references(app, settings.service_name)
    install_error_handlers(app)
    app.include_router(
        health_router(
            settings.service_name,
            settings.db_schema,
            expected_revision,
            older_revisions(settings.service_name),
        )
    )
    for router in (*routers, labels_router(settings.service_name)):
        app.include_router(router)
    return app


def install_request_middleware(
    app: FastAPI, idempotency_keys: type[IdempotencyKeyBase] | None
) -> None:
    """The middleware of every service, outermost last."""
    if idempotency_keys is not None:
        # Innermost: the request id, language and audit context are bound when it answers.
        app.add_middleware(IdempotentCreations, model=idempotency_keys)
    app.add_middleware(ConditionalGet)
    app.add_middleware(AuditContextMiddleware)
    app.add_middleware(RefuseNulCharacters)  # inside the request id: its 422 carries one
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(RequestIdMiddleware)


def freeze_startup_objects() -> None:
    """Move everything alive after start-up out of the garbage collector's sight.

    The app's modules, routes, models and pools live as long as the process; without this,
    every full collection walks them all again, in the middle of some request (gc.freeze).
    """
    gc.collect()
    gc.freeze()
