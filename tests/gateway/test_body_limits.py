"""Per-route body limits at the gateway: routes a service's contract marks as uploads
(``x-kam-body: upload``) may carry ``GATEWAY_UPLOAD_MAX_BYTES``, every other route keeps
``KAM_MAX_BODY_BYTES``; bodies still stream, and an oversized one is a 413 problem, by its
Content-Length or as it streams past the limit. Against a real upstream on a socket."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web
from hypothesis import given
from hypothesis import strategies as st

from gateway.body_limits import upload_operations
from shared.contract_shape import UPLOAD
from tests.gateway.test_proxy_faults import gateway_client

CAP = 1000
UPLOAD_CAP = 5000
UPLOAD_PATH = "/v1/clients/records/{record_id}/attachments"

CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "paths": {
        UPLOAD_PATH: {
            "post": {"operationId": "upload", **UPLOAD},
            "get": {"operationId": "list_uploads"},
        },
        "/v1/clients/echo/{tail}": {"post": {"operationId": "echo"}},
    },
}


class Upstream:
    """An upstream that echoes the size and hash of what it received and serves a
    contract marking one upload route (or fails to, when ``contract_status`` says so)."""

    def __init__(self) -> None:
        self.contract_fetches = 0
        self.contract_status = 200
        self.url = ""

    async def contract(self, request: web.Request) -> web.Response:
        self.contract_fetches += 1
        if self.contract_status != 200:
            return web.Response(status=self.contract_status)
        return web.json_response(CONTRACT)

    @staticmethod
    async def echo(request: web.Request) -> web.Response:
        body = await request.read()
        return web.json_response(
            {"length": len(body), "sha": hashlib.sha256(body).hexdigest()}, status=201
        )


@pytest.fixture
async def upstream() -> AsyncIterator[Upstream]:
    state = Upstream()
    app = web.Application(client_max_size=10 * 1024 * 1024)
    app.router.add_get("/openapi.json", state.contract)
    app.router.add_route("*", "/v1/clients/{tail:.*}", state.echo)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    state.url = f"http://127.0.0.1:{port}"
    try:
        yield state
    finally:
        await runner.cleanup()


def chunks(size: int, step: int = 700) -> Any:
    async def generate() -> AsyncIterator[bytes]:
        for start in range(0, size, step):
            yield b"u" * min(step, size - start)

    return generate()


def test_upload_operations_are_the_marked_ones() -> None:
    [(method, pattern)] = upload_operations(CONTRACT)
    assert method == "POST"
    assert pattern.fullmatch("/v1/clients/records/42/attachments")
    assert not pattern.fullmatch("/v1/clients/records/42/attachments/7")
    assert not pattern.fullmatch("/v1/clients/records/4/2/attachments")
    assert not pattern.fullmatch("/v1/clients/records//attachments")
    assert upload_operations({}) == ()
    assert upload_operations({"paths": {"/x": {"post": {"x-kam-body": "other"}}}}) == ()


@given(st.text(st.characters(blacklist_characters="/"), min_size=1, max_size=20))
def test_a_path_parameter_is_exactly_one_segment(segment: str) -> None:
    document = {"paths": {"/v1/a.b/{id}/files": {"put": UPLOAD}}}
    [(_, pattern)] = upload_operations(document)
    assert pattern.fullmatch(f"/v1/a.b/{segment}/files")
    assert not pattern.fullmatch(f"/v1/a.b/{segment}/{segment}/files")
    assert not pattern.fullmatch(f"/v1/aXb/{segment}/files")  # the dot is no wildcard


@pytest.mark.parametrize("kind", ["aiohttp", "httpx"])
async def test_uploads_get_their_own_limit(
    upstream: Upstream, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAM_MAX_BODY_BYTES", str(CAP))
    payload = bytes(range(256)) * 12  # 3072 bytes: over the cap, under the upload limit
    async for client in gateway_client(
        upstream.url, upstream_client=kind, upload_max_bytes=UPLOAD_CAP
    ):
        small = await client.post("/v1/clients/echo/x", content=b"s" * CAP)
        assert small.status_code == 201
        assert upstream.contract_fetches == 0  # a small body never waits for a contract

        sized = await client.post("/v1/clients/records/9/attachments", content=payload)
        assert sized.status_code == 201, sized.text
        assert sized.json() == {"length": len(payload), "sha": hashlib.sha256(payload).hexdigest()}
        streamed = await client.post("/v1/clients/records/9/attachments", content=chunks(4900))
        assert streamed.status_code == 201, streamed.text
        assert streamed.json()["length"] == 4900

        # Everything else keeps the ordinary cap, the same path with another method too.
        for method, path in [("POST", "/v1/clients/echo/x"), ("PUT", UPLOAD_PATH)]:
            refused = await client.request(method, path.format(record_id=9), content=payload)
            assert refused.status_code == 413
            assert refused.headers["content-type"] == "application/problem+json"
            assert refused.json()["detail"] == f"the body exceeds {CAP} bytes"
        chunked = await client.post("/v1/clients/echo/x", content=chunks(3000))
        assert chunked.status_code == 413

        # Past the upload limit: refused by Content-Length, or as the stream passes it.
        declared = await client.post(
            "/v1/clients/records/9/attachments", content=b"u" * (UPLOAD_CAP + 1)
        )
        assert declared.status_code == 413
        assert declared.json()["type"] == "urn:kam:problem:payload-too-large"
        assert declared.json()["detail"] == f"the body exceeds {UPLOAD_CAP} bytes"
        overflow = await client.post(
            "/v1/clients/records/9/attachments", content=chunks(UPLOAD_CAP + 500)
        )
        assert overflow.status_code == 413
        assert overflow.json()["detail"] == f"the body exceeds {UPLOAD_CAP} bytes"
        # The contract was read once (kept for openapi_cache_seconds) and the pool survives.
        assert upstream.contract_fetches == 1
        assert (await client.get("/v1/clients/echo/after")).status_code == 201


async def test_without_the_contract_the_ordinary_cap_holds(
    upstream: Upstream, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KAM_MAX_BODY_BYTES", str(CAP))
    upstream.contract_status = 503
    async for client in gateway_client(upstream.url, upload_max_bytes=UPLOAD_CAP):
        refused = await client.post("/v1/clients/records/9/attachments", content=b"u" * 3000)
        assert refused.status_code == 413
        assert refused.json()["detail"] == f"the body exceeds {CAP} bytes"
        # Not remembered: once the contract is back, the upload goes through.
        upstream.contract_status = 200
        accepted = await client.post("/v1/clients/records/9/attachments", content=b"u" * 3000)
        assert accepted.status_code == 201, accepted.text
        assert upstream.contract_fetches == 2


def test_the_clients_contract_marks_every_file_upload_and_nothing_else() -> None:
    from services.clients.app import create_app

    marked = {
        (method.upper(), path)
        for path, item in create_app().openapi()["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and operation.get("x-kam-body") == "upload"
    }
    assert marked == {
        ("POST", f"/v1/clients/{records}/{{{name}_id}}/attachments")
        for records, name in [
            ("accounts", "account"),
            ("contracts", "contract"),
            ("visits", "visit"),
            ("tickets", "ticket"),
            ("opportunities", "opportunity"),
            ("bids", "bid"),
        ]
    } | {("POST", "/v1/clients/accounts/import")}
