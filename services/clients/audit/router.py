"""Reading the audit trail: the filters every service's audit search takes
(shared.audit_log.audit_search), and the account's entries."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.clients.access import Caller
from services.clients.audit.dependencies import AuditTrailDep
from services.clients.audit.schemas import AuditEntryRead
from services.clients.dependencies import AccountScope
from services.clients.keyset import cursor_id
from services.clients.policies import AUDIT
from shared.audit_log import AuditSearchDep
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, keyset_page

router = APIRouter(prefix="/v1/clients/audit", tags=["clients-audit"])


@router.get(
    "",
    dependencies=[Depends(AUDIT)],
    response_model=Page[AuditEntryRead],
    summary="List audit entries, newest first",
    responses=problem_responses(401, 403, 400, 422),
)
async def list_audit_entries(
    trail: AuditTrailDep,
    scope: AccountScope,
    caller: Caller,
    search: AuditSearchDep,
    account_id: Annotated[
        int | None,
        Query(ge=1, le=2_147_483_647, description="Entries of this account and its children."),
    ] = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[AuditEntryRead]:
    before_id = cursor_id(cursor)
    rows = await trail.list(search, account_id=account_id, before_id=before_id, limit=limit)
    # A contact's personal data in before/after follows the one masking rule.
    items = await trail.as_seen_by(rows, scope, caller)
    return keyset_page(items, limit)
