"""Run the demo SMTP sink: ``python -m deploy.smtp_sink --port 8026 --smtp-port 8025``."""

from __future__ import annotations

import argparse
import sys

import uvicorn

from deploy.smtp_sink.app import create_app
from shared.logging import configure_logging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.smtp_sink")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8026, help="HTTP port (GET /mails)")
    parser.add_argument("--smtp-port", type=int, default=8025)
    args = parser.parse_args(argv)
    configure_logging("smtp_sink")
    uvicorn.run(
        create_app(args.host, args.smtp_port),
        host=args.host,
        port=args.port,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=2,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
