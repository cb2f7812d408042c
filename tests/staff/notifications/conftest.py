"""A real SMTP server (aiosmtpd, own thread and port) that keeps what arrives."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import default
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from deploy.test_runner import free_port


@dataclass
class SmtpSink:
    """Mails received, parsed; ``port`` is where the server listens."""

    port: int = field(default_factory=free_port)
    mails: list[Message] = field(default_factory=list)
    controller: Controller | None = None

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.mails.append(message_from_bytes(envelope.content, policy=default))
        return "250 OK"

    def start(self) -> None:
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def delivery_ids(self) -> list[str]:
        return [str(mail["X-KAM-Delivery-Id"]) for mail in self.mails]


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink()
    sink.start()
    yield sink
    sink.stop()
