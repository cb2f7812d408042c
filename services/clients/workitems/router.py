"""HTTP endpoint of the work-item round: run it now (administrators and our services)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from services.clients.dependencies import SettingsDep, WorkItemRoundsDep
from services.clients.policies import RUN_WORK_ITEMS
from shared.errors import problem_responses
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
