"""Fixtures shared by the whole suite: one fresh database per run (per worker), service
apps bound to a rolled-back transaction per test, and the real processes for e2e tests."""

from __future__ import annotations

import base64
import json
import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from sqlalchemy import pool
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

from deploy.processes import Ports, Stack, process_environment
from deploy.test_runner import free_port
from services.staff.identity.lifespan import install_signing_keys
from shared.auth.principal import Role
from shared.auth.tokens import SigningKey, StaticKeys, TokenVerifier, issue_token
from shared.bootstrap import drop_database, prepare_database
from shared.dsn import sqlalchemy_url, with_credentials, with_database
from tests.settings import TestSettings

# Property tests check invariants, not speed: on a loaded 2-core machine data generation
# can be slow, which must not fail a test (timed checks live in make bench).
settings.register_profile("kam", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("kam")

OUTPUT_DIR = Path("test-output")

# The suite signs administrators and finance people in with a password everywhere; the
# second factor the product requires of them by default is tested where it is switched on
# explicitly (tests/staff/identity/test_second_factor*.py, tests/e2e/test_sign_on.py). Set
# here, it reaches the in-process apps and every process the tests start.
os.environ.setdefault("STAFF_SECOND_FACTOR_ROLES", "[]")


@pytest.fixture(scope="session")
def test_settings() -> TestSettings:
    return TestSettings()


@pytest.fixture(scope="session")
async def database_url(test_settings: TestSettings) -> AsyncIterator[str]:
    """A database made for this run and worker, migrated to head, dropped at the end."""
    name = f"kam_test_{test_settings.worker}_{uuid.uuid4().hex[:8]}"
    url = with_database(test_settings.database_url, name)
    await prepare_database(url, test_settings.role_prefix)
    yield url
    await drop_database(url)


def service_url(database_url: str, service: str, role_prefix: str = "kam_") -> str:
    """The URL a service connects with (its own role)."""
    return with_credentials(database_url, f"{role_prefix}{service}", None)


@pytest.fixture(scope="session")
async def engines(
    database_url: str, test_settings: TestSettings
) -> AsyncIterator[dict[str, AsyncEngine]]:
    """One engine per service, each connected as the service's own role."""
    created = {
        service: create_async_engine(
            sqlalchemy_url(service_url(database_url, service, test_settings.role_prefix)),
            pool_size=5,
        )
        for service in ("clients", "staff", "kpi")
    }
    yield created
    for engine in created.values():
        await engine.dispose()


AppFactory = Callable[[], FastAPI]
TEST_KEY = SigningKey.generate()


def token_for(
    *roles: Role | str,
    employee_id: int | None = None,
    subject: str = "user:1",
    scopes: frozenset[str] = frozenset(),
    key: SigningKey = TEST_KEY,
    lifetime_seconds: int = 4 * 3600,
) -> str:
    """A signed access token, as staff would issue it, with the suite's signing key.

    Long-lived: modules build their headers at import, and a loaded machine runs the suite
    for longer than a real token's ten minutes (tests of expiry pass their own lifetime)."""
    return issue_token(
        key,
        subject=subject,
        lifetime_seconds=lifetime_seconds,
        roles=frozenset({*roles, Role.EMPLOYEE}) if subject.startswith("user:") else frozenset(),
        scopes=scopes,
        employee_id=employee_id,
    )


def bearer(*roles: Role | str, **kwargs: object) -> dict[str, str]:
    """An Authorization header for a token with these roles."""
    return {"Authorization": f"Bearer {token_for(*roles, **kwargs)}"}  # type: ignore[arg-type]


def trust_test_key(app: FastAPI) -> None:
    """Make ``app`` verify tokens with the suite's key (staff also signs with it)."""
    if app.title == "KAM staff service":
        install_signing_keys(app, [TEST_KEY])
    else:
        app.state.token_verifier = TokenVerifier(StaticKeys({"keys": [TEST_KEY.public_jwk()]}))


async def _client_in_transaction(
    engine: AsyncEngine, app: FastAPI
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for ``app`` whose every write is rolled back after the test.

    It sends an administrator's token unless a test sets another Authorization header.
    """
    trust_test_key(app)
    async with engine.connect() as connection:
        transaction = await connection.begin()
        app.state.engine = engine
        app.state.session_factory = async_sessionmaker(
            bind=connection,
            class_=AsyncSession,
            expire_on_commit=False,
            join_transaction_mode="create_savepoint",
        )
        # Reads too see the test's transaction (the service's autocommit reads would not).
        app.state.read_session_factory = app.state.session_factory
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://test",
            # The tests read the English source messages; tests/shared/test_problem_languages
            # checks the Chinese default.
            headers={**bearer(Role.ADMIN), "Accept-Language": "en"},
        ) as client:
            yield client
        await transaction.rollback()


@pytest.fixture
async def staff_client(engines: dict[str, AsyncEngine]) -> AsyncIterator[httpx.AsyncClient]:
    from services.staff.app import create_app

    async for client in _client_in_transaction(engines["staff"], create_app()):
        yield client


@pytest.fixture
async def clients_client(engines: dict[str, AsyncEngine]) -> AsyncIterator[httpx.AsyncClient]:
    from services.clients.app import create_app

    async for client in _client_in_transaction(engines["clients"], create_app()):
        yield client


@pytest.fixture
async def kpi_client(engines: dict[str, AsyncEngine]) -> AsyncIterator[httpx.AsyncClient]:
    from services.kpi.app import create_app

    async for client in _client_in_transaction(engines["kpi"], create_app()):
        yield client


E2E_ERP_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"kam-e2e-erp-webhook-secret-2026").decode()
"""The ERP webhook secret clients verifies with in the e2e stack (tests sign with it)."""


@pytest.fixture(scope="session")
def stack(database_url: str) -> Iterator[Stack]:
    """The four real processes on free ports, against this run's database."""
    running = Stack(
        host="127.0.0.1",
        ports=Ports(gateway=free_port(), clients=free_port(), staff=free_port(), kpi=free_port()),
        log_dir=OUTPUT_DIR / "logs",
    )
    env = process_environment(
        database_url,
        {
            "KAM_LOG_JSON": "true",
            "GATEWAY_UPSTREAM_TIMEOUT_SECONDS": "5",
            "GATEWAY_API_KEY_CACHE_SECONDS": "0",
            # The session's logins outlive the default 10 minutes on a slow machine.
            "STAFF_ACCESS_TOKEN_MINUTES": "60",
            "CLIENTS_ERP_WEBHOOK_SECRETS": json.dumps([E2E_ERP_WEBHOOK_SECRET]),
        },
    )
    running.start(env)
    yield running
    running.stop()


E2E_ADMIN_PASSWORD = "e2e-admin-password-2026"


@pytest.fixture(scope="session")
def admin_headers(stack: Stack, database_url: str, test_settings: TestSettings) -> dict[str, str]:
    """Sign in through the gateway as an administrator created for this run."""
    import asyncio

    from services.staff.identity.bootstrap_admin import create_admin

    url = service_url(database_url, "staff", test_settings.role_prefix)
    asyncio.run(create_admin(url, "e2e.admin", E2E_ADMIN_PASSWORD))
    response = httpx.post(
        f"{stack.url('gateway')}/v1/auth/token",
        data={"username": "e2e.admin", "password": E2E_ADMIN_PASSWORD},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
async def raw_engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(sqlalchemy_url(database_url), poolclass=pool.NullPool)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def service_headers(stack: Stack) -> dict[str, str]:
    """A real service credential from staff (for internal endpoints, as a service calls them)."""
    response = httpx.post(
        f"{stack.url('staff')}/v1/auth/service-token",
        json={"service": "staff", "secret": "dev-internal-secret"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


LoginFactory = Callable[..., dict[str, str]]


@pytest.fixture(scope="session")
def login_as(stack: Stack, admin_headers: dict[str, str]) -> LoginFactory:
    """Create a login through the gateway (as the administrator) and sign in with it."""
    gateway = stack.url("gateway")

    def login(login: str, *roles: str, employee_id: int | None = None) -> dict[str, str]:
        password = f"{login}-password-2026"
        created = httpx.post(
            f"{gateway}/v1/staff/users",
            json={"login": login, "password": password, "roles": list(roles),
                  "employee_id": employee_id},
            headers=admin_headers,
            timeout=10,
        )  # fmt: skip
        assert created.status_code == 201, created.text
        token = httpx.post(
            f"{gateway}/v1/auth/token", data={"username": login, "password": password}, timeout=10
        )
        assert token.status_code == 200, token.text
        return {"Authorization": f"Bearer {token.json()['access_token']}"}

    return login


async def post_current(
    client: httpx.AsyncClient, record: str, action: str, **kwargs: Any
) -> httpx.Response:
    """POST ``record + action`` (archive, sign, submit …) with the record's current ETag in
    ``If-Match``, read as the same caller: a state change names the version it was based on,
    like a PATCH (issue 21)."""
    headers = dict(kwargs.pop("headers", None) or {})
    read = await client.get(record, headers=headers)
    # A record the caller cannot read gets a tag of no version: the POST answers as it
    # answers such a caller (404), not 428.
    tag = read.headers.get("etag", '"0"') if read.status_code in (200, 404) else None
    assert tag is not None, f"GET {record}: {read.status_code} {read.text[:200]}"
    return await client.post(f"{record}{action}", headers={"If-Match": tag, **headers}, **kwargs)


def if_match(
    client: httpx.Client, record: str, headers: dict[str, str] | None = None
) -> dict[str, str]:
    """``If-Match`` with the record's current ETag, read through a (synchronous) client, for
    a state change of it (e2e)."""
    read = client.get(record, headers=headers)
    assert "etag" in read.headers, f"GET {record}: {read.status_code} {read.text[:200]}"
    return {**(headers or {}), "If-Match": read.headers["etag"]}


async def get_as_sent_without_language(
    client: httpx.AsyncClient, url: str, **kwargs: Any
) -> httpx.Response:
    """GET ``url`` without the suite's ``Accept-Language: en``: what a caller who states no
    language gets (the company default, zh-CN)."""
    request = client.build_request("GET", url, **kwargs)
    del request.headers["Accept-Language"]
    return await client.send(request)
