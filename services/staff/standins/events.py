"""Stand-in events for the org copies of clients and kpi, through staff's outbox.

Each change of a stand-in (named, cancelled) is one message per receiver with the whole
stand-in and its ``version``: a receiver keeps the highest version per ``stand_in_id``, so a
redelivery or a late older event changes nothing (the org-event rule of docs/contracts.md).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.outbox import CLIENTS, KPI, STAFF_OUTBOX
from services.staff.standins.models import StandIn
from shared.outbox import enqueue

STAND_IN_EVENT_KIND = "org_stand_in"
STAND_IN_EVENT_PATHS = {
    CLIENTS: "/v1/clients/internal/org/stand-ins",
    KPI: "/v1/kpi/internal/org/stand-ins",
}


def stand_in_event(stand_in: StandIn) -> dict[str, Any]:
    """The event for one stand-in as it is now."""
    return {
        "event_id": str(uuid.uuid4()),
        "stand_in_id": stand_in.id,
        "absent_employee_id": stand_in.absent_employee_id,
        "stand_in_employee_id": stand_in.stand_in_employee_id,
        "starts_on": stand_in.starts_on.isoformat(),
        "ends_on": stand_in.ends_on.isoformat(),
        "cancelled": stand_in.cancelled_at is not None,
        "version": stand_in.version,
    }


async def publish_stand_in(session: AsyncSession, stand_in: StandIn) -> None:
    """One message per receiver, in the caller's transaction."""
    event = stand_in_event(stand_in)
    for destination, path in STAND_IN_EVENT_PATHS.items():
        await enqueue(
            session,
            STAFF_OUTBOX,
            destination=destination,
            path=path,
            payload={"events": [event]},
            key=event["event_id"],
            kind=STAND_IN_EVENT_KIND,
        )
