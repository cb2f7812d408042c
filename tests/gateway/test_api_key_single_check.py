"""An API key whose cache entry lapsed under a burst is checked with staff once, not once
per request of the burst; the answer, good or bad, reaches every waiting request."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from gateway.auth import Credential, GatewayAuth
from shared.auth.principal import Principal, PrincipalKind
from shared.auth.tokens import StaticKeys, TokenVerifier
from shared.errors import ServiceUnavailable
from tests.polling import until

ERP = Principal(kind=PrincipalKind.API_KEY, subject="api_key:9", scopes=frozenset({"erp:write"}))


async def unused_token() -> str:
    return "unused"


class CountedChecks(GatewayAuth):
    """The gateway's coalescing, with the check itself (a call to staff) replaced by a
    slow answer that counts how often it was asked."""

    def __init__(self, outcome: Credential | Exception) -> None:
        super().__init__(
            TokenVerifier(StaticKeys()),
            httpx.AsyncClient(),
            "http://127.0.0.1:1",
            service_token=unused_token,
        )
        self.outcome = outcome
        self.checks = 0

    async def _check_key(self, key: str) -> Credential:
        self.checks += 1
        await asyncio.sleep(0.05)
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


async def test_a_burst_on_a_lapsed_key_asks_staff_once() -> None:
    credential = Credential(token="minted", principal=ERP)
    auth = CountedChecks(credential)
    answers = await asyncio.gather(*(auth._exchange_key("key-1") for _ in range(20)))
    assert auth.checks == 1
    assert answers == [credential] * 20
    assert auth._checking == {}


async def test_a_failed_check_fails_every_waiting_request_and_the_next_one_asks_again() -> None:
    auth = CountedChecks(ServiceUnavailable("the API key cannot be checked right now"))
    answers = await asyncio.gather(
        *(auth._exchange_key("key-1") for _ in range(5)), return_exceptions=True
    )
    assert auth.checks == 1
    assert all(isinstance(answer, ServiceUnavailable) for answer in answers)
    with pytest.raises(ServiceUnavailable):
        await auth._exchange_key("key-1")
    assert auth.checks == 2


async def test_a_caller_that_goes_away_does_not_cancel_the_check_of_the_others() -> None:
    credential = Credential(token="minted", principal=ERP)
    auth = CountedChecks(credential)
    first = asyncio.ensure_future(auth._exchange_key("key-1"))
    second = asyncio.ensure_future(auth._exchange_key("key-1"))

    async def checking() -> bool:
        return auth.checks == 1

    await until(checking, seconds=5)  # the check is under way before the first caller goes
    first.cancel()
    assert await second == credential
    assert auth.checks == 1
