"""``/v1/staff/audit``: the staff audit log, and ``/v1/staff/audit/search``: the audit logs
of every service in one search, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.staff.audit.models import StaffAuditEntry
from services.staff.audit.schemas import AuditSearchEntry, AuditService
from services.staff.dependencies import AuditSearchAcrossServicesDep
from shared.audit_log import AuditSearchDep, audit_router
from shared.auth.policy import ADMIN_ONLY
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize

router = audit_router(StaffAuditEntry, "/v1/staff/audit", "staff-audit")

search = APIRouter(
    prefix="/v1/staff/audit/search", tags=["staff-audit"], dependencies=[Depends(ADMIN_ONLY)]
)


@search.get(
    "",
    response_model=Page[AuditSearchEntry],
    summary="Search the audit logs of every service (newest first)",
    description="The audit logs of clients, staff and kpi in one list, newest first by "
    "`occurred_at`, with the filters each service's own audit search takes; `service` "
    "narrows it to one. `next_cursor` carries how far each service was read.",
    responses=problem_responses(400, 401, 403, 422, 502, 503, 504),
)
async def search_audit(
    searcher: AuditSearchAcrossServicesDep,
    filters: AuditSearchDep,
    service: Annotated[
        AuditService | None, Query(description="Only this service's audit log.")
    ] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[AuditSearchEntry]:
    services = [service] if service is not None else list(AuditService)
    return await searcher.page(filters, services, cursor, limit)
