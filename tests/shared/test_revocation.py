import asyncio

import pytest

from shared.auth.principal import Principal, PrincipalKind
from shared.auth.revocation import DEACTIVATED, TokenFloors, refreshed_floors
from shared.errors import Unauthorized


def user(user_id: int, version: int) -> Principal:
    return Principal(PrincipalKind.USER, f"user:{user_id}", user_id=user_id, token_version=version)


def test_tokens_below_the_floor_are_refused() -> None:
    floors = TokenFloors()
    floors.replace({7: 3, 8: DEACTIVATED})
    floors.check(user(7, 3))
    floors.check(user(9, 1))  # never ended a session
    with pytest.raises(Unauthorized):
        floors.check(user(7, 2))
    with pytest.raises(Unauthorized):
        floors.check(user(8, 10_000))
    floors.check(Principal(PrincipalKind.SERVICE, "service:kpi", service="kpi"))


async def test_background_refresh_keeps_the_last_good_copy() -> None:
    floors = TokenFloors()
    answers: list[dict[int, int] | Exception] = [{1: 2}, RuntimeError("staff down")]

    async def source() -> dict[int, int]:
        answer = answers.pop(0) if answers else {1: 5}
        if isinstance(answer, Exception):
            raise answer
        return answer

    async with refreshed_floors(floors, source, interval_seconds=0.01):
        await asyncio.sleep(0.005)
        with pytest.raises(Unauthorized):
            floors.check(user(1, 1))
        await asyncio.sleep(0.05)
    with pytest.raises(Unauthorized):
        floors.check(user(1, 4))
