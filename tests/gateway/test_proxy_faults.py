"""The gateway against upstreams that misbehave on a real socket: silent, hanging up,
absent. Each answer is a problem document, in bounded time."""

import asyncio
import time
from collections.abc import AsyncIterator

import httpx
import pytest

from deploy.test_runner import free_port
from gateway.app import create_app
from gateway.settings import GatewaySettings
from shared.auth.principal import Role
from shared.auth.tokens import StaticKeys, TokenVerifier
from tests.conftest import TEST_KEY, bearer


async def start_misbehaving_server(mode: str) -> asyncio.Server:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        if mode == "silent":
            await asyncio.sleep(30)
        writer.close()

    return await asyncio.start_server(handle, "127.0.0.1", 0)


async def gateway_client(clients_url: str, **settings: object) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway app in this process, trusting the suite's signing key."""
    app = create_app(
        GatewaySettings(
            clients_url=clients_url,
            upstream_timeout_seconds=0.5,
            connect_timeout_seconds=0.5,
            **settings,  # type: ignore[arg-type]
        )
    )
    async with app.router.lifespan_context(app):
        app.state.proxy.auth.verifier = TokenVerifier(StaticKeys({"keys": [TEST_KEY.public_jwk()]}))
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gw", headers=bearer(Role.ADMIN)
        ) as client:
            yield client


@pytest.mark.parametrize(("mode", "status"), [("silent", 504), ("hangup", 502)])
async def test_misbehaving_upstream(mode: str, status: int) -> None:
    server = await start_misbehaving_server(mode)
    port = server.sockets[0].getsockname()[1]
    try:
        async for client in gateway_client(f"http://127.0.0.1:{port}"):
            started = time.monotonic()
            response = await client.get("/v1/clients/accounts", headers={"X-Request-ID": "f-1"})
            assert response.status_code == status
            assert response.headers["content-type"] == "application/problem+json"
            assert response.json()["request_id"] == "f-1"
            assert time.monotonic() - started < 3
    finally:
        server.close()


async def test_absent_upstream_is_503() -> None:
    async for client in gateway_client(f"http://127.0.0.1:{free_port()}"):
        response = await client.get("/v1/clients/accounts")
        assert response.status_code == 503
        assert "clients" in response.json()["detail"]
