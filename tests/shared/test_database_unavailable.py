"""A lost database connection answers 503 with ``Retry-After``; other database errors stay
500. The errors are the libraries' own, several of them made for real: a backend the
server terminates, a port nothing listens on.
"""

from collections.abc import AsyncIterator, Callable

import asyncpg
import httpx
import pytest
import sqlalchemy.exc
import structlog
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from structlog.testing import capture_logs

import shared.error_handlers as handlers_module
from deploy.test_runner import free_port
from shared.database_errors import (
    CONNECTION_LOST_DETAIL,
    POOL_EXHAUSTED_DETAIL,
    database_unavailable,
)
from shared.dsn import asyncpg_dsn, sqlalchemy_url
from shared.error_handlers import install_error_handlers
from shared.request_id import RequestIdMiddleware

STATEMENT = "SELECT password_hash FROM staff.users WHERE login = $1"
LEAKS = ("Traceback", "SELECT", "password", "asyncpg", "sqlalchemy", "QueuePool", "127.0.0.1")


def wrapped(orig: Exception, *, invalidated: bool) -> sqlalchemy.exc.DBAPIError:
    """``orig`` as SQLAlchemy raises it out of a statement."""
    error = sqlalchemy.exc.DBAPIError.instance(
        STATEMENT, ("alice",), orig, Exception, connection_invalidated=invalidated
    )
    assert isinstance(error, sqlalchemy.exc.DBAPIError)
    return error


def connection_closed() -> asyncpg.InterfaceError:
    return asyncpg.InterfaceError("cannot call Connection.fetch(): connection is closed")


def pool_timeout() -> sqlalchemy.exc.TimeoutError:
    return sqlalchemy.exc.TimeoutError(
        "QueuePool limit of size 10 overflow 10 reached, connection timed out, timeout 30.00"
    )


def closed_mid_operation() -> asyncpg.exceptions.ConnectionDoesNotExistError:
    return asyncpg.exceptions.ConnectionDoesNotExistError(
        "connection was closed in the middle of operation"
    )


def terminated() -> asyncpg.exceptions.AdminShutdownError:
    return asyncpg.exceptions.AdminShutdownError(
        "terminating connection due to administrator command"
    )


LOST: dict[str, Callable[[], BaseException]] = {
    "invalidated": lambda: wrapped(connection_closed(), invalidated=True),
    "wrapped-admin-shutdown": lambda: wrapped(terminated(), invalidated=False),
    "closed-mid-operation": closed_mid_operation,
    "interface-closed": connection_closed,
    "cannot-connect-now": lambda: asyncpg.exceptions.CannotConnectNowError(
        "the database system is starting up"
    ),
    "wrapped-connection-reset": lambda: wrapped(
        ConnectionResetError(104, "reset"), invalidated=False
    ),
}
OTHER: dict[str, Callable[[], BaseException]] = {
    "unique-violation": lambda: wrapped(
        asyncpg.exceptions.UniqueViolationError("duplicate key value"), invalidated=False
    ),
    "protocol-violation": lambda: asyncpg.exceptions.ProtocolViolationError(
        "bind message supplies 2 parameters, but prepared statement requires 1"
    ),
    "another-operation": lambda: asyncpg.InterfaceError(
        "cannot perform operation: another operation is in progress"
    ),
    "our-own-socket": lambda: ConnectionResetError(104, "Connection reset by peer"),
    "runtime": lambda: RuntimeError("connection closed"),
}


@pytest.mark.parametrize("make", LOST.values(), ids=LOST.keys())
def test_a_lost_connection_is_recognised(make: Callable[[], BaseException]) -> None:
    assert database_unavailable(make()) == CONNECTION_LOST_DETAIL


def test_an_exhausted_pool_is_recognised() -> None:
    assert database_unavailable(pool_timeout()) == POOL_EXHAUSTED_DETAIL


@pytest.mark.parametrize("make", OTHER.values(), ids=OTHER.keys())
def test_other_errors_are_not(make: Callable[[], BaseException]) -> None:
    assert database_unavailable(make()) is None


async def test_a_terminated_backend_is_recognised(
    raw_engine: AsyncEngine, database_url: str
) -> None:
    """What a service sees after ``pg_terminate_backend``, a restart or a failover."""
    monitor = await asyncpg.connect(asyncpg_dsn(database_url))
    try:
        async with raw_engine.connect() as connection:
            pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            assert await monitor.fetchval("SELECT pg_terminate_backend($1)", pid)
            with pytest.raises(sqlalchemy.exc.DBAPIError) as raised:
                await connection.execute(text("SELECT 1"))
    finally:
        await monitor.close()
    assert database_unavailable(raised.value) == CONNECTION_LOST_DETAIL


async def test_a_database_that_does_not_answer_is_recognised() -> None:
    """The OSError asyncpg raises under SQLAlchemy's pool, unwrapped, when nothing listens."""
    url = f"postgresql://kam@127.0.0.1:{free_port()}/kam"
    engine = create_async_engine(sqlalchemy_url(url))
    try:
        with pytest.raises(OSError) as raised:
            async with engine.connect():
                pass
    finally:
        await engine.dispose()
    assert not isinstance(raised.value, sqlalchemy.exc.SQLAlchemyError)
    assert database_unavailable(raised.value) == CONNECTION_LOST_DETAIL


@pytest.fixture
async def client(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[httpx.AsyncClient]:
    # A logger used before in this process is cached (cache_logger_on_first_use), and
    # capture_logs does not see a cached logger: give the handlers a fresh one.
    monkeypatch.setattr(handlers_module, "log", structlog.get_logger(handlers_module.__name__))
    app = FastAPI()
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)
    errors = {**LOST, **OTHER, "pool-timeout": pool_timeout}

    @app.get("/raise/{name}")
    async def fail(name: str) -> None:
        raise errors[name]()

    @app.get("/refused")
    async def refused() -> None:
        url = f"postgresql://kam@127.0.0.1:{free_port()}/kam"
        await asyncpg.connect(asyncpg_dsn(url), timeout=5)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        yield c


def assert_retry_later(response: httpx.Response, detail: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "1"
    body = response.json()
    assert body["type"] == "urn:kam:problem:database-unavailable"
    assert (body["status"], body["detail"]) == (503, detail)
    assert body["request_id"] == response.headers["x-request-id"]
    assert not [leak for leak in LEAKS if leak in response.text], response.text


@pytest.mark.parametrize("name", [*LOST, "pool-timeout"])
async def test_a_lost_connection_answers_503_and_logs_a_warning(
    client: httpx.AsyncClient, name: str
) -> None:
    with capture_logs() as logs:
        response = await client.get(f"/raise/{name}")
    detail = POOL_EXHAUSTED_DETAIL if name == "pool-timeout" else CONNECTION_LOST_DETAIL
    assert_retry_later(response, detail)
    assert [(log["event"], log["log_level"]) for log in logs] == [
        ("database_unavailable", "warning")
    ]


async def test_a_refused_connection_answers_503(client: httpx.AsyncClient) -> None:
    assert_retry_later(await client.get("/refused"), CONNECTION_LOST_DETAIL)


@pytest.mark.parametrize("name", OTHER)
async def test_other_errors_stay_500(client: httpx.AsyncClient, name: str) -> None:
    with capture_logs() as logs:
        response = await client.get(f"/raise/{name}")
    assert response.status_code == 500, response.text
    assert response.json()["type"] == "urn:kam:problem:internal-error"
    assert "retry-after" not in response.headers
    assert [(log["event"], log["log_level"]) for log in logs] == [("unhandled_error", "error")]
