"""``/v1/staff/audit``: the audit log, for administrators."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from services.staff.audit.repository import list_entries
from services.staff.audit.schemas import StaffAuditRead
from shared.auth.policy import ADMIN_ONLY
from shared.db import SessionDep
from shared.errors import problem_responses
from shared.pagination import Cursor, Page, PageSize, decode_cursor, encode_cursor

router = APIRouter(
    prefix="/v1/staff/audit", tags=["staff-audit"], dependencies=[Depends(ADMIN_ONLY)]
)
Filter = Annotated[str | None, Query(max_length=40, pattern=r"^[a-z_]+$")]


@router.get(
    "",
    response_model=Page[StaffAuditRead],
    summary="Read the audit log (newest first)",
    responses=problem_responses(400, 401, 403, 422),
)
async def list_audit(
    session: SessionDep,
    entity: Filter = None,
    action: Filter = None,
    limit: PageSize = 50,
    cursor: Cursor = None,
) -> Page[StaffAuditRead]:
    before = int(decode_cursor(cursor)["id"]) if cursor else None
    rows = await list_entries(session, entity=entity, action=action, before_id=before, limit=limit)
    items = [StaffAuditRead.model_validate(row) for row in rows]
    next_cursor = encode_cursor({"id": items[-1].id}) if len(items) == limit else None
    return Page[StaffAuditRead](items=items, next_cursor=next_cursor)
