"""Dependency aliases of the org copy."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.kpi.org.repository import OrgRepository
from services.kpi.org.service import OrgService
from services.kpi.org.staff_source import StaffEmployeesClient
from shared.db import SessionDep
from shared.errors import ServiceUnavailable
from shared.http_client import ServiceClient


def org_service(session: SessionDep) -> OrgService:
    return OrgService(OrgRepository(session))


def staff_employees(request: Request) -> StaffEmployeesClient:
    client: ServiceClient | None = getattr(request.app.state, "staff_client", None)
    if client is None:
        raise ServiceUnavailable("the client for the staff service is not configured")
    return StaffEmployeesClient(client)


OrgServiceDep = Annotated[OrgService, Depends(org_service)]
StaffEmployeesDep = Annotated[StaffEmployeesClient, Depends(staff_employees)]
