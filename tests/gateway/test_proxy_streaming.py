"""The proxy's forwarding against a real upstream on a socket, with each upstream client
(aiohttp, the default, and httpx, kept to measure against): bodies stream both ways,
hop-by-hop headers stop at the gateway, repeated headers survive, the request id and the
verified credential reach the service, and an oversized streamed body is a 413."""

import hashlib
import json
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from tests.gateway.test_proxy_faults import gateway_client

pytestmark = pytest.mark.parametrize("kind", ["aiohttp", "httpx"])


async def echo(request: web.Request) -> web.Response:
    body = await request.read()
    response = web.json_response(
        {
            "method": request.method,
            "path_qs": request.raw_path,
            "headers": [[k.lower(), v] for k, v in request.headers.items()],
            "body_sha": hashlib.sha256(body).hexdigest(),
            "body_length": len(body),
        },
        status=201 if request.method == "POST" else 200,
    )
    response.headers["Connection"] = "X-Hop"
    response.headers["X-Hop"] = "drop me"
    response.headers["Keep-Alive"] = "timeout=5"
    response.headers["X-Request-ID"] = "upstream-id"
    response.headers.add("Set-Cookie", "a=1")
    response.headers.add("Set-Cookie", "b=2")
    return response


async def stream(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await response.prepare(request)
    for n in range(50):
        await response.write(f"line {n}\n".encode())
    await response.write_eof()
    return response


@pytest.fixture
async def upstream() -> AsyncIterator[str]:
    app = web.Application(client_max_size=10 * 1024 * 1024)
    app.router.add_route("*", "/v1/clients/echo/{tail:.*}", echo)
    app.router.add_get("/v1/clients/stream", stream)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_get_passes_path_query_and_headers(upstream: str, kind: str) -> None:
    async for client in gateway_client(upstream, upstream_client=kind):
        response = await client.get(
            "/v1/clients/echo/a%2Fb%20c?x=1&x=2&y=%E4%B8%AD",
            headers={"X-Request-ID": "req-7", "X-Custom": "kept", "TE": "trailers"},
        )
        assert response.status_code == 200
        seen = response.json()
        assert seen["path_qs"] == "/v1/clients/echo/a%2Fb%20c?x=1&x=2&y=%E4%B8%AD"
        headers = dict(seen["headers"])
        assert headers["x-request-id"] == "req-7"
        assert headers["x-custom"] == "kept"
        assert headers["authorization"].startswith("Bearer ")
        assert "te" not in headers
        assert headers["x-forwarded-for"]
        # Hop-by-hop headers of the answer stop here; repeated ones survive.
        assert "x-hop" not in response.headers
        assert "keep-alive" not in response.headers
        assert response.headers.get_list("set-cookie") == ["a=1", "b=2"]
        assert response.headers["x-request-id"] == "req-7"
        assert int(response.headers["content-length"]) == len(response.content)
        # The gateway's own server dates and names its answers; relayed copies would double.
        assert "date" not in response.headers
        assert "server" not in response.headers


async def test_bodies_stream_both_ways(upstream: str, kind: str) -> None:
    payload = json.dumps({"n": list(range(20_000))}).encode()

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 4096):
            yield payload[start : start + 4096]

    async for client in gateway_client(upstream, upstream_client=kind):
        sized = await client.post("/v1/clients/echo/x", content=payload)
        assert sized.status_code == 201
        assert sized.json()["body_sha"] == hashlib.sha256(payload).hexdigest()
        chunked = await client.post("/v1/clients/echo/x", content=chunks())
        assert chunked.status_code == 201
        assert chunked.json()["body_length"] == len(payload)
        streamed = await client.get("/v1/clients/stream")
        assert streamed.status_code == 200
        assert streamed.text.splitlines() == [f"line {n}" for n in range(50)]


async def test_bodies_over_the_limit_are_413(
    upstream: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAM_MAX_BODY_BYTES", "1000")

    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 500

    async for client in gateway_client(upstream, upstream_client=kind):
        declared = await client.post("/v1/clients/echo/x", content=b"x" * 1001)
        assert declared.status_code == 413
        streamed = await client.post("/v1/clients/echo/x", content=chunks())
        assert streamed.status_code == 413
        assert streamed.headers["content-type"] == "application/problem+json"
        # The pool is still usable afterwards.
        assert (await client.get("/v1/clients/echo/after")).status_code == 200
