"""Run the fake ERP: ``python -m deploy.fake_erp --port 8009 [--webhook-url URL]``.

Options override the ``FAKE_ERP_`` settings; the control API can change the target later.
"""

from __future__ import annotations

import argparse
import sys

import uvicorn

from deploy.fake_erp.app import create_app
from deploy.fake_erp.settings import FakeErpSettings
from shared.logging import configure_logging


def main(argv: list[str] | None = None) -> int:
    settings = FakeErpSettings()
    parser = argparse.ArgumentParser(prog="python -m deploy.fake_erp")
    parser.add_argument("--host", default=settings.host)
    parser.add_argument("--port", type=int, default=settings.port)
    parser.add_argument("--webhook-url", default=settings.webhook_url)
    args = parser.parse_args(argv)
    settings = settings.model_copy(
        update={"host": args.host, "port": args.port, "webhook_url": args.webhook_url}
    )
    configure_logging("fake_erp")
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
