"""Sign-in throttling against the real database: 429 with Retry-After, counted per login
string whether or not the login exists, and per client address."""

import httpx
from sqlmodel import select

from services.staff.identity.models import SignInThrottle
from services.staff.identity.sign_in_guard import SignInGuard
from services.staff.settings import StaffSettings
from tests.staff.conftest import StaffApp
from tests.staff.identity.test_api import PASSWORD, make_user, sign_in

THROTTLED = "urn:kam:problem:sign-in-throttled"


def strict_guard(staff: StaffApp, **settings: object) -> None:
    """Thresholds small enough for a test: three free failures, locked at the fourth."""
    values = {"sign_in_free_failures": 3, "sign_in_lock_after": 4, "sign_in_delay_seconds": 60}
    staff.app.state.sign_in_guard = SignInGuard.from_settings(
        StaffSettings(**{**values, **settings})
    )


async def failures_of(staff: StaffApp, *keys: str) -> dict[str, int]:
    """Failures counted under these keys (the e2e tests share the database: other keys
    may hold their counts)."""
    async with staff.session_factory() as session:
        rows = (await session.exec(select(SignInThrottle))).all()
    return {row.key: row.failures for row in rows if row.key in keys}


async def failures_until_refused(client: httpx.AsyncClient, login: str) -> list[int]:
    statuses = []
    for _ in range(10):
        response = await sign_in(client, login, "wrong-password!")
        statuses.append(response.status_code)
        if response.status_code == 429:
            break
    return statuses


async def test_after_the_free_failures_a_login_waits_before_its_next_attempt(
    staff: StaffApp,
) -> None:
    await make_user(staff.client, "wang.lei")
    strict_guard(staff, sign_in_lock_after=10)
    assert await failures_until_refused(staff.client, "wang.lei") == [401] * 4 + [429]
    refused = await sign_in(staff.client, "wang.lei")  # the right password: refused unchecked
    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert 50 <= int(refused.headers["Retry-After"]) <= 60  # 60 s after the last failure
    assert refused.json()["type"] == THROTTLED
    assert (await sign_in(staff.client, "li.na", "wrong-password!")).status_code == 401


async def test_a_locked_login_refuses_even_the_right_password_until_the_lock_ends(
    staff: StaffApp,
) -> None:
    await make_user(staff.client, "wang.lei")
    strict_guard(staff, sign_in_delay_seconds=0.001, sign_in_lock_seconds=900)
    assert await failures_until_refused(staff.client, "wang.lei") == [401] * 4 + [429]
    refused = await sign_in(staff.client, "wang.lei")
    assert refused.status_code == 429 and refused.json()["type"] == THROTTLED
    assert 890 <= int(refused.headers["Retry-After"]) <= 900


async def test_an_unknown_login_gets_exactly_the_answers_of_a_known_one(
    staff: StaffApp,
) -> None:
    await make_user(staff.client, "wang.lei")
    strict_guard(staff)
    known = [await sign_in(staff.client, "wang.lei", "wrong-password!") for _ in range(5)]
    unknown = [await sign_in(staff.client, "no.such.user", "wrong-password!") for _ in range(5)]

    def seen(response: httpx.Response) -> tuple[int, str, str, str | None]:
        body = response.json()
        return (
            response.status_code,
            body["type"],
            body["detail"],
            response.headers.get("Retry-After"),
        )

    assert [seen(r) for r in known] == [seen(r) for r in unknown]
    assert [r.status_code for r in known] == [401, 401, 401, 401, 429]


async def test_a_success_forgets_the_logins_failures(staff: StaffApp) -> None:
    await make_user(staff.client, "wang.lei")
    strict_guard(staff)
    for _ in range(3):
        assert (await sign_in(staff.client, "wang.lei", "wrong-password!")).status_code == 401
    assert (await sign_in(staff.client, "wang.lei", PASSWORD)).status_code == 200
    assert await failures_until_refused(staff.client, "wang.lei") == [401] * 4 + [429]


async def test_failures_are_counted_by_the_address_the_trusted_gateway_forwards(
    staff: StaffApp,
) -> None:
    strict_guard(staff, trusted_proxies=["127.0.0.1"])  # the test client's address
    for forwarded in ("198.51.100.7", "198.51.100.7", "203.0.113.9"):
        response = await staff.client.post(
            "/v1/auth/token",
            data={"username": "Nobody.Throttled ", "password": "wrong-password!"},
            headers={"Authorization": "", "X-Forwarded-For": forwarded},
        )
        assert response.status_code == 401
    keys = ("login:nobody.throttled", "address:198.51.100.7", "address:203.0.113.9")
    assert await failures_of(staff, *keys) == {
        "login:nobody.throttled": 3,
        "address:198.51.100.7": 2,
        "address:203.0.113.9": 1,
    }


async def test_an_untrusted_peer_cannot_choose_its_address(staff: StaffApp) -> None:
    strict_guard(staff, trusted_proxies=["10.0.0.0/8"])
    before = await failures_of(staff, "address:127.0.0.1")
    for forwarded in ("198.51.100.8", "203.0.113.10"):
        await staff.client.post(
            "/v1/auth/token",
            data={"username": "nobody.untrusted", "password": "wrong-password!"},
            headers={"Authorization": "", "X-Forwarded-For": forwarded},
        )
    after = await failures_of(staff, "address:127.0.0.1", "address:198.51.100.8")
    assert after == {"address:127.0.0.1": before.get("address:127.0.0.1", 0) + 2}
