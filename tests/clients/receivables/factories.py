"""ERP events and signed deliveries for the receivables tests."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import httpx

from shared.auth.principal import Role
from shared.webhooks import signature_headers
from tests.conftest import bearer

SECRET = "whsec_" + base64.b64encode(b"receivables-test-secret-32-bytes").decode()
OLD_SECRET = "whsec_" + base64.b64encode(b"the-previous-erp-secret-32-bytes").decode()
ERP_TOKEN = bearer(subject="api_key:7", scopes=frozenset({"erp:write"}))
FINANCE = bearer(Role.FINANCE, employee_id=950)
WEBHOOK = "/v1/clients/erp/webhooks"


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "CNY"}


def invoice_event(
    document_no: str,
    account_ref: str,
    lines: list[tuple[str, str]],
    *,
    version: int = 1,
    status: str = "open",
    issue_date: str = "2026-06-01",
) -> dict[str, Any]:
    total = sum((Decimal(amount) for _, amount in lines), Decimal(0))
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "invoice.upserted",
        "occurred_at": "2026-11-20T02:15:00+00:00",
        "data": {
            "document_no": document_no,
            "account_ref": account_ref,
            "contract_ref": None,
            "total": money(str(total)),
            "issue_date": issue_date,
            "due_lines": [
                {"line_no": n, "due_date": due, "amount": money(amount)}
                for n, (due, amount) in enumerate(lines, start=1)
            ],
            "status": status,
            "version": version,
            "future_field": "ignored",
        },
    }


def payment_event(
    erp_ref: str,
    account_ref: str,
    amount: str,
    received_on: str,
    allocations: Sequence[tuple[str, int | None, str]] = (),
) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "payment.received",
        "occurred_at": "2026-11-20T02:15:00+00:00",
        "data": {
            "erp_ref": erp_ref,
            "account_ref": account_ref,
            "amount": money(amount),
            "received_on": received_on,
            "allocations": [
                {"document_no": doc, "line_no": line_no, "amount": money(value)}
                for doc, line_no, value in allocations
            ],
            "reversed_on": None,
        },
    }


def reversal_event(erp_ref: str, reversed_on: str) -> dict[str, Any]:
    return {
        "id": f"evt_{uuid.uuid4().hex}",
        "type": "payment.reversed",
        "occurred_at": "2026-11-21T02:15:00+00:00",
        "data": {"erp_ref": erp_ref, "reversed_on": reversed_on, "reason": "bounced"},
    }


def signed(
    event: dict[str, Any] | bytes,
    *,
    webhook_id: str | None = None,
    secrets: list[str] | None = None,
    timestamp: int | None = None,
    auth: dict[str, str] | None = None,
) -> tuple[bytes, dict[str, str]]:
    body = event if isinstance(event, bytes) else json.dumps(event).encode()
    ident = webhook_id or (f"evt_{uuid.uuid4().hex}" if isinstance(event, bytes) else event["id"])
    headers = signature_headers(secrets or [SECRET], ident, body, timestamp=timestamp)
    return body, {**headers, **(ERP_TOKEN if auth is None else auth),
                  "Content-Type": "application/json"}  # fmt: skip


async def deliver(
    client: httpx.AsyncClient, event: dict[str, Any] | bytes, **options: Any
) -> httpx.Response:
    body, headers = signed(event, **options)
    return await client.post(WEBHOOK, content=body, headers=headers)
