"""Prometheus metrics at ``/metrics`` on every process (prometheus-client's exposition).

Each app has its own registry (tests build many apps in one process; a global registry
would refuse the second). Requests are labelled by the route *template*
(``/v1/clients/accounts/{account_id}``), never the raw path, so the number of series stays
bounded whatever the callers send. Gauges that need the database (pool usage, outbox
backlog) are read when Prometheus scrapes, by async hooks, not kept up to date on the
request path. Upstream errors are counted per process, where the HTTP clients live.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.telemetry import TelemetryConfig
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.gc_collector import GCCollector
from prometheus_client.platform_collector import PlatformCollector
from prometheus_client.process_collector import ProcessCollector
from sqlalchemy import Table, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

METRICS_PATH = "/metrics"
NO_NATIVE_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""``FastAPI(telemetry=…)``: our metrics are these; FastAPI's own OpenTelemetry hooks would
otherwise ask the global providers on every request (about 5 % of the gateway's CPU)."""
UNMATCHED_ROUTE = "<unmatched>"
"""The route label of a request no route matched (a 404 for an unknown path)."""
ROUTE_OVERRIDE_KEY = "metrics_route"
"""``scope["state"][ROUTE_OVERRIDE_KEY]``: a route label set by the handler (the gateway's
proxy names the upstream, since its one catch-all route says nothing)."""

# Seconds; API answers are expected in tens of milliseconds, exports and slow upstreams
# in seconds.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

# Per process: the service clients and the gateway's proxy count what their upstreams do
# wrong, wherever they were created. Exposed by every app's /metrics.
UPSTREAM_REGISTRY = CollectorRegistry(auto_describe=True)
UPSTREAM_ERRORS = Counter(
    "kam_upstream_errors_total",
    "Failed calls to another service, by upstream and kind "
    "(timeout, unreachable, bad_status, broken).",
    ["upstream", "kind"],
    registry=UPSTREAM_REGISTRY,
)

ScrapeHook = Callable[[], Awaitable[None]]


def count_upstream_error(upstream: str, kind: str) -> None:
    """Count one failed call to ``upstream`` (``kind``: timeout, unreachable, bad_status…)."""
    UPSTREAM_ERRORS.labels(upstream=upstream, kind=kind).inc()


class ServiceMetrics:
    """The metrics of one app: request counts and latency, and gauges read at scrape time."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        self.requests = Counter(
            "kam_http_requests_total",
            "HTTP requests answered, by method, route template and status.",
            ["service", "method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "kam_http_request_duration_seconds",
            "Time to answer an HTTP request (until the last body byte), by route template.",
            ["service", "method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "kam_http_requests_in_flight",
            "Requests being answered right now.",
            ["service"],
            registry=self.registry,
        )
        self.db_pool = Gauge(
            "kam_db_pool_connections",
            "Database pool connections by state (checked_out, idle, overflow) and its size.",
            ["service", "state"],
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "kam_outbox_pending_messages",
            "Outbox messages not delivered yet, by destination.",
            ["service", "destination"],
            registry=self.registry,
        )
        self.outbox_oldest = Gauge(
            "kam_outbox_oldest_pending_age_seconds",
            "Age of the oldest undelivered outbox message (0 when none).",
            ["service"],
            registry=self.registry,
        )
        self._hooks: list[ScrapeHook] = []
        self.requests_in_flight = self.in_flight.labels(service)
        # The labelled children by (method, route, status): ``labels()`` costs a lock and
        # a lookup per call, a tenth of a fast read's CPU.
        self._answered: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def add_scrape_hook(self, hook: ScrapeHook) -> None:
        """Run ``hook`` before each scrape (it sets gauges; a failure is not fatal)."""
        self._hooks.append(hook)

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Record one answered request."""
        key = (method, route, status)
        children = self._answered.get(key)
        if children is None:
            children = (
                self.requests.labels(self.service, method, route, str(status)),
                self.latency.labels(self.service, method, route),
            )
            self._answered[key] = children
        children[0].inc()
        children[1].observe(seconds)

    def watch_pool(self, engine: AsyncEngine) -> None:
        """Report ``engine``'s pool at each scrape."""

        async def read_pool() -> None:
            pool: Any = engine.pool
            if not hasattr(pool, "checkedout"):
                return  # NullPool and the like keep no connections
            self.db_pool.labels(self.service, "size").set(pool.size())
            self.db_pool.labels(self.service, "checked_out").set(pool.checkedout())
            self.db_pool.labels(self.service, "idle").set(pool.checkedin())
            self.db_pool.labels(self.service, "overflow").set(max(pool.overflow(), 0))

        self.add_scrape_hook(read_pool)

    def watch_outbox(self, engine_of: Callable[[], AsyncEngine], table: Table) -> None:
        """Count ``table``'s pending messages at each scrape (one small indexed query)."""

        async def read_outbox() -> None:
            pending = table.c.status == "pending"
            query = (
                select(table.c.destination, func.count(), func.min(table.c.created_at))
                .where(pending)
                .group_by(table.c.destination)
            )
            async with engine_of().connect() as connection:
                rows = (await connection.execute(query)).all()
                now = (await connection.execute(select(func.now()))).scalar_one()
            self.outbox_pending.clear()
            oldest = 0.0
            for destination, count, created in rows:
                self.outbox_pending.labels(self.service, destination).set(count)
                oldest = max(oldest, (now - created).total_seconds())
            self.outbox_oldest.labels(self.service).set(oldest)

        self.add_scrape_hook(read_outbox)

    async def exposition(self) -> bytes:
        """The text Prometheus scrapes: this app's series and the process's upstream errors."""
        for hook in self._hooks:
            try:
                await hook()
            except Exception:  # noqa: S112 - a scrape must answer even when the DB does not
                continue
        return generate_latest(self.registry) + generate_latest(UPSTREAM_REGISTRY)


def route_label(scope: Scope) -> str:
    """The route template that served ``scope`` (bounded), never the raw path."""
    override = scope.get("state", {}).get(ROUTE_OVERRIDE_KEY)
    if override:
        return str(override)
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED_ROUTE


class MetricsMiddleware:
    """Pure ASGI middleware counting each HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started is a 500 to the caller

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        in_flight = self.metrics.requests_in_flight
        in_flight.inc()
        try:
            await self.app(scope, receive, send_with_status)
        finally:
            in_flight.dec()
            self.metrics.observe(
                scope["method"], route_label(scope), status, time.perf_counter() - started
            )


def install_metrics(app: FastAPI, service: str) -> ServiceMetrics:
    """Add the middleware and ``GET /metrics`` (outside the contract, like the probes)."""
    metrics = ServiceMetrics(service)
    app.state.metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    router = APIRouter(tags=["health"])

    @router.get(METRICS_PATH, include_in_schema=False)
    async def prometheus_metrics(request: Request) -> Response:
        body = await request.app.state.metrics.exposition()
        return Response(body, media_type=CONTENT_TYPE_LATEST)

    app.include_router(router)
    return metrics
