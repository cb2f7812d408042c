"""The abuse suite (issue 18): hostile input sent to every operation of each service's
contract, in-process against the real test database, each service's requests in one
rolled-back transaction. Nothing may answer 500; each kind of abuse gets its documented 4xx.

- test_text.py: NUL characters everywhere text goes, overlong strings.
- test_cursors.py: tampered cursors on every list.
- test_digits.py: full-width digits in every number, amount, id and day.
- test_if_match.py: ``If-Match: *`` and malformed If-Match on every route that reads it.

Formula payloads in exports and bursts of bad sign-ins have their own files here
(test_formulas.py, test_sign_in_bursts.py), written with those defects' fixes.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.abuse.contract import Operation, operations
from tests.conftest import _client_in_transaction

SERVICES = ("clients", "staff", "kpi")


@dataclass
class Walked:
    """A service under abuse: its app, a rolled-back client, its contract's operations."""

    name: str
    app: FastAPI
    client: httpx.AsyncClient
    operations: list[Operation]

    async def send(self, operation: Operation, **kwargs: Any) -> httpx.Response:
        headers = {**operation.headers(), **kwargs.pop("headers", {})}
        url = kwargs.pop("url", None) or operation.url()
        return await self.client.request(operation.method.upper(), url, headers=headers, **kwargs)


@pytest.fixture(params=SERVICES)
async def walked(
    request: pytest.FixtureRequest, engines: dict[str, AsyncEngine]
) -> AsyncIterator[Walked]:
    import importlib

    service = request.param
    app: FastAPI = importlib.import_module(f"services.{service}.app").create_app()
    async for client in _client_in_transaction(engines[service], app):
        yield Walked(service, app, client, operations(app.openapi()))
