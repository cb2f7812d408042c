"""Start one process: ``python -m deploy.serve staff --port 8002``.

A service first waits (boundedly) for its database and, when it stays unreachable, exits
with one clear line naming the URL (password masked) instead of a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import uvicorn

from deploy.dbctl import SERVICE_SETTINGS
from deploy.processes import APPS
from shared.db import DatabaseUnavailableError, wait_for_database

EXIT_DATABASE_UNAVAILABLE = 3


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve")
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    if args.app in SERVICE_SETTINGS:
        settings = SERVICE_SETTINGS[args.app]()
        try:
            asyncio.run(
                wait_for_database(settings.service_database_url(), settings.db_connect_wait_seconds)
            )
        except DatabaseUnavailableError as exc:
            sys.stderr.write(f"{args.app}: cannot start: {exc}\n")
            return EXIT_DATABASE_UNAVAILABLE
    uvicorn.run(
        APPS[args.app],
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=10,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
