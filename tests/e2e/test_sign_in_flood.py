"""A flood of bad sign-ins through the real gateway leaves everyone else able to work."""

import asyncio
import time

import httpx
import pytest

from deploy.processes import Stack
from tests.conftest import LoginFactory

pytestmark = pytest.mark.e2e

ATTACKER = "203.0.113.66"  # the gateway is a trusted hop: staff takes the client from X-F-F
VICTIMS = 20
BAD_SIGN_INS = 200


async def _bad_sign_in(client: httpx.AsyncClient, gateway: str, n: int) -> int:
    response = await client.post(
        f"{gateway}/v1/auth/token",
        data={"username": f"flood.victim{n % VICTIMS}", "password": f"guess-{n}"},
        headers={"X-Forwarded-For": ATTACKER},
    )
    return response.status_code


async def _flood_and_sign_in(
    gateway: str, staff: str, login: str, password: str
) -> tuple[list[int], int, float, int]:
    limits = httpx.Limits(max_connections=BAD_SIGN_INS + 10)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        flood = [asyncio.create_task(_bad_sign_in(client, gateway, n)) for n in range(BAD_SIGN_INS)]
        await asyncio.sleep(0.3)  # the flood is in full swing
        started = time.monotonic()
        correct = await client.post(
            f"{gateway}/v1/auth/token", data={"username": login, "password": password}
        )
        took = time.monotonic() - started
        ready = await client.get(f"{staff}/readyz")
        statuses = await asyncio.gather(*flood)
    return statuses, correct.status_code, took, ready.status_code


def test_a_burst_of_bad_sign_ins_leaves_another_users_sign_in_working(
    stack: Stack, login_as: LoginFactory
) -> None:
    for n in range(VICTIMS // 2):  # half the attacked logins exist, half do not
        login_as(f"flood.victim{n}", "account_manager")
    login_as("flood.bystander", "account_manager")
    statuses, correct, took, ready = asyncio.run(
        _flood_and_sign_in(
            stack.url("gateway"),
            stack.url("staff"),
            "flood.bystander",
            "flood.bystander-password-2026",
        )
    )
    assert correct == 200
    # A wide margin for a shared, busy CI machine (where one argon2 check alone may take
    # a second or two); bench.sign_in_attack tracks the "< 1 s" target.
    assert took < 15
    assert ready == 200
    # The attacker's own attempts are held back (address delay, hashed last): on a busy
    # machine a few may outlast this stack's 5 s gateway timeout, but none fails otherwise.
    assert set(statuses) <= {401, 429, 504}, sorted(set(statuses))
    assert statuses.count(504) < BAD_SIGN_INS // 10
    assert statuses.count(429) > 0  # the throttle refused some of them before hashing
