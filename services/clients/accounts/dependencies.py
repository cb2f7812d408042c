"""Dependency aliases of the accounts API; scope and actor come from services.clients.access."""

from __future__ import annotations

from collections.abc import Collection
from typing import Annotated

from fastapi import Depends

from services.clients.access import account_scope, acting_employee_id, optional_acting_employee_id
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.service import AccountService
from services.clients.audit.repository import AuditRepository
from services.clients.audit.service import AuditTrail
from services.clients.grading.dependencies import SettingsDep, build_grading
from services.clients.org.repository import OrgRepository
from services.clients.org.service import OrgService
from services.clients.ownership.dependencies import build_ownership
from shared.db import SessionDep


async def account_service(session: SessionDep, settings: SettingsDep) -> AccountService:
    return AccountService(
        AccountRepository(session),
        OrgService(OrgRepository(session)),
        build_grading(session, settings),
        build_ownership(session),
        AuditTrail(AuditRepository(session)),
    )


AccountServiceDep = Annotated[AccountService, Depends(account_service)]


async def account_repository(session: SessionDep) -> AccountRepository:
    return AccountRepository(session)


AccountRepositoryDep = Annotated[AccountRepository, Depends(account_repository)]


AccountScope = Annotated[Collection[int] | None, Depends(account_scope)]
ActingEmployeeId = Annotated[int, Depends(acting_employee_id)]
ActorId = Annotated[int | None, Depends(optional_acting_employee_id)]
