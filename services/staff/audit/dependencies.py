"""Dependency aliases of the audit search across services."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.staff.audit.schemas import AuditService
from services.staff.audit.search import AuditSearchAcrossServices
from shared.db import SessionDep
from shared.errors import ServiceUnavailable


def audit_search_across_services(
    request: Request, session: SessionDep
) -> AuditSearchAcrossServices:
    """The search, asking the other services with the caller's own token."""
    state = request.app.state
    upstreams = {
        AuditService.CLIENTS: getattr(state, "clients_client", None),
        AuditService.KPI: getattr(state, "kpi_client", None),
    }
    for service, client in upstreams.items():
        if client is None:  # the app was built without its lifespan
            raise ServiceUnavailable(f"the {service.value} service is unavailable")
    return AuditSearchAcrossServices(
        session,
        {service: client for service, client in upstreams.items() if client is not None},
        request.headers.get("authorization"),
    )


AuditSearchAcrossServicesDep = Annotated[
    AuditSearchAcrossServices, Depends(audit_search_across_services)
]
