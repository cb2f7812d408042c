"""Every query on ownership disputes, and the one definition of an account's last activity."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, text, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import OwnerScope, visible_accounts
from services.clients.accounts.models import Account
from services.clients.db import Repository
from services.clients.disputes.models import OwnershipDispute
from services.clients.disputes.rules import DisputeState, Viewer
from services.clients.keyset import decision_queue_page

# The last activity on an account (保护期 counts from it), in one place: the latest of the
# current owner taking it (created, transferred, handed over), a visit made (a planned one
# is no activity: the planner makes those), a ticket or an opportunity created or changed,
# and a contact of the account created or changed (or linked to it). Rows keep their
# updated_at current, so "changed" is their updated_at. PostgreSQL's greatest() skips nulls.
LAST_ACTIVITY = text(
    "SELECT greatest("
    "(SELECT a.created_at FROM clients.accounts a WHERE a.id = :account), "
    "(SELECT max(h.changed_at) FROM clients.ownership_history h WHERE h.account_id = :account), "
    "(SELECT max(v.updated_at) FROM clients.visits v "
    " WHERE v.account_id = :account AND v.status = 'completed'), "
    "(SELECT max(t.updated_at) FROM clients.tickets t WHERE t.account_id = :account), "
    "(SELECT max(o.updated_at) FROM clients.opportunities o WHERE o.account_id = :account), "
    "(SELECT max(greatest(ac.updated_at, c.updated_at)) FROM clients.account_contacts ac "
    " JOIN clients.contacts c ON c.id = ac.contact_id WHERE ac.account_id = :account))"
)


def visible_disputes(viewer: Viewer) -> ColumnElement[bool]:
    """The one rule for "disputes this viewer may see" (``rules.may_see`` in SQL): a party,
    the arbiter or one of their managers; everyone for department managers and
    administrators. Out of it, a dispute answers like a missing one."""
    if viewer.people is None:
        return true()
    people = list(viewer.people)
    return or_(
        col(OwnershipDispute.claimant_id).in_(people),
        col(OwnershipDispute.owner_id).in_(people),
        col(OwnershipDispute.arbiter_id).in_(people),
    )


def decidable_by(viewer: Viewer) -> ColumnElement[bool]:
    """The SQL form of ``rules.may_decide`` (pending disputes the viewer may decide)."""
    me = viewer.employee_id
    if me is None:
        return col(OwnershipDispute.id).is_(None)
    named = col(OwnershipDispute.arbiter_id) == me
    if viewer.may_arbitrate_any:
        named = or_(named, col(OwnershipDispute.arbiter_id).is_(None))
    return and_(
        named,
        col(OwnershipDispute.state) == DisputeState.PENDING.value,
        col(OwnershipDispute.claimant_id) != me,
        col(OwnershipDispute.owner_id) != me,
    )


class DisputeRepository(Repository):
    """Queries for ownership disputes, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def last_activity(self, account_id: int) -> datetime:
        """The last activity on the account (see ``LAST_ACTIVITY``)."""
        connection = await self.session.connection()
        value = (await connection.execute(LAST_ACTIVITY, {"account": account_id})).scalar_one()
        assert value is not None, f"account {account_id} has no creation time"
        return value  # type: ignore[no-any-return]

    async def lock_account(self, account_id: int, owner_ids: OwnerScope) -> Account | None:
        """The account (within ``owner_ids`` when given; None: any), locked until the
        transaction ends so that two claims, or a claim and a transfer, do not cross."""
        query = select(Account).where(col(Account.id) == account_id)
        if owner_ids is not None:
            query = query.where(visible_accounts(col(Account.id), owner_ids))
        return (await self.session.exec(query.with_for_update())).first()

    async def pending_for_account(self, account_id: int) -> OwnershipDispute | None:
        query = select(OwnershipDispute).where(
            col(OwnershipDispute.account_id) == account_id,
            col(OwnershipDispute.state) == DisputeState.PENDING.value,
        )
        return (await self.session.exec(query)).first()

    async def visible(
        self, dispute_id: int, viewer: Viewer, *, for_update: bool = False
    ) -> OwnershipDispute | None:
        query = select(OwnershipDispute).where(
            col(OwnershipDispute.id) == dispute_id, visible_disputes(viewer)
        )
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def list(
        self,
        viewer: Viewer,
        *,
        state: DisputeState | None,
        for_me: bool,
        before_id: int | None,
        limit: int,
    ) -> Sequence[OwnershipDispute]:
        """Newest first."""
        query = decision_queue_page(
            OwnershipDispute, OwnershipDispute.id, OwnershipDispute.state,
            visible_disputes(viewer), decidable_by(viewer),
            state=state, for_me=for_me, before_id=before_id, limit=limit,
        )  # fmt: skip
        return (await self.session.exec(query)).all()

    async def visible_account_ids(
        self, account_ids: Collection[int], owner_ids: OwnerScope
    ) -> set[int]:
        """The ids among ``account_ids`` the caller sees (the one access rule)."""
        if not account_ids:
            return set()
        query = select(Account.id).where(col(Account.id).in_(list(account_ids)))
        if owner_ids is not None:
            query = query.where(visible_accounts(col(Account.id), owner_ids))
        return {
            int(account_id) for account_id in (await self.session.exec(query)).all() if account_id
        }
