"""Start one process: ``python -m deploy.serve staff --port 8002``.

A service first waits (boundedly) for its database and, when it stays unreachable, exits
with one clear line naming the URL (password masked) instead of a traceback.

SIGTERM (what Kubernetes and docker send) is a requested stop: uvicorn stops accepting,
lets requests in flight finish (up to ``--graceful-seconds``), runs the lifespan's shutdown
(outbox dispatcher, timers, pool) and the process exits 0.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from types import FrameType

import uvicorn

from deploy.dbctl import SERVICE_SETTINGS
from deploy.processes import APPS
from shared.db import DatabaseUnavailableError, wait_for_database

EXIT_DATABASE_UNAVAILABLE = 3
GRACEFUL_SECONDS = 20
KEEP_ALIVE_SECONDS = 5
"""Idle keep-alive connections are closed after this; the gateway's pool lets go sooner
(gateway/upstream.py). uvloop and httptools are named, not left to "auto", so a missing
one fails the start instead of silently costing throughput (bench/README.md)."""
"""Longest wait for requests in flight after SIGTERM; below Kubernetes' grace period (30)."""


def _stop_requested(signum: int, frame: FrameType | None) -> None:
    # uvicorn handles SIGTERM itself while it serves, then re-raises it once it has shut
    # down; landing here then (or before it started) is a clean, requested stop.
    raise SystemExit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.serve")
    parser.add_argument("app", choices=sorted(APPS))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--graceful-seconds", type=int, default=GRACEFUL_SECONDS)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, _stop_requested)
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
        timeout_graceful_shutdown=args.graceful_seconds,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        loop="uvloop",
        http="httptools",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
