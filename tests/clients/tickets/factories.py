"""Small helpers of the ticket tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

ACCOUNTS = "/v1/clients/accounts"
TICKETS = "/v1/clients/tickets"


def instant(value: str) -> datetime:
    return datetime.fromisoformat(value)


def ago(**delta: float) -> str:
    return (datetime.now(UTC) - timedelta(**delta)).isoformat()


async def open_ticket(
    client: httpx.AsyncClient,
    account_id: int,
    *,
    headers: dict[str, str] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    body = {
        "kind": "complaint",
        "severity": "critical",
        "channel": "phone",
        "title": "变电站跳闸",
        **fields,
    }
    response = await client.post(f"{ACCOUNTS}/{account_id}/tickets", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def move(
    client: httpx.AsyncClient,
    ticket: dict[str, Any],
    to: str,
    *,
    expect: int = 200,
    **fields: Any,
) -> dict[str, Any]:
    response = await client.post(
        f"{TICKETS}/{ticket['id']}/transitions",
        json={"to": to, **fields},
        headers={"If-Match": f'"{ticket["version"]}"'},
    )
    assert response.status_code == expect, response.text
    return response.json()


async def events(client: httpx.AsyncClient, ticket_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"{TICKETS}/{ticket_id}/events")
    assert response.status_code == 200, response.text
    return response.json()["items"]
