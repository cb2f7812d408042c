"""Dependency aliases of the positions API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.departments.repository import DepartmentRepository
from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.repository import EmployeeRepository
from services.staff.positions.acknowledgements import AcknowledgementService
from services.staff.positions.repository import PositionRepository
from services.staff.positions.service import PositionService
from shared.db import SessionDep


def position_service(session: SessionDep) -> PositionService:
    return PositionService(
        PositionRepository(session),
        DepartmentRepository(session),
        OrgEventPublisher(session),
        EmployeeRepository(session),
    )


PositionServiceDep = Annotated[PositionService, Depends(position_service)]


def acknowledgement_service(session: SessionDep) -> AcknowledgementService:
    return AcknowledgementService(PositionRepository(session), EmployeeRepository(session))


AcknowledgementServiceDep = Annotated[AcknowledgementService, Depends(acknowledgement_service)]
