"""Run the whole system on this machine: database, migrations, demo data, four processes.

    python -m deploy.run_local        (what ``make run`` does)

Uses ``DATABASE_URL`` when set, else an embedded PostgreSQL with its data under ``.data/``.
In demo mode (``KAM_LOAD_DEMO``, the default) it also starts a local SMTP sink (SMTP on
``KAM_SMTP_PORT``, 8025; mails readable at ``http://127.0.0.1:8026/mails``) and the fake ERP on
``KAM_FAKE_ERP_PORT`` (8009), wired both ways with fixed demo credentials: it pushes signed
webhooks to the gateway with the demo API key (scope ``erp:write``), and clients pulls its
changes feed (``CLIENTS_ERP_BASE_URL``). Ctrl-C stops everything it started.
"""

from __future__ import annotations

import asyncio
import base64
import json
import signal
import sys
import time
from types import FrameType

import structlog

from deploy.demo import load_demo_data
from deploy.embedded_pg import EmbeddedPostgres
from deploy.local_settings import RunnerSettings
from deploy.processes import Ports, Stack, process_environment
from services.staff.identity.demo import DEMO_ERP_API_KEY
from shared.bootstrap import prepare_database
from shared.db import DatabaseUnavailableError, wait_for_database
from shared.dsn import mask_password, with_database
from shared.logging import configure_logging

log = structlog.get_logger("run_local")

# Demo only (documented in the README): the secret the fake ERP signs webhooks with, and
# the key our pull sync presents to the fake ERP's API.
DEMO_ERP_WEBHOOK_SECRET = "whsec_" + base64.b64encode(b"kam-demo-erp-webhook-secret-2026").decode()
DEMO_ERP_FEED_KEY = "kam-demo-erp-feed-key-2026"


def demo_erp_environment(
    env: dict[str, str], gateway_url: str, fake_erp_url: str
) -> tuple[dict[str, str], dict[str, str]]:
    """The services' and the fake ERP's environments with the demo ERP link (values the
    caller set in the environment win)."""
    services = dict(env)
    services.setdefault("CLIENTS_ERP_WEBHOOK_SECRETS", json.dumps([DEMO_ERP_WEBHOOK_SECRET]))
    services.setdefault("CLIENTS_ERP_BASE_URL", fake_erp_url)
    services.setdefault("CLIENTS_ERP_API_KEY", DEMO_ERP_FEED_KEY)
    fake = dict(env)
    fake.setdefault("FAKE_ERP_WEBHOOK_URL", f"{gateway_url}/v1/clients/erp/webhooks")
    fake.setdefault("FAKE_ERP_WEBHOOK_SECRETS", DEMO_ERP_WEBHOOK_SECRET)
    fake.setdefault("FAKE_ERP_WEBHOOK_API_KEY", DEMO_ERP_API_KEY)
    fake.setdefault("FAKE_ERP_FEED_API_KEY", DEMO_ERP_FEED_KEY)
    return services, fake


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
            fake_erp=settings.fake_erp_port,
            smtp_sink=settings.smtp_sink_port,
            smtp=settings.smtp_port,
        ),
    )
    stopping = False

    def request_stop(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        env = process_environment(admin_url)
        fake_env: dict[str, str] | None = None
        if settings.load_demo:
            env, fake_env = demo_erp_environment(env, stack.url("gateway"), stack.url("fake_erp"))
            # Staff's e-mail goes to the demo SMTP sink, whose mails are read over HTTP.
            env.setdefault("STAFF_SMTP_HOST", settings.host)
            env.setdefault("STAFF_SMTP_PORT", str(settings.smtp_port))
            stack.start_smtp_sink()
            log.info(
                "smtp_sink_started",
                smtp_port=settings.smtp_port,
                mails=f"{stack.url('smtp_sink')}/mails",
            )
        stack.start(env)
        if fake_env is not None:
            stack.start_fake_erp(fake_env)
            log.info("fake_erp_started", url=stack.url("fake_erp"), control="/control/...")
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
