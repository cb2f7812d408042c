"""The gateway: one entry point that routes to the services and serves the merged contract."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import structlog
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from gateway.auth import GatewayAuth
from gateway.body_limits import BodyLimits
from gateway.dispatch import ProxyDispatch
from gateway.openapi_cache import MergedOpenAPI
from gateway.proxy import Proxy
from gateway.rate_limit import RateLimiter
from gateway.routing import Upstream, routing_table
from gateway.settings import GatewaySettings
from gateway.upstream import upstream_client
from shared.auth.jwks import RemoteJwks
from shared.auth.service_credentials import ServiceTokenProvider
from shared.auth.tokens import TokenVerifier
from shared.docs import install_offline_docs
from shared.error_handlers import install_error_handlers
from shared.languages import LanguageMiddleware
from shared.logging import configure_logging
from shared.metrics import NO_NATIVE_TELEMETRY, install_metrics
from shared.request_id import RequestIdMiddleware
from shared.service_app import freeze_startup_objects

log = structlog.get_logger(__name__)

PROXIED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


async def _upstream_ready(client: httpx.AsyncClient, upstream: Upstream) -> tuple[str, str]:
    try:
        response = await client.get(f"{upstream.base_url}/readyz", timeout=3.0)
    except httpx.HTTPError as exc:
        return upstream.name, f"unreachable: {type(exc).__name__}"
    return upstream.name, "ready" if response.status_code == 200 else "not_ready"


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    """Build the gateway app; the upstream client lives as long as the app."""
    settings = settings or GatewaySettings()
    configure_logging("gateway", settings.log_level, settings.log_json)
    table = routing_table(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        client = httpx.AsyncClient(
            timeout=httpx.Timeout(
                settings.upstream_timeout_seconds, connect=settings.connect_timeout_seconds
            ),
            limits=httpx.Limits(
                max_connections=settings.max_upstream_connections,
                max_keepalive_connections=settings.max_upstream_connections,
            ),
            follow_redirects=False,
        )
        jwks = RemoteJwks(settings.staff_url)
        service_token = ServiceTokenProvider(
            settings.staff_url, "gateway", settings.internal_secret
        )
        auth = GatewayAuth(
            TokenVerifier(jwks),
            client,
            settings.staff_url,
            service_token,
            settings.api_key_cache_seconds,
        )
        limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        # The hot path has its own client (aiohttp by default, chosen by measurement);
        # httpx above serves the cold calls (key checks, readiness, the merged contract).
        forwarder = upstream_client(
            settings.upstream_client,
            timeout_seconds=settings.upstream_timeout_seconds,
            connect_timeout_seconds=settings.connect_timeout_seconds,
            max_connections=settings.max_upstream_connections,
        )
        body_limits = BodyLimits(
            client,
            settings.max_body_bytes,
            settings.upload_max_bytes,
            settings.openapi_cache_seconds,
        )
        app.state.proxy = Proxy(table, forwarder, body_limits, auth, limiter)
        app.state.openapi = MergedOpenAPI(
            table, client, settings.openapi_cache_seconds, settings.public_url or "/"
        )
        app.state.client = client
        log.info("gateway_started", port=settings.port)
        freeze_startup_objects()
        try:
            yield
        finally:
            await forwarder.aclose()
            await client.aclose()
            await jwks.aclose()
            await service_token.aclose()

    app = FastAPI(
        title="KAM gateway",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        telemetry=NO_NATIVE_TELEMETRY,
    )
    app.add_middleware(ProxyDispatch, gateway=app, table=table, methods=PROXIED_METHODS)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=PROXIED_METHODS,
            allow_headers=["Authorization", "Content-Type", "If-Match", "If-None-Match",
                           "Idempotency-Key", "X-Request-ID", "Accept-Language"],
            expose_headers=["ETag", "Location", "X-Request-ID", "Retry-After",
                            "Content-Language", "Idempotent-Replayed"],
        )  # fmt: skip
    app.add_middleware(LanguageMiddleware)
    app.add_middleware(RequestIdMiddleware)
    install_metrics(app, "gateway")  # before the catch-all route, like the probes
    install_error_handlers(app)
    install_offline_docs(app, title="KAM API")

    @app.get("/openapi.json", include_in_schema=False)
    async def openapi() -> dict[str, Any]:
        document: dict[str, Any] = await app.state.openapi.document()
        return document

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "service": "gateway"}

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        results = await asyncio.gather(
            *(_upstream_ready(app.state.client, u) for u in table.upstreams)
        )
        upstreams = dict(results)
        ready = all(state == "ready" for state in upstreams.values())
        return JSONResponse(
            {"status": "ready" if ready else "not_ready", "upstreams": upstreams},
            status_code=200 if ready else 503,
        )

    async def forward(request: Any) -> Any:
        # ProxyDispatch serves the paths of the services; this answers the rest (a 404).
        return await app.state.proxy(request)

    app.add_route("/{path:path}", forward, methods=PROXIED_METHODS, include_in_schema=False)
    return app
