"""Forwarding one request to its service, streaming both ways.

Method, path, query, headers, body and status pass through; hop-by-hop headers are
dropped; failures of the upstream become problem+json (503 unreachable, 504 too slow,
502 broken answer), always with the request id. The HTTP client is gateway/upstream.py's
(aiohttp by default, chosen by measurement).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable

import structlog
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.auth import GatewayAuth
from gateway.body_limits import BodyLimits
from gateway.rate_limit import RateLimiter
from gateway.routing import RoutingTable
from gateway.upstream import (
    RawHeaders,
    UpstreamBroken,
    UpstreamClient,
    UpstreamResponse,
    UpstreamTimeout,
    UpstreamUnreachable,
)
from shared.errors import DomainError, problem_response
from shared.metrics import ROUTE_OVERRIDE_KEY, count_upstream_error

log = structlog.get_logger(__name__)

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)


BUFFERED_BODY_BYTES = 64 * 1024
"""Answers up to this size (by their Content-Length) are relayed whole, larger ones and
those of unknown length (exports) streamed."""

# Response headers the gateway's own server sets (a relayed copy would be a second one).
ANSWERED_BY_THE_GATEWAY = frozenset({b"x-request-id", b"date", b"server"})

# Replaced by the verified credential (a key becomes the token minted for it).
CREDENTIAL_HEADERS = frozenset({"authorization", "x-api-key"})


class BodyTooLargeError(Exception):
    """The request body grew past the configured limit while streaming."""


def forwardable_headers(
    headers: Iterable[tuple[str, str]], connection: str | None
) -> list[tuple[str, str]]:
    """Headers minus hop-by-hop ones, including any the Connection header names."""
    named = {token.strip().lower() for token in (connection or "").split(",") if token.strip()}
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() not in named]


class LimitedBody:
    """The request body as a stream that fails once it exceeds ``limit`` bytes.

    When it passes ``limit``, ``larger`` (if given) is asked once for the route's own
    limit, which may be higher (an upload): a body of unknown length only looks the route
    up if it grows past the ordinary cap. ``exceeded`` says afterwards whether it did,
    whatever the HTTP client made of the exception (httpx passes it through, aiohttp wraps
    it in a connection error).
    """

    def __init__(
        self,
        request: Request,
        limit: int,
        larger: Callable[[], Awaitable[int]] | None = None,
    ) -> None:
        self.request = request
        self.limit = limit
        self.larger = larger
        self.exceeded = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        received = 0
        async for chunk in self.request.stream():
            received += len(chunk)
            if received > self.limit and self.larger is not None:
                self.limit, self.larger = await self.larger(), None
            if received > self.limit:
                self.exceeded = True
                raise BodyTooLargeError
            if chunk:
                yield chunk


def forwardable_raw_headers(headers: RawHeaders) -> RawHeaders:
    """Raw (lower-case) response headers minus hop-by-hop ones and those the gateway sets."""
    named: set[bytes] = set()
    for name, value in headers:
        if name == b"connection":
            named.update(t.strip().lower() for t in value.split(b",") if t.strip())
    return [
        (name, value)
        for name, value in headers
        if name.decode("latin-1") not in HOP_BY_HOP
        and name not in named
        and name not in ANSWERED_BY_THE_GATEWAY
    ]


def _relayed_headers(upstream_response: UpstreamResponse) -> RawHeaders:
    # Raw headers keep repeated ones (Set-Cookie, Link) that a dict would fold.
    raw_headers = forwardable_raw_headers(upstream_response.headers)
    if upstream_response.content_length is not None:
        raw_headers.append((b"content-length", str(upstream_response.content_length).encode()))
    return raw_headers


class Proxy:
    """Sends requests to the upstream the routing table names."""

    def __init__(
        self,
        table: RoutingTable,
        client: UpstreamClient,
        body_limits: BodyLimits,
        auth: GatewayAuth,
        limiter: RateLimiter,
    ) -> None:
        self.table = table
        self.client = client
        self.body_limits = body_limits
        self.max_body_bytes = body_limits.default_bytes
        self.auth = auth
        self.limiter = limiter

    async def __call__(self, request: Request) -> Response:
        path: str = request.scope["path"]  # what Starlette routes on (request.url costs more)
        upstream = self.table.resolve(path)
        if upstream is None:
            return problem_response(404, detail=f"no service serves {path}", instance=path)
        # One catch-all route serves every path: label the metrics by upstream instead.
        request.scope.setdefault("state", {})[ROUTE_OVERRIDE_KEY] = f"proxy:{upstream.name}"
        try:
            credential = await self.auth.credential(request)
        except DomainError as exc:
            return problem_response(
                exc.status,
                headers=exc.extra.get("headers"),
                slug=exc.slug,
                detail=exc.detail,
                instance=path,
            )
        if credential.principal is not None:
            wait = self.limiter.check(credential.principal.subject)
            if wait:
                return problem_response(
                    429,
                    headers={"Retry-After": self.limiter.retry_after_header(wait)},
                    detail="too many requests; slow down",
                    instance=path,
                )
        declared = request.headers.get("content-length")
        limit = self.max_body_bytes
        if declared is not None:
            if not declared.isdigit():
                return problem_response(400, detail="invalid Content-Length", instance=path)
            if int(declared) > limit:
                # Past the ordinary cap: only a route its contract marks as an upload may.
                limit = await self.body_limits.for_request(upstream, request.method, path)
                if int(declared) > limit:
                    return self._too_large(path, limit)
        headers = self._upstream_headers(request, credential.token)
        has_body = declared not in (None, "0") or "chunked" in request.headers.get(
            "transfer-encoding", ""
        )
        if has_body and declared is not None:
            headers.append(("content-length", declared))
        # The path as the caller encoded it (the routing above used the decoded one).
        raw_path = request.scope.get("raw_path")
        url = upstream.base_url + (
            raw_path.split(b"?", 1)[0].decode("latin-1") if raw_path else request.url.path
        )
        query = request.scope.get("query_string", b"")
        if query:
            url = f"{url}?{query.decode('latin-1')}"
        body = None
        if has_body:

            async def larger() -> int:
                return await self.body_limits.for_request(upstream, request.method, path)

            body = LimitedBody(request, limit, larger if declared is None else None)
        try:
            upstream_response = await self.client.send(
                request.method, url, headers, body.__aiter__() if body is not None else None
            )
        except BodyTooLargeError:
            return self._too_large(path, body.limit if body is not None else limit)
        except UpstreamTimeout:
            count_upstream_error(upstream.name, "timeout")
            log.warning("upstream_timeout", upstream=upstream.name, path=path)
            return problem_response(
                504, detail=f"the {upstream.name} service did not answer in time", instance=path
            )
        except UpstreamUnreachable:
            count_upstream_error(upstream.name, "unreachable")
            log.warning("upstream_unreachable", upstream=upstream.name, path=path)
            return problem_response(
                503, detail=f"the {upstream.name} service is unavailable", instance=path
            )
        except UpstreamBroken as exc:
            if body is not None and body.exceeded:
                return self._too_large(path, body.limit)
            count_upstream_error(upstream.name, "broken")
            log.warning("upstream_failed", upstream=upstream.name, path=path, error=str(exc))
            return problem_response(
                502, detail=f"the {upstream.name} service failed to answer", instance=path
            )
        if upstream_response.status >= 500:
            count_upstream_error(upstream.name, "bad_status")
        length = upstream_response.content_length
        if length is not None and length <= BUFFERED_BODY_BYTES:
            return await self._buffered(upstream_response, upstream.name, path)
        response = StreamingResponse(
            self._relay(upstream_response, upstream.name),
            status_code=upstream_response.status,
            background=BackgroundTask(upstream_response.close),
        )
        response.raw_headers = _relayed_headers(upstream_response)
        return response

    @staticmethod
    async def _buffered(upstream_response: UpstreamResponse, name: str, path: str) -> Response:
        """A small answer read whole and sent in one piece: a streamed response costs a task
        group and a background task per request, a fifth of the proxy's CPU on a read."""
        try:
            body = await upstream_response.read()
        except UpstreamBroken as exc:
            count_upstream_error(name, "broken")
            log.warning("upstream_failed", upstream=name, path=path, error=str(exc))
            return problem_response(
                502, detail=f"the {name} service failed to answer", instance=path
            )
        finally:
            await upstream_response.close()
        response = Response(body, status_code=upstream_response.status)
        response.raw_headers = _relayed_headers(upstream_response)
        return response

    async def _relay(self, response: UpstreamResponse, name: str) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.body:
                yield chunk
        except UpstreamBroken as exc:
            # Headers are gone already; all we can do is cut the stream and say why in the log.
            count_upstream_error(name, "broken")
            log.warning("upstream_stream_broken", upstream=name, error=str(exc))

    @staticmethod
    def _upstream_headers(request: Request, token: str | None) -> list[tuple[str, str]]:
        """The caller's headers minus hop-by-hop and credentials, plus the verified token,
        X-Forwarded-For and the request id."""
        headers = [
            (k, v)
            for k, v in forwardable_headers(
                request.headers.items(), request.headers.get("connection")
            )
            if k.lower() not in CREDENTIAL_HEADERS
        ]
        if token is not None:
            headers.append(("authorization", f"Bearer {token}"))
        client_host = request.client.host if request.client else None
        if client_host:
            prior = request.headers.get("x-forwarded-for")
            headers.append(("x-forwarded-for", f"{prior}, {client_host}" if prior else client_host))
        request_id = request.scope.get("state", {}).get("request_id")
        if request_id:
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("x-request-id", request_id))
        return headers

    @staticmethod
    def _too_large(path: str, limit: int) -> Response:
        return problem_response(413, detail=f"the body exceeds {limit} bytes", instance=path)
