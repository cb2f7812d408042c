"""The SLA policy table (who gets which targets) and the breach check that flags missed
deadlines and escalates to the owner's manager. Never commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from itertools import product

import structlog

from services.clients.accounts.rules import Grade
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.org.repository import OrgRepository
from services.clients.tickets.models import Ticket, TicketEvent
from services.clients.tickets.repository import TicketRepository
from services.clients.tickets.rules import (
    RuleViolation,
    Severity,
    SlaPolicy,
    SlaTarget,
    breach_flags,
)
from services.clients.tickets.schemas import (
    FlaggedTicket,
    SlaCheckResult,
    SlaPolicyDocument,
    SlaTargetItem,
)
from shared.errors import UnprocessableContent

log = structlog.get_logger(__name__)

SLA_POLICY_AUDIT_ID = 1  # the policy is one record in the audit trail
BREACH_BATCH = 200

OnEscalated = Callable[[Ticket], Awaitable[None]]
"""Told of a ticket just escalated (``escalated_to`` set), in the check's transaction."""


def _policy_snapshot(items: list[SlaTargetItem]) -> dict[str, object]:
    return {
        f"{item.severity.value}/{item.grade.value}": [
            item.response_minutes,
            item.resolution_minutes,
            item.around_the_clock,
        ]
        for item in items
    }


def validated_policy(document: SlaPolicyDocument) -> SlaPolicy:
    """The policy a document describes; 422 with the offending rows otherwise."""
    errors: list[dict[str, object]] = []
    targets: dict[tuple[Severity, Grade], SlaTarget] = {}
    for index, item in enumerate(document.targets):
        key = (item.severity, item.grade)
        loc = ["body", "targets", index]
        if key in targets:
            errors.append(
                {"loc": loc, "msg": f"{key[0]}/{key[1]} appears twice", "type": "duplicate"}
            )
            continue
        try:
            targets[key] = SlaTarget(
                timedelta(minutes=item.response_minutes),
                timedelta(minutes=item.resolution_minutes),
                around_the_clock=item.around_the_clock,
            )
        except RuleViolation as exc:
            errors.append({"loc": loc, "msg": str(exc), "type": "value_error"})
    if not errors:
        try:
            return SlaPolicy(targets)
        except RuleViolation as exc:
            errors.append({"loc": ["body", "targets"], "msg": str(exc), "type": "incomplete"})
    raise UnprocessableContent("the SLA policy is not valid", extra={"errors": errors})


class SlaPolicyService:
    """Reads and replaces the SLA table; a change applies to tickets opened afterwards."""

    def __init__(self, repository: TicketRepository, audit: AuditTrail) -> None:
        self.repository = repository
        self.audit = audit

    async def get(self) -> SlaPolicyDocument:
        rows = await self.repository.sla_targets()
        order = {(s.value, g.value): i for i, (s, g) in enumerate(product(Severity, Grade))}
        items = [
            SlaTargetItem(
                severity=Severity(row.severity),
                grade=Grade(row.grade),
                response_minutes=row.response_minutes,
                resolution_minutes=row.resolution_minutes,
                around_the_clock=row.around_the_clock,
            )
            for row in sorted(rows, key=lambda r: order.get((r.severity, r.grade), len(order)))
        ]
        return SlaPolicyDocument(targets=items)

    async def replace(
        self, document: SlaPolicyDocument, actor_employee_id: int | None
    ) -> SlaPolicyDocument:
        validated_policy(document)
        before = await self.get()
        await self.repository.replace_sla_targets(
            [item.model_dump(mode="json") for item in document.targets]
        )
        after = await self.get()
        old, new = changed_fields(_policy_snapshot(before.targets), _policy_snapshot(after.targets))
        if new:
            self.audit.record(
                entity=AuditEntity.SLA_POLICY,
                entity_id=SLA_POLICY_AUDIT_ID,
                account_id=None,
                action="update",
                actor_employee_id=actor_employee_id,
                before=old,
                after=new,
            )
        return after


