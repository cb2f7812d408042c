"""The problem+json rendering, on a small app of its own."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.error_handlers import install_error_handlers
from shared.errors import Conflict, NotFound, PreconditionFailed
from shared.request_id import RequestIdMiddleware


class Body(BaseModel):
    name: str
    amount: int


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)

    @app.post("/things")
    async def create(body: Body) -> Body:
        return body

    @app.patch("/things/{thing_id}")
    async def update(thing_id: int) -> None:
        return None

    @app.get("/things/{thing_id}")
    async def read(thing_id: int) -> None:
        return None

    @app.get("/missing")
    async def missing() -> None:
        raise NotFound("thing 9 does not exist")

    @app.get("/conflict")
    async def conflict() -> None:
        raise Conflict("already there")

    @app.get("/stale")
    async def stale() -> None:
        raise PreconditionFailed("changed", extra={"current_etag": '"4"'})

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("password=hunter2 in SELECT * FROM secrets")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


async def test_validation_error_lists_fields(client: httpx.AsyncClient) -> None:
    response = await client.post("/things", json={"name": "x", "amount": "many"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "urn:kam:problem:validation-error"
    assert body["errors"][0]["loc"] == ["body", "amount"]
    assert body["request_id"] == response.headers["x-request-id"]


async def test_malformed_json_is_422_with_location(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/things", content=b'{"name": "x",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["type"] == "json_invalid"
    assert response.json()["errors"][0]["loc"][0] == "body"


@pytest.mark.parametrize(
    ("path", "status", "slug"),
    [
        ("/missing", 404, "not-found"),
        ("/conflict", 409, "conflict"),
        ("/nowhere", 404, "not-found"),
    ],
)
async def test_domain_and_routing_errors(
    client: httpx.AsyncClient, path: str, status: int, slug: str
) -> None:
    response = await client.get(path)
    assert response.status_code == status
    assert response.json()["type"] == f"urn:kam:problem:{slug}"
    assert response.json()["instance"] == path


async def test_a_body_that_is_not_utf8_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/things", content=b"\x1b\xff\xfe", headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [
        {"loc": ["body"], "msg": "the body is not UTF-8 JSON", "type": "json_invalid"}
    ]


async def test_405_allows_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    response = await client.delete("/things/1")
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, PATCH"
    assert response.json()["type"] == "urn:kam:problem:method-not-allowed"


async def test_extra_members_are_kept(client: httpx.AsyncClient) -> None:
    response = await client.get("/stale")
    assert response.status_code == 412
    assert response.json()["current_etag"] == '"4"'


async def test_unexpected_error_is_500_without_internals(client: httpx.AsyncClient) -> None:
    response = await client.get("/boom", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 500
    text = response.text
    assert "hunter2" not in text and "SELECT" not in text and "Traceback" not in text
    assert response.json()["request_id"] == "req-123"


async def test_hostile_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/missing", headers={"X-Request-ID": "a b\nc"})
    assert response.headers["x-request-id"] != "a b\nc"
    assert len(response.headers["x-request-id"]) == 32
