from collections.abc import Awaitable, Callable

import pytest

from shared.auth.principal import Principal, PrincipalKind
from shared.auth.revocation import DEACTIVATED, Revocations, TokenFloors, refreshed_floors
from shared.errors import Unauthorized
from tests.polling import until


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

    def refused(principal: Principal) -> Callable[[], Awaitable[bool]]:
        async def check() -> bool:
            try:
                floors.check(principal)
            except Unauthorized:
                return True
            return False

        return check

    async with refreshed_floors(floors, source, interval_seconds=0.01):
        await until(refused(user(1, 1)), seconds=10)  # the first copy: floor 2
        # Then staff fails once (the copy stays) and answers floor 5.
        await until(refused(user(1, 4)), seconds=10)
    floors.check(user(1, 5))
    with pytest.raises(Unauthorized):
        floors.check(user(1, 4))


def test_a_token_of_a_session_ended_alone_is_refused_and_the_others_are_not() -> None:
    floors = TokenFloors()
    phone = Principal(PrincipalKind.USER, "user:7", user_id=7, token_version=1, session_id="a" * 32)
    laptop = Principal(
        PrincipalKind.USER, "user:7", user_id=7, token_version=1, session_id="b" * 32
    )
    floors.replace(Revocations({}, frozenset({"a" * 32})))
    with pytest.raises(Unauthorized):
        floors.check(phone)
    floors.check(laptop)
    floors.replace({})  # a copy of floors alone (an older staff): nothing ended
    floors.check(phone)
