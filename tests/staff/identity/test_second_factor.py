"""The second factor against the real database (rolled back), in process: challenges,
enrolment, wrong answers, replays, expiry, recovery codes and the administrator's reset."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pyotp
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from services.staff.settings import StaffSettings
from tests.conftest import _client_in_transaction

PASSWORD = "correct-horse-battery"


@pytest.fixture
async def client(engines: dict[str, AsyncEngine]) -> AsyncIterator[httpx.AsyncClient]:
    """Staff with the second factor required of finance (the suite's default is none)."""
    from services.staff.app import create_app

    app = create_app(StaffSettings(second_factor_roles=("finance",)))
    async for client in _client_in_transaction(engines["staff"], app):
        client.app = app  # type: ignore[attr-defined]
        yield client


async def make_user(client: httpx.AsyncClient, login: str, *roles: str) -> dict[str, Any]:
    response = await client.post(
        "/v1/staff/users", json={"login": login, "password": PASSWORD, "roles": list(roles)}
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def sign_in(client: httpx.AsyncClient, login: str) -> dict[str, Any]:
    response = await client.post(
        "/v1/auth/token",
        data={"username": login, "password": PASSWORD},
        headers={"Authorization": ""},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def answer(client: httpx.AsyncClient, challenge: str, **body: str) -> httpx.Response:
    return await client.post(
        "/v1/auth/second-factor",
        json={"challenge": challenge, **body},
        headers={"Authorization": ""},
    )


def code(secret: str, steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(time.time() + 30 * steps)


def wrong(secret: str) -> str:
    window = {code(secret, s) for s in range(-2, 3)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in window)


async def enrolled(client: httpx.AsyncClient, login: str) -> tuple[str, list[str]]:
    """Sign in, enrol and confirm: the secret and the recovery codes."""
    challenge = await sign_in(client, login)
    assert challenge["enrolment_required"] is True and "access_token" not in challenge
    enrolment = await client.post(
        "/v1/auth/second-factor/enrolment",
        json={"challenge": challenge["challenge"]},
        headers={"Authorization": ""},
    )
    assert enrolment.status_code == 200, enrolment.text
    secret = enrolment.json()["secret"]
    confirmed = await answer(client, challenge["challenge"], code=code(secret))
    assert confirmed.status_code == 200, confirmed.text
    return secret, confirmed.json()["recovery_codes"]


async def audit(client: httpx.AsyncClient, action: str) -> list[dict[str, Any]]:
    response = await client.get("/v1/staff/audit", params={"action": action})
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_a_role_without_the_requirement_signs_in_with_tokens(
    client: httpx.AsyncClient,
) -> None:
    await make_user(client, "am.one", "account_manager")
    body = await sign_in(client, "am.one")
    assert body["access_token"] and "challenge" not in body


async def test_enrolment_then_a_code_accepted_once(client: httpx.AsyncClient) -> None:
    await make_user(client, "fin.one", "finance")
    secret, codes = await enrolled(client, "fin.one")
    assert len(codes) == 10 and len(set(codes)) == 10
    challenge = (await sign_in(client, "fin.one"))["challenge"]
    # The code that confirmed the enrolment is not accepted again.
    assert (await answer(client, challenge, code=code(secret))).status_code == 401
    signed = await answer(client, challenge, code=code(secret, 1))
    assert signed.status_code == 200 and signed.json()["recovery_codes"] is None
    # A second enrolment with a sign-in challenge of an enrolled person is refused.
    again = await sign_in(client, "fin.one")
    assert again["enrolment_required"] is False
    refused = await client.post(
        "/v1/auth/second-factor/enrolment",
        json={"challenge": again["challenge"]},
        headers={"Authorization": ""},
    )
    assert refused.status_code == 401
    assert len(await audit(client, "second_factor_enrolled")) == 1


async def test_five_wrong_codes_void_the_challenge(client: httpx.AsyncClient) -> None:
    await make_user(client, "fin.two", "finance")
    secret, _ = await enrolled(client, "fin.two")
    challenge = (await sign_in(client, "fin.two"))["challenge"]
    for _ in range(5):
        assert (await answer(client, challenge, code=wrong(secret))).status_code == 401
    assert (await answer(client, challenge, code=code(secret, 1))).status_code == 401
    failures = await audit(client, "second_factor_failed")
    assert [entry["after"]["failures"] for entry in failures][:5] == [5, 4, 3, 2, 1]


async def test_an_expired_challenge_is_refused(client: httpx.AsyncClient) -> None:
    await make_user(client, "fin.three", "finance")
    secret, _ = await enrolled(client, "fin.three")
    challenge = (await sign_in(client, "fin.three"))["challenge"]
    async with client.app.state.session_factory() as session:  # type: ignore[attr-defined]
        await (await session.connection()).execute(
            text("UPDATE staff.sign_in_challenges SET expires_at = now() - interval '1 second'")
        )
        await session.commit()
    assert (await answer(client, challenge, code=code(secret, 1))).status_code == 401


async def test_recovery_codes_work_once_as_typed(client: httpx.AsyncClient) -> None:
    await make_user(client, "fin.four", "finance")
    _, codes = await enrolled(client, "fin.four")
    typed = codes[3].upper().replace("-", " ")
    first = await answer(
        client, (await sign_in(client, "fin.four"))["challenge"], recovery_code=typed
    )
    assert first.status_code == 200, first.text
    second = await answer(
        client, (await sign_in(client, "fin.four"))["challenge"], recovery_code=codes[3]
    )
    assert second.status_code == 401
    other = await answer(
        client, (await sign_in(client, "fin.four"))["challenge"], recovery_code=codes[4]
    )
    assert other.status_code == 200


async def test_an_answer_needs_exactly_one_of_code_and_recovery_code(
    client: httpx.AsyncClient,
) -> None:
    both = await answer(client, "x" * 43, code="123456", recovery_code="abcde-fghjk")
    assert both.status_code == 422
    assert (await answer(client, "x" * 43)).status_code == 422
    assert (await answer(client, "x" * 43, code="123456")).status_code == 401


async def test_the_administrators_reset_needs_the_current_etag(client: httpx.AsyncClient) -> None:
    user = await make_user(client, "fin.five", "finance")
    await enrolled(client, "fin.five")
    path = f"/v1/staff/users/{user['id']}/second-factor-reset"
    assert (await client.post(path)).status_code == 428
    assert (await client.post(path, headers={"If-Match": '"99"'})).status_code == 412
    current = await client.get(f"/v1/staff/users/{user['id']}")
    reset = await client.post(path, headers={"If-Match": current.headers["ETag"]})
    assert reset.status_code == 200, reset.text
    assert reset.json()["version"] == current.json()["version"] + 1
    assert (await sign_in(client, "fin.five"))["enrolment_required"] is True
    entries = await audit(client, "second_factor_reset")
    assert entries[0]["entity_id"] == str(user["id"]) and entries[0]["after"]["had_factor"]
    missing = await client.post(
        "/v1/staff/users/999999/second-factor-reset", headers={"If-Match": '"1"'}
    )
    assert missing.status_code == 404


async def test_company_sign_on_not_configured_is_404(client: httpx.AsyncClient) -> None:
    for provider in ("oidc", "wecom", "dingtalk"):
        response = await client.get(f"/v1/auth/{provider}/login", headers={"Authorization": ""})
        assert response.status_code == 404, response.text


async def test_a_person_chooses_a_second_factor_and_removes_it(
    client: httpx.AsyncClient,
) -> None:
    await make_user(client, "am.two", "account_manager")
    bearer = {"Authorization": f"Bearer {(await sign_in(client, 'am.two'))['access_token']}"}
    enrolment = await client.post("/v1/me/second-factor/enrolment", headers=bearer)
    assert enrolment.status_code == 200, enrolment.text
    secret, challenge = enrolment.json()["secret"], enrolment.json()["challenge"]
    confirmed = await answer(client, challenge, code=code(secret))
    assert confirmed.status_code == 200 and len(confirmed.json()["recovery_codes"]) == 10
    assert (await client.post("/v1/me/second-factor/enrolment", headers=bearer)).status_code == 409
    # Enrolled: the password alone no longer signs in.
    assert (await sign_in(client, "am.two"))["enrolment_required"] is False
    removal = "/v1/me/second-factor/removal"
    refused = await client.post(removal, json={"code": wrong(secret)}, headers=bearer)
    assert refused.status_code == 401
    removed = await client.post(removal, json={"code": code(secret, 1)}, headers=bearer)
    assert removed.status_code == 204, removed.text
    assert "access_token" in await sign_in(client, "am.two")
    assert len(await audit(client, "second_factor_removed")) == 1


async def test_a_role_that_requires_the_second_factor_cannot_remove_it(
    client: httpx.AsyncClient,
) -> None:
    await make_user(client, "fin.six", "finance")
    secret, _ = await enrolled(client, "fin.six")
    challenge = (await sign_in(client, "fin.six"))["challenge"]
    tokens = (await answer(client, challenge, code=code(secret, 1))).json()
    removal = await client.post(
        "/v1/me/second-factor/removal",
        json={"code": code(secret, 1)},
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert removal.status_code == 403
