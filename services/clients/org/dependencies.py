"""Dependency aliases of the org copy."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.clients.org.repository import OrgRepository, StandInRepository
from services.clients.org.service import OrgService, StandInService
from shared.db import SessionDep
from shared.errors import ServiceUnavailable
from shared.http_client import ServiceClient


def org_service(session: SessionDep) -> OrgService:
    return OrgService(OrgRepository(session))


def stand_in_service(session: SessionDep) -> StandInService:
    return StandInService(StandInRepository(session))


def staff_client(request: Request) -> ServiceClient:
    client = getattr(request.app.state, "staff_client", None)
    if not isinstance(client, ServiceClient):
        raise ServiceUnavailable("the staff client is not configured in this process")
    return client


OrgServiceDep = Annotated[OrgService, Depends(org_service)]
StaffClientDep = Annotated[ServiceClient, Depends(staff_client)]
StandInServiceDep = Annotated[StandInService, Depends(stand_in_service)]
