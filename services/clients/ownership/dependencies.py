"""Dependency aliases of ownership."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.org.repository import OrgRepository
from services.clients.org.service import OrgService
from services.clients.ownership.repository import OwnershipRepository
from services.clients.ownership.service import OwnershipService
from shared.db import SessionDep


def build_ownership(session: AsyncSession) -> OwnershipService:
    return OwnershipService(
        AccountRepository(session),
        OwnershipRepository(session),
        OrgService(OrgRepository(session)),
    )


def ownership_service(session: SessionDep) -> OwnershipService:
    return build_ownership(session)


OwnershipServiceDep = Annotated[OwnershipService, Depends(ownership_service)]
