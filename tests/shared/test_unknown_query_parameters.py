"""Every operation of the three services refuses a query parameter it does not declare
(walked over the merged contract), and still accepts the ones it declares."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from shared.query_parameters import UNKNOWN_PARAMETER

GATEWAY_DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "openapi" / "gateway.json"


def _get_paths() -> list[str]:
    document: dict[str, Any] = json.loads(GATEWAY_DOCUMENT.read_text())
    return sorted(path for path, item in document["paths"].items() if "get" in item)


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "1", path)


@pytest.fixture
def clients_by_prefix(
    clients_client: httpx.AsyncClient,
    staff_client: httpx.AsyncClient,
    kpi_client: httpx.AsyncClient,
) -> dict[str, httpx.AsyncClient]:
    return {"/v1/clients": clients_client, "/v1/kpi": kpi_client, "": staff_client}


def _client_for(path: str, clients: dict[str, httpx.AsyncClient]) -> httpx.AsyncClient:
    for prefix, client in clients.items():
        if prefix and path.startswith(prefix + "/"):
            return client
    return clients[""]


def _assert_refused(response: httpx.Response, name: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    errors = response.json()["errors"]
    assert errors[0]["loc"] == ["query", name]
    assert errors[0]["type"] == UNKNOWN_PARAMETER


def test_the_walk_covers_every_service() -> None:
    paths = _get_paths()
    assert any(p.startswith("/v1/clients/") for p in paths)
    assert any(p.startswith("/v1/kpi/") for p in paths)
    assert any(p.startswith("/v1/staff/") for p in paths)
    assert len(paths) > 50


async def test_every_get_operation_refuses_an_unknown_parameter(
    clients_by_prefix: dict[str, httpx.AsyncClient],
) -> None:
    answered: list[str] = []
    for path in _get_paths():
        client = _client_for(path, clients_by_prefix)
        response = await client.get(_concrete(path), params={"bogus_filter": "A"})
        assert response.status_code == 422, (path, response.status_code, response.text)
        _assert_refused(response, "bogus_filter")
        answered.append(path)
    assert answered == _get_paths()


async def test_a_misspelt_filter_is_named_and_the_declared_one_is_accepted(
    clients_client: httpx.AsyncClient,
) -> None:
    misspelt = await clients_client.get("/v1/clients/accounts", params={"grades": "A"})
    _assert_refused(misspelt, "grades")
    assert "grade" in misspelt.json()["errors"][0]["msg"]
    declared = await clients_client.get("/v1/clients/accounts", params={"grade": "A"})
    assert declared.status_code == 200, declared.text


async def test_parameters_of_dependencies_count_as_declared(
    clients_client: httpx.AsyncClient,
) -> None:
    # limit and cursor come from shared pagination aliases, not the endpoint's own name list
    response = await clients_client.get("/v1/clients/tickets", params={"limit": 1})
    assert response.status_code == 200, response.text


async def test_writes_refuse_unknown_parameters_too(clients_client: httpx.AsyncClient) -> None:
    response = await clients_client.post(
        "/v1/clients/accounts", params={"dry_run": "true"}, json={}
    )
    _assert_refused(response, "dry_run")


async def test_probes_and_docs_pages_are_not_the_api(clients_client: httpx.AsyncClient) -> None:
    assert (await clients_client.get("/healthz", params={"v": "2"})).status_code == 200
    assert (await clients_client.get("/docs", params={"v": "2"})).status_code == 200
