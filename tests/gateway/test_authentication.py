"""The gateway refuses every request without a valid credential, before any upstream."""

import base64
import hashlib
import hmac
import json
import time

import pytest

from deploy.test_runner import free_port
from shared.auth.principal import Role
from shared.auth.tokens import SigningKey
from tests.conftest import TEST_KEY, token_for
from tests.gateway.test_proxy_faults import gateway_client

UPSTREAM = f"http://127.0.0.1:{free_port()}"  # nothing listens: passing auth gives 503


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def part(obj: dict) -> str:
    return b64(json.dumps(obj).encode())


CLAIMS = {"sub": "user:1", "aud": "kam", "iss": "kam-staff", "roles": ["admin"]}


def unsigned_token() -> str:
    claims = {**CLAIMS, "iat": int(time.time()), "exp": int(time.time()) + 600}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def hs256_with_public_key() -> str:
    """Key confusion: an HMAC signed with the public key as the secret."""
    claims = {**CLAIMS, "iat": int(time.time()), "exp": int(time.time()) + 600}
    signing_input = f"{part({'alg': 'HS256', 'kid': TEST_KEY.kid})}.{part(claims)}"
    secret = json.dumps(TEST_KEY.public_jwk()).encode()
    signature = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64(signature)}"


BAD_TOKENS = {
    "alg none": unsigned_token,
    "key confusion HS256": hs256_with_public_key,
    "another key": lambda: token_for(Role.ADMIN, key=SigningKey.generate()),
    "expired": lambda: token_for(Role.ADMIN, lifetime_seconds=-60),
    "garbage": lambda: "not.a.token",
}


@pytest.mark.parametrize("name", sorted(BAD_TOKENS))
async def test_bad_tokens_are_401(name: str) -> None:
    async for client in gateway_client(UPSTREAM):
        response = await client.get(
            "/v1/clients/accounts", headers={"Authorization": f"Bearer {BAD_TOKENS[name]()}"}
        )
        assert response.status_code == 401, name
        assert response.headers["www-authenticate"] == "Bearer"
        assert response.headers["content-type"] == "application/problem+json"


async def test_wrong_audience_is_401() -> None:
    from shared.auth.tokens import issue_token

    token = issue_token(TEST_KEY, subject="user:1", lifetime_seconds=600, extra={"aud": "erp"})
    async for client in gateway_client(UPSTREAM):
        response = await client.get(
            "/v1/clients/accounts", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401


async def test_no_credential_is_401_and_a_good_one_passes() -> None:
    async for client in gateway_client(UPSTREAM):
        anonymous = await client.get("/v1/clients/accounts", headers={"Authorization": ""})
        assert anonymous.status_code == 401
        assert (await client.get("/v1/clients/accounts")).status_code == 503


async def test_internal_paths_are_not_reachable_from_outside() -> None:
    async for client in gateway_client(UPSTREAM):
        for path in ("/v1/clients/internal/org/employees", "/v1/auth/service-token"):
            response = await client.post(path, json={})
            assert response.status_code == 404, path


async def test_sign_in_paths_need_no_credential() -> None:
    async for client in gateway_client(UPSTREAM, staff_url=UPSTREAM):
        response = await client.post("/v1/auth/token", headers={"Authorization": ""})
        assert response.status_code == 503  # passed authentication; staff is not there


async def test_rate_limit_answers_429_with_retry_after() -> None:
    async for client in gateway_client(UPSTREAM, rate_limit_per_minute=60, rate_limit_burst=3):
        statuses = [(await client.get("/v1/clients/accounts")).status_code for _ in range(5)]
        assert statuses[:3] == [503, 503, 503]
        assert statuses[3] == 429
        limited = await client.get("/v1/clients/accounts")
        assert int(limited.headers["retry-after"]) >= 1
        other = await client.get(
            "/v1/clients/accounts",
            headers={"Authorization": f"Bearer {token_for(Role.ADMIN, subject='user:2')}"},
        )
        assert other.status_code == 503  # another caller has their own budget
