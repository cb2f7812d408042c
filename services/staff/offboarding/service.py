"""Offboarding (离职): record a departure and hand the leaver's accounts over, reliably.

The departure, the leaver's new status, the org events and the handover request(s) are
written in one transaction; the outbox dispatcher delivers the requests to the clients
service until it confirms, and :func:`record_handover_outcome` (called by the dispatcher in
the transaction that marks the message delivered) completes or fails the departure.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.employees.events import OrgEventPublisher
from services.staff.employees.models import Employee
from services.staff.employees.repository import EmployeeRepository
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.service import deactivate_logins_of
from services.staff.offboarding.models import (
    Departure,
    DepartureHandover,
    DepartureStatus,
    HandoverStatus,
)
from services.staff.offboarding.repository import DepartureRepository
from services.staff.offboarding.schemas import DepartureCreate, DepartureRetry
from services.staff.outbox import CLIENTS, HANDOVER_PATH, STAFF_OUTBOX
from shared.errors import (
    InvalidTransition,
    NotFound,
    RecordClosed,
    UnmetPrerequisite,
    UnprocessableContent,
)
from shared.outbox import DeliveryOutcome, OutboxMessage, enqueue, requeue_failed

log = structlog.get_logger(__name__)

HANDOVER_KIND = "handover"
COUNTS = ("accounts", "open_tickets", "planned_visits", "collection_tasks")


def field_error(loc: Sequence[str | int], detail: str) -> UnprocessableContent:
    """A 422 naming the body field at fault."""
    return UnprocessableContent(
        detail, extra={"errors": [{"loc": ["body", *loc], "msg": detail, "type": "value_error"}]}
    )


def handover_request(departure: Departure, handover: DepartureHandover) -> dict[str, Any]:
    """The body of ``POST /v1/clients/handovers`` (docs/contracts.md)."""
    return {
        "handover_id": str(handover.id),
        "from_employee_id": departure.employee_id,
        "to_employee_id": handover.successor_employee_id,
        "account_ids": handover.account_ids,
        "include_open_tickets": True,
        "include_planned_visits": True,
        "include_collection_tasks": True,
        "reason": "departure",
    }


async def on_employee_departed(session: AsyncSession, employee: Employee) -> None:
    """Deactivate the leaver's logins (same transaction as the departure).

    Called once per departure, after the employee is marked departed.
    """
    assert employee.id is not None
    await deactivate_logins_of(IdentityRepository(session), employee.id)


async def enqueue_handover(
    session: AsyncSession, departure: Departure, handover: DepartureHandover
) -> None:
    """Write one handover request to the outbox and mark it pending."""
    handover.status = HandoverStatus.PENDING.value
    session.add(handover)
    await enqueue(
        session,
        STAFF_OUTBOX,
        destination=CLIENTS,
        path=HANDOVER_PATH,
        payload=handover_request(departure, handover),
        key=str(handover.id),
        kind=HANDOVER_KIND,
    )


class OffboardingService:
    """Records departures and shows how their handovers are going."""

    def __init__(
        self,
        repository: DepartureRepository,
        employees: EmployeeRepository,
        org_events: OrgEventPublisher,
    ) -> None:
        self.repository = repository
        self.employees = employees
        self.org_events = org_events

    async def get(self, departure_id: int) -> tuple[Departure, Sequence[DepartureHandover]]:
        departure = await self.repository.get(departure_id)
        if departure is None:
            raise NotFound(f"departure {departure_id} does not exist")
        assert departure.id is not None
        return departure, await self.repository.handovers([departure.id])

    async def list(
        self, *, status: str | None, employee_id: int | None, after_id: int | None, limit: int
    ) -> list[tuple[Departure, list[DepartureHandover]]]:
        rows = await self.repository.list(
            status=status, employee_id=employee_id, after_id=after_id, limit=limit
        )
        handovers = await self.repository.handovers([d.id for d in rows if d.id is not None])
        return [(d, [h for h in handovers if h.departure_id == d.id]) for d in rows]

    async def _check_successor(
        self, leaver: Employee, successor_id: int, loc: Sequence[str | int]
    ) -> None:
        if successor_id == leaver.id:
            raise field_error(loc, "the leaver cannot be their own successor")
        successor = await self.employees.get(successor_id)
        if successor is None:
            raise field_error(loc, f"employee {successor_id} does not exist")
        if successor.status != "active":
            raise UnmetPrerequisite(
                f"successor {successor_id} is {successor.status}; a successor must be active",
                extra={"successor_employee_id": successor_id, "successor_status": successor.status},
            )

    async def record_departure(
        self, employee_id: int, data: DepartureCreate, *, acting_employee_id: int | None = None
    ) -> tuple[Departure, Sequence[DepartureHandover]]:
        """Validate everything first, then write the departure and its outbox messages."""
        leaver = await self.employees.get_for_update(employee_id)
        if leaver is None:
            raise NotFound(f"employee {employee_id} does not exist")
        if leaver.status == "departed":
            raise RecordClosed(f"employee {employee_id} has already departed")
        if data.date < leaver.hire_date:
            raise field_error(
                ["date"], f"departure date {data.date} is before the hire date {leaver.hire_date}"
            )
        if data.successors is None:
            assert data.successor_employee_id is not None
            await self._check_successor(
                leaver, data.successor_employee_id, ["successor_employee_id"]
            )
        for index, group in enumerate(data.successors or []):
            await self._check_successor(
                leaver, group.successor_employee_id, ["successors", index, "successor_employee_id"]
            )
        groups = data.groups()

        departure = Departure(
            employee_id=employee_id,
            departure_date=data.date,
            requested_by_employee_id=acting_employee_id,
        )
        await self.repository.add(departure)
        assert departure.id is not None
        handovers = [
            DepartureHandover(
                id=uuid.uuid4(),
                departure_id=departure.id,
                sequence=index + 1,
                successor_employee_id=group.successor_employee_id,
                account_ids=group.account_ids,
                status=HandoverStatus.WAITING.value,
            )
            for index, group in enumerate(groups)
        ]
        for handover in handovers:
            await self.repository.add(handover)
        # The catch-all goes last, once the listed accounts have moved (see the outcome hook).
        for handover in handovers[:-1] or handovers:
            await enqueue_handover(self.repository.session, departure, handover)

        leaver.status = "departed"
        leaver.departure_date = data.date
        leaver.version += 1
        await self.employees.add(leaver)
        await self.org_events.publish_change(leaver, previous_position_code=leaver.position_code)
        await on_employee_departed(self.repository.session, leaver)
        await self.repository.session.flush()
        return departure, await self.repository.handovers([departure.id])

    async def retry(
        self, departure_id: int, data: DepartureRetry
    ) -> tuple[Departure, Sequence[DepartureHandover]]:
        """Send a failed departure's failed handovers again (the same handover ids, so the
        clients service still applies each at most once), optionally to a new successor."""
        departure = await self.repository.get_for_update(departure_id)
        if departure is None:
            raise NotFound(f"departure {departure_id} does not exist")
        assert departure.id is not None
        if departure.status != DepartureStatus.FAILED.value:
            raise InvalidTransition(
                f"departure {departure_id} is {departure.status}; only a failed one is retried",
                extra={"current_status": departure.status},
            )
        if data.successor_employee_id is not None:
            leaver = await self.employees.get(departure.employee_id)
            assert leaver is not None
            await self._check_successor(
                leaver, data.successor_employee_id, ["successor_employee_id"]
            )
        failed = [
            h
            for h in await self.repository.handovers([departure.id])
            if h.status == HandoverStatus.FAILED.value
        ]
        for handover in failed:
            if data.successor_employee_id is not None:
                handover.successor_employee_id = data.successor_employee_id
            handover.failure_reason = None
            handover.status = HandoverStatus.PENDING.value
            await self.repository.add(handover)
            requeued = await requeue_failed(
                self.repository.session,
                STAFF_OUTBOX,
                destination=CLIENTS,
                key=str(handover.id),
                payload=handover_request(departure, handover),
            )
            if not requeued:  # the message was never written (older data): write it now
                await enqueue_handover(self.repository.session, departure, handover)
        departure.status = DepartureStatus.PENDING.value
        departure.failure_reason = None
        await self.repository.add(departure)
        await self.repository.session.flush()
        log.info("departure_retried", departure_id=departure.id, handovers=len(failed))
        return departure, await self.repository.handovers([departure.id])


async def record_handover_outcome(
    session: AsyncSession, message: OutboxMessage, outcome: DeliveryOutcome
) -> None:
    """Dispatcher hook: store what the clients service answered to a handover request."""
    if message.kind != HANDOVER_KIND:
        return
    repository = DepartureRepository(session)
    handover = await repository.get_handover(uuid.UUID(message.key))
    if handover is None:
        log.warning("handover_outcome_without_handover", key=message.key)
        return
    departure = await repository.get_for_update(handover.departure_id)
    assert departure is not None and departure.id is not None
    now = datetime.now(UTC)
    if outcome.delivered:
        body = outcome.body if isinstance(outcome.body, dict) else {}
        handover.status = HandoverStatus.COMPLETED.value
        handover.completed_at = now
        for count in COUNTS:
            value = body.get(count)
            setattr(handover, count, value if isinstance(value, int) else None)
    else:
        handover.status = HandoverStatus.FAILED.value
        handover.failure_reason = outcome.reason
        departure.status = DepartureStatus.FAILED.value
        departure.failure_reason = f"handover {handover.id} failed: {outcome.reason}"
    session.add(handover)
    await session.flush()

    siblings = await repository.handovers([departure.id])
    if departure.status == DepartureStatus.PENDING.value:
        waiting = [h for h in siblings if h.status == HandoverStatus.WAITING.value]
        others_done = all(
            h.status == HandoverStatus.COMPLETED.value
            for h in siblings
            if h.status != HandoverStatus.WAITING.value
        )
        if waiting and others_done:
            for handover_next in waiting:
                await enqueue_handover(session, departure, handover_next)
        elif all(h.status == HandoverStatus.COMPLETED.value for h in siblings):
            departure.status = DepartureStatus.COMPLETED.value
            departure.completed_at = now
    session.add(departure)
    await session.flush()
    log.info(
        "handover_outcome",
        departure_id=departure.id,
        handover_id=str(handover.id),
        delivered=outcome.delivered,
        departure_status=departure.status,
    )
