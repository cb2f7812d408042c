"""Forwarding one request to its service, streaming both ways.

Method, path, query, headers, body and status pass through; hop-by-hop headers are
dropped; failures of the upstream become problem+json (503 unreachable, 504 too slow,
502 broken answer), always with the request id.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable

import httpx
import structlog
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse

from gateway.auth import GatewayAuth
from gateway.rate_limit import RateLimiter
from gateway.routing import RoutingTable
from shared.errors import DomainError, problem_response

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


async def limited_body(request: Request, limit: int) -> AsyncIterator[bytes]:
    """The request body as a stream that fails once it exceeds ``limit`` bytes."""
    received = 0
    async for chunk in request.stream():
        received += len(chunk)
        if received > limit:
            raise BodyTooLargeError
        if chunk:
            yield chunk


class Proxy:
    """Sends requests to the upstream the routing table names."""

    def __init__(
        self,
        table: RoutingTable,
        client: httpx.AsyncClient,
        max_body_bytes: int,
        auth: GatewayAuth,
        limiter: RateLimiter,
    ) -> None:
        self.table = table
        self.client = client
        self.max_body_bytes = max_body_bytes
        self.auth = auth
        self.limiter = limiter

    async def __call__(self, request: Request) -> Response:
        path = request.url.path
        upstream = self.table.resolve(path)
        if upstream is None:
            return problem_response(404, detail=f"no service serves {path}", instance=path)
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
        if declared is not None:
            if not declared.isdigit():
                return problem_response(400, detail="invalid Content-Length", instance=path)
            if int(declared) > self.max_body_bytes:
                return self._too_large(path)
        headers = [
            (k, v)
            for k, v in forwardable_headers(
                request.headers.items(), request.headers.get("connection")
            )
            if k.lower() not in CREDENTIAL_HEADERS
        ]
        if credential.token is not None:
            headers.append(("authorization", f"Bearer {credential.token}"))
        client_host = request.client.host if request.client else None
        if client_host:
            prior = request.headers.get("x-forwarded-for")
            headers.append(("x-forwarded-for", f"{prior}, {client_host}" if prior else client_host))
        request_id = request.scope.get("state", {}).get("request_id")
        if request_id:
            headers = [(k, v) for k, v in headers if k.lower() != "x-request-id"]
            headers.append(("x-request-id", request_id))
        has_body = declared not in (None, "0") or "chunked" in request.headers.get(
            "transfer-encoding", ""
        )
        if has_body and declared is not None:
            headers.append(("content-length", declared))
        url = upstream.base_url + path
        query = request.scope.get("query_string", b"")
        if query:
            url = f"{url}?{query.decode('latin-1')}"
        upstream_request = self.client.build_request(
            request.method,
            url,
            headers=headers,
            content=limited_body(request, self.max_body_bytes) if has_body else None,
        )
        try:
            upstream_response = await self.client.send(upstream_request, stream=True)
        except BodyTooLargeError:
            return self._too_large(path)
        except httpx.TimeoutException:
            log.warning("upstream_timeout", upstream=upstream.name, path=path)
            return problem_response(
                504, detail=f"the {upstream.name} service did not answer in time", instance=path
            )
        except httpx.ConnectError:
            log.warning("upstream_unreachable", upstream=upstream.name, path=path)
            return problem_response(
                503, detail=f"the {upstream.name} service is unavailable", instance=path
            )
        except httpx.HTTPError as exc:
            log.warning("upstream_failed", upstream=upstream.name, path=path, error=repr(exc))
            return problem_response(
                502, detail=f"the {upstream.name} service failed to answer", instance=path
            )
        response_headers = forwardable_headers(
            upstream_response.headers.multi_items(), upstream_response.headers.get("connection")
        )
        content_length = upstream_response.headers.get("content-length")
        if content_length is not None:
            response_headers.append(("content-length", content_length))
        response = StreamingResponse(
            self._relay(upstream_response, upstream.name),
            status_code=upstream_response.status_code,
            background=BackgroundTask(upstream_response.aclose),
        )
        # Raw headers keep repeated ones (Set-Cookie, Link) that a dict would fold.
        response.raw_headers = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in response_headers
            if k.lower() != "x-request-id"
        ]
        return response

    async def _relay(self, response: httpx.Response, name: str) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:
            # Headers are gone already; all we can do is cut the stream and say why in the log.
            log.warning("upstream_stream_broken", upstream=name, error=repr(exc))

    def _too_large(self, path: str) -> Response:
        return problem_response(
            413, detail=f"the body exceeds {self.max_body_bytes} bytes", instance=path
        )
