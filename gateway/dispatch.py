"""Requests for a service's paths go from the middleware stack straight to the proxy."""

from __future__ import annotations

from collections.abc import Collection

from fastapi import FastAPI
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from gateway.routing import RoutingTable


class ProxyDispatch:
    """Pure ASGI, the innermost middleware: a request the routing table resolves is handed
    to ``app.state.proxy`` here, past Starlette's exception middleware, router and
    request/response wrapper, which are there for the gateway's own few routes (measured
    with py-spy under wrk: about a tenth of the gateway's CPU on a proxied read).

    Everything else goes on to the router: the probes, the contract, the docs, and the
    catch-all route whose proxy answers an unknown path with a 404. The proxy turns every
    failure it knows into problem+json itself; anything else propagates to the error
    middleware outside, as from a route.
    """

    def __init__(
        self, app: ASGIApp, *, gateway: FastAPI, table: RoutingTable, methods: Collection[str]
    ) -> None:
        self.app = app
        self.gateway = gateway
        self.table = table
        self.methods = frozenset(methods)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] in self.methods
            and self.table.resolve(scope["path"]) is not None
        ):
            response = await self.gateway.state.proxy(Request(scope, receive))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
