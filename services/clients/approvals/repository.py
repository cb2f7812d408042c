"""Every query on above-authority requests."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.approvals.models import ApprovalRequest
from services.clients.approvals.rules import ApprovalState, Viewer
from services.clients.db import Repository
from services.clients.keyset import decision_queue_page


def visible_requests(viewer: Viewer) -> ColumnElement[bool]:
    """The one rule for "requests this viewer may see": the requester or the approver is
    one of his people (himself or someone in his reporting subtree), so the requester,
    the approver and their managers see it; an out-of-scope request answers like a
    missing one."""
    if viewer.people is None:
        return true()
    people = list(viewer.people)
    return or_(
        col(ApprovalRequest.requested_by).in_(people),
        col(ApprovalRequest.approver_employee_id).in_(people),
    )


def decidable_by(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL form of ``rules.may_decide`` (pending requests the viewer may decide)."""
    me = viewer.employee_id
    if me is None:
        return col(ApprovalRequest.id).is_(None)
    named = col(ApprovalRequest.approver_employee_id) == me
    if viewer.is_department_manager or viewer.is_admin:
        named = or_(named, col(ApprovalRequest.four_eyes).is_(True))
    return and_(named, col(ApprovalRequest.requested_by) != me)


class ApprovalRepository(Repository):
    """Queries for above-authority requests, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def visible(
        self, request_id: int, viewer: Viewer, *, for_update: bool = False
    ) -> ApprovalRequest | None:
        query = select(ApprovalRequest).where(
            col(ApprovalRequest.id) == request_id, visible_requests(viewer)
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def list(
        self,
        viewer: Viewer,
        *,
        state: ApprovalState | None,
        for_me: bool,
        before_id: int | None,
        limit: int,
    ) -> Sequence[ApprovalRequest]:
        """Newest first."""
        query = decision_queue_page(
            ApprovalRequest, ApprovalRequest.id, ApprovalRequest.state,
            visible_requests(viewer), decidable_by(viewer),
            state=state, for_me=for_me, before_id=before_id, limit=limit,
        )  # fmt: skip
        return (await self.session.exec(query)).all()
