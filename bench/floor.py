"""The floor: the fastest a Python service on this machine can answer get-account-by-id.

A bare FastAPI endpoint doing one primary-key lookup with raw asyncpg (a pool, no ORM, no
transaction, no authentication), served like the real processes (one uvicorn worker,
uvloop, httptools, no access log). The benchmark runs it in the same run as the services,
against the same database, as the reference their ratios are measured to.

    BENCH_FLOOR_DSN=postgresql://… python -m bench.floor --port 8010
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
import uvicorn
from fastapi import FastAPI, HTTPException

QUERY = "SELECT * FROM clients.accounts WHERE id = $1"


def create_app() -> FastAPI:
    dsn = os.environ["BENCH_FLOOR_DSN"]

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.pool = await asyncpg.create_pool(dsn, min_size=10, max_size=10)
        try:
            yield
        finally:
            await app.state.pool.close()

    app = FastAPI(lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)

    @app.get("/accounts/{account_id}")
    async def get_account(account_id: int) -> dict[str, Any]:
        row = await app.state.pool.fetchrow(QUERY, account_id)
        if row is None:
            raise HTTPException(404)
        return dict(row)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.floor")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(
        "bench.floor:create_app",
        factory=True,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level="warning",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
