"""HTTP endpoints of work items: run the round now (administrators and our services); the
dead letters and their retry (administrators)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from services.clients.dependencies import SettingsDep, WorkItemRoundsDep
from services.clients.policies import RUN_WORK_ITEMS
from services.clients.workitems.outbox import CLIENTS_OUTBOX
from shared.auth.policy import ADMIN_ONLY
from shared.db import SessionDep
from shared.errors import NotFound, problem_responses
from shared.outbox import failed_messages, retry_failed_message
from shared.periods import company_day

router = APIRouter(prefix="/v1/clients/work-items", tags=["work-items"])


class WorkItemRoundRead(BaseModel):
    """What one round enqueued for staff's inbox, per kind (delivered by the outbox)."""

    ran_at: datetime
    posted: dict[str, int] = Field(examples=[{"visit_overdue": 3, "contract_renewal": 1}])
    closed: dict[str, int] = Field(examples=[{"contact_birthday": 2}])


@router.post(
    "/run",
    dependencies=[Depends(RUN_WORK_ITEMS)],
    response_model=WorkItemRoundRead,
    summary="Run the work-item round now: time-based items for staff's inbox",
    description="Posts the items whose time has come (imminent SLA deadlines, each person's "
    "overdue-visit digest, key contacts' birthdays, contract renewals, ERP events waiting) "
    "and closes those whose time is over, as the scheduled round does "
    "(`CLIENTS_WORK_ITEMS_INTERVAL_SECONDS`). An item already posted is not posted again, "
    "so a second run right after posts nothing.",
    responses=problem_responses(401, 403),
)
async def run_work_items(rounds: WorkItemRoundsDep, settings: SettingsDep) -> WorkItemRoundRead:
    now = datetime.now(UTC)
    result = await rounds.run(now, company_day(now, settings.timezone))
    return WorkItemRoundRead(ran_at=now, posted=result.posted, closed=result.closed)


class DeadWorkItemRead(BaseModel):
    """A work item staff refused (or that failed for good): listed for administrators."""

    id: int
    kind: str = Field(examples=["work_item"])
    key: str = Field(examples=["ticket:812:sla_escalated"])
    path: str = Field(examples=["/v1/staff/internal/work-items"])
    attempts: int
    response_status: int | None = Field(examples=[422])
    last_error: str | None = Field(examples=["answered 422: unknown employee 9100"])
    created_at: datetime
    status: str = Field(examples=["failed"])


@router.get(
    "/dead-letters",
    dependencies=[Depends(ADMIN_ONLY)],
    response_model=list[DeadWorkItemRead],
    summary="Work items given up on (newest first)",
    description="Messages for staff's inbox that the receiver refused: after the cause is "
    "fixed, `POST …/dead-letters/{message_id}/retry` sends one again with the same key, "
    "so the inbox still holds it once.",
    responses=problem_responses(401, 403, 422),
)
async def dead_work_items(
    session: SessionDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> list[DeadWorkItemRead]:
    rows = await failed_messages(session, CLIENTS_OUTBOX, limit)
    return [DeadWorkItemRead.model_validate(row, from_attributes=True) for row in rows]


@router.post(
    "/dead-letters/{message_id}/retry",
    dependencies=[Depends(ADMIN_ONLY)],
    response_model=DeadWorkItemRead,
    summary="Send a dead work item again (same key: the inbox keeps one)",
    responses=problem_responses(401, 403, 404, 422),
)
async def retry_dead_work_item(
    message_id: Annotated[int, Path(ge=1, le=2**63 - 1, description="The outbox message id.")],
    session: SessionDep,
) -> DeadWorkItemRead:
    row = await retry_failed_message(session, CLIENTS_OUTBOX, message_id)
    if row is None:
        raise NotFound(f"dead work item {message_id} not found")
    await session.commit()
    return DeadWorkItemRead.model_validate(row, from_attributes=True)
