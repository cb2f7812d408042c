"""Staff's employee list, read through the shared service client (for the resync)."""

from __future__ import annotations

from typing import Any

from services.kpi.org.service import EMPLOYEES_PATH
from shared.errors import BadGateway
from shared.http_client import ServiceClient


class StaffEmployeesClient:
    """Pages of ``GET /v1/staff/employees`` (retried: a GET is idempotent)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def employees_page(self, cursor: str | None, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await self.client.request("GET", EMPLOYEES_PATH, params=params)
        if response.status_code != 200:
            raise BadGateway(f"staff answered {response.status_code} to the employee list")
        try:
            body = response.json()
        except ValueError as exc:
            raise BadGateway("staff's employee list is not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise BadGateway("staff's employee list has no items")
        return body
