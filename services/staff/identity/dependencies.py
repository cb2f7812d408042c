"""Dependency aliases of identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.identity.repository import IdentityRepository
from services.staff.identity.service import IdentityService
from services.staff.identity.sign_in_guard import SignInGuard, sign_in_guard
from services.staff.settings import StaffSettings
from shared.auth.principal import Principal
from shared.db import SessionDep


def identity_service(request: Request, session: SessionDep) -> IdentityService:
    """The service bound to the request's session (and transaction)."""
    return identity_service_in(request, session)


def identity_service_in(request: Request, session: AsyncSession) -> IdentityService:
    """The service bound to ``session``: a route that runs transactions of its own."""
    settings: StaffSettings = request.app.state.settings
    principal = getattr(request.state, "principal", None)
    return IdentityService(
        IdentityRepository(session),
        request.app.state.signing_keys[0],
        access_seconds=settings.access_token_minutes * 60,
        refresh_days=settings.refresh_token_days,
        actor=principal.subject if isinstance(principal, Principal) else None,
        hashing=sign_in_guard(request).hashing,
    )


IdentityServiceDep = Annotated[IdentityService, Depends(identity_service)]
SignInGuardDep = Annotated[SignInGuard, Depends(sign_in_guard)]
