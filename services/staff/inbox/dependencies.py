"""Dependency aliases of the inbox API."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from services.staff.employees.repository import EmployeeRepository
from services.staff.inbox.repository import WorkItemRepository
from services.staff.inbox.service import WorkItemService
from services.staff.notifications.dependencies import NotificationServiceDep
from shared.db import SessionDep


def work_item_service(
    session: SessionDep, notifications: NotificationServiceDep
) -> WorkItemService:
    return WorkItemService(WorkItemRepository(session), EmployeeRepository(session), notifications)


WorkItemServiceDep = Annotated[WorkItemService, Depends(work_item_service)]
