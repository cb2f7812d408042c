"""Channel senders: a real SMTP client (stdlib ``smtplib`` off the event loop)."""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from email.utils import formatdate
from typing import Protocol

from services.staff.notifications.models import Delivery


class SendFailed(Exception):
    """The channel did not take the message (down, refused, timed out)."""


class Sender(Protocol):
    async def send(self, delivery: Delivery) -> None: ...


class SmtpSender:
    """Sends e-mail to an SMTP server; the delivery id is the Message-ID, so a copy sent
    again after a crash is recognisably the same message."""

    def __init__(self, host: str, port: int, sender: str, timeout_seconds: float) -> None:
        self.host = host
        self.port = port
        self.sender = sender
        self.timeout_seconds = timeout_seconds

    def message(self, delivery: Delivery) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self.sender
        message["To"] = delivery.address
        message["Subject"] = delivery.subject
        message["Date"] = formatdate(localtime=False)
        message["Message-ID"] = f"<{delivery.id}@kam.delivery>"
        message["X-KAM-Delivery-Id"] = str(delivery.id)
        message.set_content(delivery.body)
        return message

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds) as client:
            client.send_message(message)

    async def send(self, delivery: Delivery) -> None:
        try:
            await asyncio.to_thread(self._send, self.message(delivery))
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"smtp: {exc!r}"[:500]) from exc
