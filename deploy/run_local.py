"""Run the whole system on this machine: database, migrations, demo data, four processes.

    python -m deploy.run_local        (what ``make run`` does)

Uses ``DATABASE_URL`` when set, else an embedded PostgreSQL with its data under ``.data/``.
Ctrl-C stops everything it started.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from types import FrameType

import structlog

from deploy.demo import load_demo_data
from deploy.embedded_pg import EmbeddedPostgres
from deploy.local_settings import RunnerSettings
from deploy.processes import Ports, Stack, process_environment
from shared.bootstrap import prepare_database
from shared.db import DatabaseUnavailableError, wait_for_database
from shared.dsn import mask_password, with_database
from shared.logging import configure_logging

log = structlog.get_logger("run_local")


def main() -> int:
    configure_logging("runner")
    settings = RunnerSettings()
    embedded: EmbeddedPostgres | None = None
    started = time.monotonic()
    if settings.database_url:
        admin_url = settings.database_url
    else:
        embedded = EmbeddedPostgres(settings.data_dir / "postgres", settings.embedded_pg_port)
        admin_url = with_database(embedded.start(), settings.database_name)
    try:
        asyncio.run(wait_for_database(with_database(admin_url, "postgres"), 30))
        asyncio.run(prepare_database(admin_url))
        if settings.load_demo:
            asyncio.run(load_demo_data(admin_url))
    except DatabaseUnavailableError as exc:
        log.error("database_unavailable", reason=str(exc))
        return 2
    stack = Stack(
        host=settings.host,
        ports=Ports(
            gateway=settings.gateway_port,
            clients=settings.clients_port,
            staff=settings.staff_port,
            kpi=settings.kpi_port,
        ),
    )
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        stack.start(process_environment(admin_url))
        gateway = stack.url("gateway")
        log.info(
            "system_ready",
            seconds=round(time.monotonic() - started, 1),
            database=mask_password(admin_url),
            swagger_ui=f"{gateway}/docs",
            openapi=f"{gateway}/openapi.json",
        )
        sys.stderr.write(f"\nKAM is running. Swagger UI: {gateway}/docs  (Ctrl-C stops)\n\n")
        while not stopping:
            for name, process in stack.processes.items():
                if process.poll() is not None:
                    log.error("process_exited", process=name, code=process.returncode)
                    stopping = True
            time.sleep(0.5)
    finally:
        stack.stop()
        if embedded is not None:
            embedded.stop()
        log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
