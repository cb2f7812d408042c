"""The demo SMTP sink as a process: a mail sent by staff's SMTP client is read over HTTP."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx

from deploy.processes import Ports, Stack
from deploy.test_runner import free_port
from services.staff.notifications.models import Delivery
from services.staff.notifications.senders import SmtpSender


async def test_a_sent_mail_can_be_read_over_http() -> None:
    stack = Stack(host="127.0.0.1", ports=Ports(smtp_sink=free_port(), smtp=free_port()))
    stack.start_smtp_sink()
    try:
        delivery = Delivery(
            id=uuid.uuid4(),
            work_item_id=1,
            dedupe_key="item:1:email",
            employee_id=1,
            channel="email",
            address="li.na@example.com",
            subject="【KAM待办】催收任务：华东电力 逾期",
            body="李娜，您好：\n\n您有一项新的待办。",
            next_attempt_at=datetime.now(UTC),
        )
        sender = SmtpSender("127.0.0.1", stack.ports.smtp, "KAM <kam@example.com>", 5)
        await sender.send(delivery)
        async with httpx.AsyncClient(base_url=stack.url("smtp_sink"), timeout=5) as client:
            mails = (await client.get("/mails", params={"to": "li.na@example.com"})).json()
            assert [(m["subject"], m["delivery_id"]) for m in mails] == [
                (delivery.subject, str(delivery.id))
            ]
            assert mails[0]["body"].startswith("李娜，您好：")
            assert (await client.get("/mails", params={"to": "x@example.com"})).json() == []
    finally:
        stack.stop()
