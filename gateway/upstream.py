"""The gateway's upstream HTTP client: aiohttp (the default) or httpx, chosen by measurement.

Measured side by side in one run (``bench.scenarios``, README "Benchmarks"): the same
proxy forwarding get-account-by-id at 50 connections is several times faster with an
aiohttp ``ClientSession`` than with one shared ``httpx.AsyncClient``, whose per-request
CPU grows with concurrency. ``GATEWAY_UPSTREAM_CLIENT=httpx`` keeps the other for
comparison. Both give the proxy the same small interface: send a request with a streamed
body, get the status, the raw headers and a stream of the raw body back, and three failures
(timeout, unreachable, broken) that become 504, 503 and 502.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import aiohttp
import httpx
from yarl import URL

UpstreamClientKind = Literal["aiohttp", "httpx"]

RawHeaders = list[tuple[bytes, bytes]]

KEEP_ALIVE_SECONDS = 4.0
"""How long an idle pooled connection is kept: less than the services' own keep-alive
(deploy/serve.py, 5 s), so the gateway never sends on a connection the service is closing
(that race is a reset connection: a 502 for a request the service never saw)."""


class UpstreamError(Exception):
    """The upstream did not give a usable answer."""


class UpstreamTimeout(UpstreamError):
    """No connection or no answer in time (504)."""


class UpstreamUnreachable(UpstreamError):
    """No connection could be made (503)."""


class UpstreamBroken(UpstreamError):
    """The connection broke or the answer was not HTTP (502)."""


@dataclass(slots=True)
class UpstreamResponse:
    """An answer whose body has not been read yet; ``close`` must be awaited once."""

    status: int
    headers: RawHeaders
    """Names in lower case, values as received (repeated names kept)."""
    body: AsyncIterator[bytes]
    close: Callable[[], Awaitable[None]]
    content_length: int | None
    read: Callable[[], Awaitable[bytes]]
    """The whole body at once, instead of ``body`` (a known, small length)."""


class UpstreamClient(Protocol):
    """What the proxy needs from an HTTP client."""

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> UpstreamResponse: ...

    async def aclose(self) -> None: ...


def _content_length(headers: RawHeaders) -> int | None:
    for name, value in headers:
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class AiohttpUpstream:
    """One ``aiohttp.ClientSession`` with a bounded keep-alive pool, for every upstream."""

    def __init__(
        self, *, timeout_seconds: float, connect_timeout_seconds: float, max_connections: int
    ) -> None:
        self.session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(
                limit=max_connections, limit_per_host=0, keepalive_timeout=KEEP_ALIVE_SECONDS
            ),
            timeout=aiohttp.ClientTimeout(
                total=None,
                connect=timeout_seconds,  # waiting for a pooled connection included
                sock_connect=connect_timeout_seconds,
                sock_read=timeout_seconds,
            ),
            # Forward exactly what the caller sent: no added headers, no decompression,
            # no cookies kept between callers.
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
        )

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> UpstreamResponse:
        try:
            target = URL(url, encoded=True) if url.isascii() else URL(url)
            response = await self.session.request(
                method, target, headers=headers, data=body, allow_redirects=False
            )
        except TimeoutError as exc:  # aiohttp's ServerTimeoutError and asyncio's
            raise UpstreamTimeout(repr(exc)) from exc
        except aiohttp.ClientConnectorError as exc:
            raise UpstreamUnreachable(repr(exc)) from exc
        except (aiohttp.ClientError, ValueError) as exc:
            raise UpstreamBroken(repr(exc)) from exc
        raw = [(name.lower(), value) for name, value in response.raw_headers]

        async def close() -> None:
            response.release()  # back to the pool when read to the end, else closed

        async def read() -> bytes:
            try:
                return await response.read()
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise UpstreamBroken(repr(exc)) from exc

        return UpstreamResponse(
            response.status, raw, self._body(response), close, _content_length(raw), read
        )

    @staticmethod
    async def _body(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise UpstreamBroken(repr(exc)) from exc

    async def aclose(self) -> None:
        await self.session.close()


class HttpxUpstream:
    """One shared ``httpx.AsyncClient`` (the measured alternative)."""

    def __init__(
        self, *, timeout_seconds: float, connect_timeout_seconds: float, max_connections: int
    ) -> None:
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_seconds, connect=connect_timeout_seconds),
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            follow_redirects=False,
        )

    async def send(
        self,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> UpstreamResponse:
        request = self.client.build_request(method, url, headers=headers, content=body)
        try:
            response = await self.client.send(request, stream=True)
        except httpx.TimeoutException as exc:
            raise UpstreamTimeout(repr(exc)) from exc
        except httpx.ConnectError as exc:
            raise UpstreamUnreachable(repr(exc)) from exc
        except httpx.HTTPError as exc:
            raise UpstreamBroken(repr(exc)) from exc
        raw = [(name.lower(), value) for name, value in response.headers.raw]
        body = self._body(response)

        async def read() -> bytes:
            return b"".join([chunk async for chunk in body])

        return UpstreamResponse(
            response.status_code, raw, body, response.aclose, _content_length(raw), read
        )

    @staticmethod
    async def _body(response: httpx.Response) -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_raw():
                yield chunk
        except httpx.HTTPError as exc:
            raise UpstreamBroken(repr(exc)) from exc

    async def aclose(self) -> None:
        await self.client.aclose()


def upstream_client(
    kind: UpstreamClientKind,
    *,
    timeout_seconds: float,
    connect_timeout_seconds: float,
    max_connections: int,
) -> UpstreamClient:
    """The configured client (create it inside the lifespan: aiohttp needs a running loop)."""
    factory = AiohttpUpstream if kind == "aiohttp" else HttpxUpstream
    return factory(
        timeout_seconds=timeout_seconds,
        connect_timeout_seconds=connect_timeout_seconds,
        max_connections=max_connections,
    )
