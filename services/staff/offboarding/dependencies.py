"""Dependency aliases of the offboarding API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.repository import EmployeeRepository
from services.staff.offboarding.repository import DepartureRepository
from services.staff.offboarding.service import OffboardingService
from shared.db import SessionDep


def offboarding_service(session: SessionDep) -> OffboardingService:
    return OffboardingService(
        DepartureRepository(session), EmployeeRepository(session), OrgEventPublisher(session)
    )


OffboardingServiceDep = Annotated[OffboardingService, Depends(offboarding_service)]
