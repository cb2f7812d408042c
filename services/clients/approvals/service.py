"""Above-authority requests (超权限申请): a change past the requester's authority is held
here until the superior named by the org chart approves it (then applied, re-validated)
or refuses it. Generic over the kind of change: each kind registers how to apply an
approved request (credit adjustments, quotation discounts) and, if the record must
change back, what a refusal does. Never commits."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from services.clients.approvals.models import ApprovalRequest
from services.clients.approvals.repository import ApprovalRepository
from services.clients.approvals.rules import (
    ApprovalState,
    Viewer,
    approver_from_chain,
    may_decide,
)
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.org.repository import OrgRepository
from shared.errors import Forbidden, InvalidTransition, NotFound


class ChangeMoved(Exception):
    """An approved change no longer fits its record (it changed since the request)."""


ApplyApproved = Callable[[ApprovalRequest, int], Awaitable[Mapping[str, Any]]]
"""Applies an approved request of one kind (given the approver) and returns the record's
new state for the audit trail; raises ChangeMoved when the record moved since the request."""

OnRefused = Callable[[ApprovalRequest, int, str], Awaitable[None]]
"""What a refused request of one kind does to its record (given the approver and his
comment), e.g. a quotation goes back to draft with the reason."""


class ApprovalListener(Protocol):
    """Told of a request filed and of its answer, in the transaction that made them."""

    async def filed(self, request: ApprovalRequest) -> None: ...

    async def decided(self, request: ApprovalRequest) -> None: ...


def request_missing(request_id: int) -> NotFound:
    return NotFound(f"approval request {request_id} does not exist")


class ApprovalService:
    """File, list and decide above-authority requests."""

    def __init__(
        self,
        repository: ApprovalRepository,
        org: OrgRepository,
        audit: AuditTrail,
        appliers: Mapping[str, ApplyApproved],
        listener: ApprovalListener | None = None,
        refusers: Mapping[str, OnRefused] | None = None,
    ) -> None:
        self.repository = repository
        self.org = org
        self.audit = audit
        self.appliers = appliers
        self.listener = listener
        self.refusers = refusers if refusers is not None else {}

    async def file(
        self,
        *,
        kind: str,
        account_id: int,
        payload: Mapping[str, Any],
        reason: str,
        requested_by: int,
    ) -> ApprovalRequest:
        """Record a request for the requester's superior (four eyes at the top)."""
        chain = await self.org.manager_chain(requested_by)
        approver = approver_from_chain([(e.employee_id, e.status) for e in chain])
        request = await self.repository.add(
            ApprovalRequest(
                kind=kind,
                account_id=account_id,
                payload=dict(payload),
                reason=reason,
                requested_by=requested_by,
                approver_employee_id=approver.employee_id,
                four_eyes=approver.four_eyes,
            )
        )
        self._audit(request, "request", requested_by, before=None)
        if self.listener is not None:
            await self.listener.filed(request)
        return request

    async def get(self, request_id: int, viewer: Viewer) -> ApprovalRequest:
        request = await self.repository.visible(request_id, viewer)
        if request is None:
            raise request_missing(request_id)
        return request

    async def list(
        self,
        viewer: Viewer,
        *,
        state: ApprovalState | None,
        for_me: bool,
        before_id: int | None,
        limit: int,
    ) -> list[ApprovalRequest]:
        rows = await self.repository.list(
            viewer, state=state, for_me=for_me, before_id=before_id, limit=limit
        )
        return list(rows)

    async def approve(
        self, request_id: int, viewer: Viewer, comment: str | None
    ) -> ApprovalRequest:
        """Apply the change and mark the request approved; if the record moved since the
        request, mark it failed with the reason instead (the caller answers 409)."""
        request, me = await self._pending_for(request_id, viewer)
        apply = self.appliers[request.kind]
        before = {"state": request.state}
        try:
            applied = await apply(request, me)
        except ChangeMoved as moved:
            request.state = ApprovalState.FAILED
            request.failure_reason = str(moved)[:500]
            applied = {}
        else:
            request.state = ApprovalState.APPROVED
        self._decided(request, me, comment)
        request = await self.repository.add(request)
        self._audit(request, "approve", me, before=before, applied=applied)
        if self.listener is not None:
            await self.listener.decided(request)
        return request

    async def refuse(self, request_id: int, viewer: Viewer, comment: str) -> ApprovalRequest:
        request, me = await self._pending_for(request_id, viewer)
        before = {"state": request.state}
        request.state = ApprovalState.REFUSED
        self._decided(request, me, comment)
        request = await self.repository.add(request)
        on_refused = self.refusers.get(request.kind)
        if on_refused is not None:
            await on_refused(request, me, comment)
        self._audit(request, "refuse", me, before=before)
        if self.listener is not None:
            await self.listener.decided(request)
        return request

    async def _pending_for(self, request_id: int, viewer: Viewer) -> tuple[ApprovalRequest, int]:
        request = await self.repository.visible(request_id, viewer, for_update=True)
        if request is None:
            raise request_missing(request_id)
        me = viewer.employee_id
        allowed = me is not None and may_decide(
            me=me,
            requester=request.requested_by,
            approver=request.approver_employee_id,
            four_eyes=request.four_eyes,
            is_department_manager_or_admin=viewer.is_department_manager or viewer.is_admin,
        )
        if not allowed:
            who = (
                "a department manager or administrator other than the requester"
                if request.four_eyes
                else f"employee {request.approver_employee_id}, the requester's superior"
            )
            raise Forbidden(f"approval request {request_id} is decided by {who}")
        if request.state != ApprovalState.PENDING:
            raise InvalidTransition(
                f"approval request {request_id} is already {request.state}",
                extra={"state": request.state},
            )
        assert me is not None
        return request, me

    @staticmethod
    def _decided(request: ApprovalRequest, me: int, comment: str | None) -> None:
        request.decided_by = me
        request.decision_comment = comment
        request.decided_at = datetime.now(UTC)

    def _audit(
        self,
        request: ApprovalRequest,
        action: str,
        actor: int,
        *,
        before: Mapping[str, Any] | None,
        applied: Mapping[str, Any] | None = None,
    ) -> None:
        assert request.id is not None
        after: dict[str, Any] = {
            "kind": request.kind,
            "state": request.state,
            "requested_by": request.requested_by,
            "approver_employee_id": request.approver_employee_id,
            "decided_by": request.decided_by,
            "payload": request.payload,
        }
        if request.failure_reason:
            after["failure_reason"] = request.failure_reason
        if applied:
            after["applied"] = dict(applied)
        self.audit.record(
            entity=AuditEntity.APPROVAL_REQUEST,
            entity_id=request.id,
            account_id=request.account_id,
            action=action,
            actor_employee_id=actor,
            before=dict(before) if before else None,
            after=after,
        )
