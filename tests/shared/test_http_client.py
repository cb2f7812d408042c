"""The service-to-service client against a real local HTTP server."""

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from shared.errors import GatewayTimeout, ServiceUnavailable
from shared.http_client import ServiceClient
from shared.request_id import RequestIdMiddleware, current_request_id


class Upstream:
    """A tiny HTTP/1.1 server that answers from a script and records what it received."""

    def __init__(self, script: list[tuple[int, float]]) -> None:
        self.script = script
        self.received: list[dict[str, str]] = []
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                break
            lines = head.decode().split("\r\n")
            headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:] if line)}
            self.received.append({"line": lines[0], **headers})
            if int(headers.get("content-length", 0)):
                await reader.readexactly(int(headers["content-length"]))
            status, delay = self.script[min(len(self.received), len(self.script)) - 1]
            await asyncio.sleep(delay)
            body = json.dumps({"n": len(self.received)}).encode()
            writer.write(
                f"HTTP/1.1 {status} X\r\ncontent-type: application/json\r\n"
                f"content-length: {len(body)}\r\n\r\n".encode()
                + body
            )
            await writer.drain()

    async def __aenter__(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def __aexit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.close()


@pytest.fixture
async def make_client() -> AsyncIterator:
    clients: list[ServiceClient] = []

    def make(url: str, **kwargs: object) -> ServiceClient:
        client = ServiceClient("staff", url, backoff_seconds=0.01, **kwargs)  # type: ignore[arg-type]
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_get_is_retried_after_a_503(make_client) -> None:
    upstream = Upstream([(503, 0), (200, 0)])
    async with upstream as url:
        response = await make_client(url).request("GET", "/v1/staff/employees/1")
    assert response.status_code == 200
    assert len(upstream.received) == 2


async def test_post_is_not_retried_unless_marked_idempotent(make_client) -> None:
    upstream = Upstream([(503, 0), (200, 0)])
    async with upstream as url:
        client = make_client(url)
        first = await client.request("POST", "/v1/x", json={})
        assert first.status_code == 503
        assert len(upstream.received) == 1
        second = await client.request(
            "POST", "/v1/x", json={}, headers={"Idempotency-Key": "k1"}, idempotent=True
        )
        assert second.status_code == 200


async def test_slow_upstream_becomes_gateway_timeout(make_client) -> None:
    upstream = Upstream([(200, 2.0)])
    async with upstream as url:
        with pytest.raises(GatewayTimeout):
            await make_client(url, timeout_seconds=0.2, retries=0).request("GET", "/slow")


async def test_absent_upstream_becomes_service_unavailable(make_client) -> None:
    from deploy.test_runner import free_port

    with pytest.raises(ServiceUnavailable):
        await make_client(f"http://127.0.0.1:{free_port()}", retries=1).request("GET", "/")


async def test_request_id_is_forwarded(make_client) -> None:
    upstream = Upstream([(200, 0)])
    seen: list[str | None] = []

    async def app(scope, receive, send) -> None:  # an ASGI app making an upstream call
        seen.append(current_request_id())
        await make_client(url).request("GET", "/echo")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async with upstream as url:
        import httpx

        transport = httpx.ASGITransport(app=RequestIdMiddleware(app))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await client.get("/", headers={"X-Request-ID": "abc-123"})
    assert seen == ["abc-123"]
    assert upstream.received[0]["x-request-id"] == "abc-123"
