"""No NUL character reaches a route (issue 18, defect 7): PostgreSQL refuses it in text,
which made a NUL in a body or a filter a 500 in all three services. The middleware of
every service (shared/text_input.py) answers 422 naming the field, and hands every other
request on unchanged."""

from typing import Annotated, Any

import httpx
import pytest
from fastapi import FastAPI, Form, Query
from hypothesis import given
from hypothesis import strategies as st

from shared.error_handlers import install_error_handlers
from shared.text_input import RefuseNulCharacters, nul_in_json


def echo_app() -> FastAPI:
    app = FastAPI()
    install_error_handlers(app)
    app.add_middleware(RefuseNulCharacters)

    @app.post("/items/{name}")
    async def create(name: str, body: dict[str, Any], q: str | None = None) -> dict[str, Any]:
        return {"name": name, "q": q, "body": body}

    @app.post("/token")
    async def token(username: Annotated[str, Form()], password: Annotated[str, Form()]) -> str:
        return username + password

    @app.get("/search")
    async def search(q: Annotated[list[str], Query()]) -> list[str]:
        return q

    return app


@pytest.fixture
async def client() -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=echo_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        yield client


async def refused_at(response: httpx.Response) -> list[Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    [error] = response.json()["errors"]
    assert error["type"] == "nul_character"
    return list(error["loc"])


async def test_a_nul_in_a_nested_body_field_is_422_naming_it(client: httpx.AsyncClient) -> None:
    body = {"legal_name": "ok", "contacts": [{"name": "a"}, {"name": "b\u0000c"}]}
    response = await client.post("/items/x", json=body)
    assert await refused_at(response) == ["body", "contacts", 1, "name"]


async def test_a_nul_in_a_member_name_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/items/x", json={"a\u0000": 1})
    assert await refused_at(response) == ["body", "a\\u0000"]


async def test_a_nul_in_a_query_parameter_is_422_naming_it(client: httpx.AsyncClient) -> None:
    response = await client.get("/search", params={"q": ["fine", "bad\x00"]})
    assert await refused_at(response) == ["query", "q"]


async def test_a_nul_in_the_path_is_422(client: httpx.AsyncClient) -> None:
    assert await refused_at(await client.post("/items/a%00b", json={})) == ["path"]


async def test_a_nul_in_a_form_field_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post("/token", data={"username": "u\x00", "password": "p"})
    assert await refused_at(response) == ["body", "username"]


async def test_other_requests_reach_the_route_unchanged(client: httpx.AsyncClient) -> None:
    # An escaped backslash before u0000 is text, not a NUL; the body is handed on whole.
    body = {"legal_name": "上海\\u0000有限公司", "n": [1, 2]}
    response = await client.post("/items/x", params={"q": "%00"}, json=body)
    assert response.status_code == 200, response.text
    assert response.json() == {"name": "x", "q": "%00", "body": body}
    form = await client.post("/token", data={"username": "u", "password": "p%00"})
    assert form.json() == "up%00"


JSON_VALUES = st.recursive(
    st.text(max_size=5) | st.integers() | st.none(),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(JSON_VALUES)
def test_nul_in_json_finds_a_nul_exactly_when_there_is_one(value: Any) -> None:
    assert bool(list(nul_in_json(value))) == any("\x00" in text for text in texts(value))


def texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [*value, *(text for member in value.values() for text in texts(member))]
    if isinstance(value, list):
        return [text for item in value for text in texts(item)]
    return []
