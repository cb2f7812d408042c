"""Dependency aliases of identity."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.staff.identity.repository import IdentityRepository
from services.staff.identity.service import IdentityService
from services.staff.settings import StaffSettings
from shared.auth.principal import Principal
from shared.db import SessionDep


def identity_service(request: Request, session: SessionDep) -> IdentityService:
    settings: StaffSettings = request.app.state.settings
    principal = getattr(request.state, "principal", None)
    return IdentityService(
        IdentityRepository(session),
        request.app.state.signing_keys[0],
        access_seconds=settings.access_token_minutes * 60,
        refresh_days=settings.refresh_token_days,
        actor=principal.subject if isinstance(principal, Principal) else None,
    )


IdentityServiceDep = Annotated[IdentityService, Depends(identity_service)]
