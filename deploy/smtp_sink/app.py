"""The demo SMTP sink: an SMTP server (aiosmtpd) that keeps the mails it receives, and an
HTTP API to read them (``GET /mails``). Demo and tests only; nothing is relayed."""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller
from fastapi import FastAPI
from pydantic import BaseModel

KEEP = 500


class Mail(BaseModel):
    """One received mail."""

    received_at: datetime
    sender: str
    recipients: list[str]
    subject: str
    message_id: str | None
    delivery_id: str | None
    body: str


class Mailbox:
    """The last ``KEEP`` mails (an aiosmtpd handler)."""

    def __init__(self) -> None:
        self.mails: deque[Mail] = deque(maxlen=KEEP)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        part = message.get_body(preferencelist=("plain",))
        self.mails.append(
            Mail(
                received_at=datetime.now(UTC),
                sender=str(envelope.mail_from),
                recipients=[str(r) for r in envelope.rcpt_tos],
                subject=str(message["Subject"] or ""),
                message_id=message["Message-ID"],
                delivery_id=message["X-KAM-Delivery-Id"],
                body=str(part.get_content()) if part is not None else "",
            )
        )
        return "250 OK"


def create_app(smtp_host: str, smtp_port: int) -> FastAPI:
    """The HTTP side; the SMTP server runs in its own thread for the app's lifetime."""
    mailbox = Mailbox()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        controller = Controller(mailbox, hostname=smtp_host, port=smtp_port)
        controller.start()
        try:
            yield
        finally:
            controller.stop()

    app = FastAPI(title="KAM demo SMTP sink", lifespan=lifespan)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/mails", response_model=list[Mail])
    async def mails(to: str | None = None) -> list[Mail]:
        """Received mails, newest first; ``to`` keeps those to one address."""
        found = [m for m in reversed(mailbox.mails) if to is None or to in m.recipients]
        return found

    @app.delete("/mails", status_code=204)
    async def clear() -> None:
        mailbox.mails.clear()

    return app
