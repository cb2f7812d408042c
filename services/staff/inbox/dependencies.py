"""Dependency aliases of the inbox API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.employees.repository import EmployeeRepository
from services.staff.inbox.repository import WorkItemRepository
from services.staff.inbox.service import WorkItemService
from shared.db import SessionDep


def work_item_service(session: SessionDep) -> WorkItemService:
    return WorkItemService(WorkItemRepository(session), EmployeeRepository(session))


WorkItemServiceDep = Annotated[WorkItemService, Depends(work_item_service)]
