"""Work items staff posts itself, in the transaction of the change: staff owns the inbox,
so it needs no outbox for them (a rollback takes the item and its deliveries with it)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.staff.clock import Clock
from services.staff.inbox.kinds import Severity, WorkItemKind
from services.staff.inbox.rules import (
    STAFF_SOURCE,
    lockout_key,
    lockout_title,
    position_review_prefix,
    position_review_title,
)
from services.staff.inbox.schemas import WorkItemPost
from services.staff.inbox.service import WorkItemService

OWN_LOGIN_PATH = "/v1/auth/me"
POSITION_PATH = "/v1/staff/positions/{position_id}/versions/{version_no}"


class StaffWorkItems:
    """Sign-in lockouts (to the person) and position versions awaiting approval (to the
    approver), posted and closed through the inbox's own service."""

    def __init__(self, items: WorkItemService, zone: str, clock: Clock) -> None:
        self.items = items
        self.zone = zone
        self.clock = clock

    async def sign_in_locked(
        self, employee_id: int, user_id: int, login: str, locked_until: datetime
    ) -> None:
        """Tell the person their login is locked (urgent: mailed at once, digest or not)."""
        post = WorkItemPost(
            source_key=lockout_key(user_id, locked_until),
            employee_id=employee_id,
            kind=WorkItemKind.SIGNIN_LOCKOUT,
            title=lockout_title(login, locked_until, self.zone),
            due_at=locked_until,
            record_path=OWN_LOGIN_PATH,
            severity=Severity.URGENT,
        )
        await self.items.post(STAFF_SOURCE, post, self.clock())

    async def awaiting_approval(
        self,
        approver_ids: Sequence[int],
        position_id: int,
        code: str,
        title: str,
        version_no: int,
        submitted_at: datetime,
    ) -> None:
        """One item per approver of the submitted version."""
        prefix = position_review_prefix(position_id, version_no, submitted_at)
        now = self.clock()
        for approver in approver_ids:
            post = WorkItemPost(
                source_key=f"{prefix}{approver}",
                employee_id=approver,
                kind=WorkItemKind.POSITION_APPROVAL,
                title=position_review_title(code, title, version_no),
                record_path=POSITION_PATH.format(position_id=position_id, version_no=version_no),
            )
            await self.items.post(STAFF_SOURCE, post, now)

    async def approval_answered(
        self, position_id: int, version_no: int, submitted_at: datetime
    ) -> None:
        """Close the submission's items: it was approved, returned or retired."""
        prefix = position_review_prefix(position_id, version_no, submitted_at)
        await self.items.close_all(STAFF_SOURCE, prefix, self.clock())
