"""Staff's employee list, page by page, as the full resync reads it."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import AliasChoices, BaseModel, ConfigDict, Field

from shared.errors import BadGateway
from shared.http_client import ServiceClient
from shared.org_events import EmployeeStatus

STAFF_EMPLOYEES_PATH = "/v1/staff/employees"


class StaffEmployeeItem(BaseModel):
    """One row of ``GET /v1/staff/employees`` (tolerant of extras and of staff's names)."""

    model_config = ConfigDict(extra="ignore")

    employee_id: int = Field(validation_alias=AliasChoices("employee_id", "id"))
    employee_no: str | None = None
    name: str
    position_code: str | None = None
    department_id: int | None = None
    manager_id: int | None = Field(
        default=None, validation_alias=AliasChoices("effective_manager_id", "manager_id")
    )
    status: EmployeeStatus
    authority_limits: dict[str, Any] = Field(default_factory=dict)
    version: int


class StaffEmployeePages(Protocol):
    """What the resync needs from staff: one page of its employee list."""

    async def employees_page(self, cursor: str | None, limit: int) -> dict[str, Any]: ...


class StaffEmployeesClient:
    """Pages of ``GET /v1/staff/employees`` through the shared client (a GET is retried)."""

    def __init__(self, client: ServiceClient) -> None:
        self.client = client

    async def employees_page(self, cursor: str | None, limit: int) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await self.client.request("GET", STAFF_EMPLOYEES_PATH, params=params)
        if response.status_code != 200:
            raise BadGateway(
                f"staff answered {response.status_code} to {STAFF_EMPLOYEES_PATH}; "
                "the org copy was not changed"
            )
        try:
            body = response.json()
        except ValueError as exc:
            raise BadGateway(f"staff's {STAFF_EMPLOYEES_PATH} is not JSON") from exc
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise BadGateway(f"staff's {STAFF_EMPLOYEES_PATH} has no items")
        return body