class BreachCheck:
    """Flags tickets whose deadlines passed and escalates each once to the owner's manager."""

    def __init__(
        self,
        repository: TicketRepository,
        org: OrgRepository,
        audit: AuditTrail,
        *,
        now: Callable[[], datetime],
        on_escalated: OnEscalated | None = None,
    ) -> None:
        self.repository = repository
        self.org = org
        self.audit = audit
        self.now = now
        self.on_escalated = on_escalated

    async def run(self, actor_employee_id: int | None = None) -> SlaCheckResult:
        """One pass over unfinished tickets; a second pass right after changes nothing."""
        now = self.now()
        flagged: list[FlaggedTicket] = []
        while True:
            batch = await self.flag_batch(now, actor_employee_id)
            flagged.extend(batch)
            if len(batch) < BREACH_BATCH:
                break
        return SlaCheckResult(checked_at=now, flagged=flagged)

    async def flag_batch(
        self, now: datetime, actor_employee_id: int | None = None
    ) -> list[FlaggedTicket]:
        """Up to ``BREACH_BATCH`` tickets flagged; fewer means the pass is complete."""
        return [
            await self._flag(ticket, now, actor_employee_id)
            for ticket in await self.repository.breach_candidates(now, BREACH_BATCH)
        ]

    async def _flag(self, ticket: Ticket, now: datetime, actor: int | None) -> FlaggedTicket:
        assert ticket.id is not None
        before = snapshot(ticket)
        flags = breach_flags(
            respond_by=ticket.respond_by,
            first_response_at=ticket.first_response_at,
            resolve_by=ticket.resolve_by,
            resolved_at=ticket.resolved_at,
            now=now,
        )
        ticket.response_breached = ticket.response_breached or flags.response
        ticket.resolution_breached = ticket.resolution_breached or flags.resolution
        escalate = ticket.escalated_at is None and (
            ticket.response_breached or ticket.resolution_breached
        )
        if escalate:
            owner = await self.org.get(ticket.owner_id)
            ticket.escalated_to = owner.manager_id if owner is not None else None
            ticket.escalated_at = now
        ticket.version += 1
        ticket.updated_at = now
        await self.repository.add(ticket)
        missed = [
            name
            for name, hit in (
                ("response", ticket.response_breached),
                ("resolution", ticket.resolution_breached),
            )
            if hit
        ]
        if escalate:
            target = ticket.escalated_to
            note = f"SLA {' and '.join(missed)} deadline missed; " + (
                f"escalated to employee {target}" if target else "the owner has no manager"
            )
            await self.repository.add(
                TicketEvent(
                    ticket_id=ticket.id,
                    at=now,
                    kind="escalation",
                    from_status=ticket.status,
                    to_status=ticket.status,
                    actor_employee_id=actor,
                    note=note,
                )
            )
            if target is not None and self.on_escalated is not None:
                await self.on_escalated(ticket)
        old, new = changed_fields(before, snapshot(ticket))
        self.audit.record(
            entity=AuditEntity.TICKET,
            entity_id=ticket.id,
            account_id=ticket.account_id,
            action="escalate" if escalate else "breach",
            actor_employee_id=actor,
            before=old,
            after=new,
        )
        log.warning(
            "ticket_sla_breached",
            ticket_id=ticket.id,
            account_id=ticket.account_id,
            owner_id=ticket.owner_id,
            missed=missed,
            escalated_to=ticket.escalated_to if escalate else None,
            escalated=escalate,
        )
        return FlaggedTicket(
            ticket_id=ticket.id,
            account_id=ticket.account_id,
            owner_id=ticket.owner_id,
            response_breached=ticket.response_breached,
            resolution_breached=ticket.resolution_breached,
            escalated_to=ticket.escalated_to if escalate else None,
            escalated=escalate,
        )
