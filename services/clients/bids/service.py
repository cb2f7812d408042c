"""Bids (招投标) of opportunities: the tender's dates, the bond, the documents checklist,
the result, and the deadlines coming up for the caller's scope. Never commits."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta
from typing import Any

from services.clients.access import require_assignable
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.bids.models import Bid
from services.clients.bids.repository import BidRepository
from services.clients.bids.rules import (
    BidResult,
    BidRuleBroken,
    check_bond,
    check_checklist,
    check_dates,
    check_result,
    checklist_progress,
    upcoming_deadlines,
)
from services.clients.bids.schemas import (
    BidBond,
    BidBondRead,
    BidCreate,
    BidDeadlineRead,
    BidDocument,
    BidRead,
    BidResultSet,
    BidUpdate,
)
from services.clients.opportunities.models import Opportunity
from services.clients.org.repository import OrgRepository
from shared.concurrency import check_if_match
from shared.errors import (
    InvalidTransition,
    NotFound,
    RecordClosed,
    UnmetPrerequisite,
    UnprocessableContent,
)
from shared.money import Money

OwnerScope = Collection[int] | None
MAX_UPCOMING = 200


def bid_missing(bid_id: int) -> NotFound:
    return NotFound(f"bid {bid_id} does not exist")


def _invalid(broken: BidRuleBroken) -> UnprocessableContent:
    return UnprocessableContent(
        str(broken),
        extra={"errors": [{"loc": ["body", broken.field], "msg": str(broken), "type": "bid_rule"}]},
    )


class BidService:
    """Bids within the caller's data scope (the opportunity's account)."""

    def __init__(
        self,
        repository: BidRepository,
        org: OrgRepository,
        audit: AuditTrail,
        *,
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.org = org
        self.audit = audit
        self.now = now

    @staticmethod
    def read(bid: Bid) -> BidRead:
        assert bid.id is not None and bid.created_at is not None and bid.updated_at is not None
        documents = [BidDocument.model_validate(d) for d in bid.documents]
        progress = checklist_progress([d.done for d in documents])
        bond = None
        if bid.bond_amount is not None and bid.bond_currency is not None:
            bond = BidBondRead(
                amount=Money.of(bid.bond_amount, bid.bond_currency),
                paid_on=bid.bond_paid_on,
                returned_on=bid.bond_returned_on,
                returned=bid.bond_returned_on is not None,
            )
        return BidRead(
            id=bid.id,
            opportunity_id=bid.opportunity_id,
            account_id=bid.account_id,
            tender_number=bid.tender_number,
            title=bid.title,
            issuer=bid.issuer,
            owner_id=bid.owner_id,
            questions_deadline=bid.questions_deadline,
            submission_deadline=bid.submission_deadline,
            opening_at=bid.opening_at,
            bond=bond,
            documents=documents,
            documents_done=progress.done,
            documents_total=progress.total,
            documents_complete=progress.complete,
            result=None if bid.result is None else BidResult(bid.result),
            result_note=bid.result_note,
            decided_at=bid.decided_at,
            version=bid.version,
            created_at=bid.created_at,
            updated_at=bid.updated_at,
        )

    async def get(self, bid_id: int, owner_ids: OwnerScope) -> Bid:
        bid = await self.repository.get(bid_id, owner_ids)
        if bid is None:
            raise bid_missing(bid_id)
        return bid

    async def list(
        self,
        owner_ids: OwnerScope,
        *,
        opportunity_id: int | None,
        owner_id: int | None,
        open_only: bool,
        before_id: int | None,
        limit: int,
    ) -> builtins.list[Bid]:
        if opportunity_id is not None:
            await self._opportunity(opportunity_id, owner_ids)
        rows = await self.repository.list(
            owner_ids,
            opportunity_id=opportunity_id,
            owner_id=owner_id,
            open_only=open_only,
            before_id=before_id,
            limit=limit,
        )
        return list(rows)

    async def upcoming(self, owner_ids: OwnerScope, days: int) -> builtins.list[BidDeadlineRead]:
        """The deadlines of undecided bids in the caller's scope from now to ``days`` ahead,
        earliest first."""
        now = self.now()
        within = timedelta(days=days)
        bids = await self.repository.with_deadlines_between(
            owner_ids, now, now + within, limit=MAX_UPCOMING
        )
        found: builtins.list[BidDeadlineRead] = []
        for bid in bids:
            assert bid.id is not None
            complete = checklist_progress([bool(d.get("done")) for d in bid.documents]).complete
            for deadline in upcoming_deadlines(
                bid.questions_deadline,
                bid.submission_deadline,
                bid.opening_at,
                now=now,
                within=within,
            ):
                found.append(
                    BidDeadlineRead(
                        bid_id=bid.id,
                        kind=deadline.kind,
                        at=deadline.at,
                        tender_number=bid.tender_number,
                        title=bid.title,
                        issuer=bid.issuer,
                        opportunity_id=bid.opportunity_id,
                        account_id=bid.account_id,
                        owner_id=bid.owner_id,
                        documents_complete=complete,
                    )
                )
        return sorted(found, key=lambda d: (d.at, d.bid_id))

    async def create(
        self, opportunity_id: int, data: BidCreate, owner_ids: OwnerScope, actor: int | None
    ) -> Bid:
        opportunity = await self._opportunity(opportunity_id, owner_ids)
        if opportunity.status != "open":
            raise RecordClosed(
                f"opportunity {opportunity_id} is {opportunity.status}; no new bid",
                extra={"reason": "opportunity_closed"},
            )
        owner = data.owner_id or actor or opportunity.owner_id
        if data.owner_id is not None:
            await self._check_owner(data.owner_id, owner_ids)
        bid = Bid(
            opportunity_id=opportunity_id,
            account_id=opportunity.account_id,
            tender_number=data.tender_number,
            title=data.title,
            issuer=data.issuer,
            owner_id=owner,
            questions_deadline=data.questions_deadline,
            submission_deadline=data.submission_deadline,
            opening_at=data.opening_at,
        )
        self._set_bond(bid, data.bond)
        self._set_documents(bid, data.documents)
        self._check(bid)
        bid = await self.repository.add(bid)
        self._audit(bid, "create", actor, before=None)
        return bid

    async def update(
        self,
        bid_id: int,
        data: BidUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Bid:
        bid = await self._for_update(bid_id, owner_ids)
        check_if_match(if_match, bid.version)
        self._undecided(bid)
        before = self._summary(bid)
        given = data.model_fields_set
        if data.owner_id is not None:
            await self._check_owner(data.owner_id, owner_ids)
            bid.owner_id = data.owner_id
        for field in ("title", "issuer", "submission_deadline"):
            value = getattr(data, field)
            if value is not None:
                setattr(bid, field, value)
        for field in ("questions_deadline", "opening_at"):
            if field in given:
                setattr(bid, field, getattr(data, field))
        if "bond" in given:
            self._set_bond(bid, data.bond)
        if data.documents is not None:
            self._set_documents(bid, data.documents)
        self._check(bid)
        bid.version += 1
        bid = await self.repository.add(bid)
        self._audit(bid, "update", actor, before=before)
        return bid

    async def set_result(
        self,
        bid_id: int,
        data: BidResultSet,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Bid:
        bid = await self._for_update(bid_id, owner_ids)
        if if_match is not None:
            check_if_match(if_match, bid.version)
        self._undecided(bid)
        now = self.now()
        try:
            check_result(data.result, bid.submission_deadline, now)
        except BidRuleBroken as broken:
            raise UnmetPrerequisite(
                str(broken), extra={"reason": "before_submission_deadline"}
            ) from None
        before = self._summary(bid)
        bid.result = data.result.value
        bid.result_note = data.note
        bid.decided_at = now
        bid.version += 1
        bid = await self.repository.add(bid)
        self._audit(bid, "result", actor, before=before)
        return bid

    async def _opportunity(self, opportunity_id: int, owner_ids: OwnerScope) -> Opportunity:
        opportunity = await self.repository.opportunity(opportunity_id, owner_ids)
        if opportunity is None:
            raise NotFound(f"opportunity {opportunity_id} does not exist")
        return opportunity

    async def _for_update(self, bid_id: int, owner_ids: OwnerScope) -> Bid:
        bid = await self.repository.get(bid_id, owner_ids, for_update=True)
        if bid is None:
            raise bid_missing(bid_id)
        return bid

    async def _check_owner(self, owner_id: int, owner_ids: OwnerScope) -> None:
        require_assignable(owner_ids, owner_id, "owner_id")
        if not await self.org.active_among([owner_id]):
            raise UnprocessableContent(
                f"employee {owner_id} is not an active employee",
                extra={
                    "errors": [
                        {"loc": ["body", "owner_id"], "msg": "not active", "type": "not_active"}
                    ]
                },
            )

    @staticmethod
    def _undecided(bid: Bid) -> None:
        if bid.result is not None:
            raise InvalidTransition(
                f"bid {bid.id} is already decided ({bid.result})", extra={"result": bid.result}
            )

    @staticmethod
    def _set_bond(bid: Bid, bond: BidBond | None) -> None:
        bid.bond_amount = None if bond is None else bond.amount.amount
        bid.bond_currency = None if bond is None else bond.amount.currency
        bid.bond_paid_on = None if bond is None else bond.paid_on
        bid.bond_returned_on = None if bond is None else bond.returned_on

    @staticmethod
    def _set_documents(bid: Bid, documents: builtins.list[BidDocument]) -> None:
        bid.documents = [d.model_dump() for d in documents]

    @staticmethod
    def _check(bid: Bid) -> None:
        try:
            check_dates(bid.questions_deadline, bid.submission_deadline, bid.opening_at)
            check_bond(bid.bond_paid_on, bid.bond_returned_on)
            check_checklist([str(d["name"]) for d in bid.documents])
        except BidRuleBroken as broken:
            raise _invalid(broken) from None
        if bid.bond_amount is not None and bid.bond_amount < 0:
            raise UnprocessableContent("a bond amount cannot be negative")

    @staticmethod
    def _summary(bid: Bid) -> dict[str, Any]:
        def instant(value: datetime | None) -> str | None:
            return None if value is None else value.astimezone(UTC).isoformat()

        return {
            "tender_number": bid.tender_number,
            "owner_id": bid.owner_id,
            "questions_deadline": instant(bid.questions_deadline),
            "submission_deadline": instant(bid.submission_deadline),
            "opening_at": instant(bid.opening_at),
            "bond_amount": None if bid.bond_amount is None else str(bid.bond_amount),
            "bond_currency": bid.bond_currency,
            "bond_paid_on": None if bid.bond_paid_on is None else bid.bond_paid_on.isoformat(),
            "bond_returned_on": (
                None if bid.bond_returned_on is None else bid.bond_returned_on.isoformat()
            ),
            "documents": list(bid.documents),
            "result": bid.result,
        }

    def _audit(
        self, bid: Bid, action: str, actor: int | None, *, before: dict[str, Any] | None
    ) -> None:
        assert bid.id is not None
        self.audit.record(
            entity=AuditEntity.BID,
            entity_id=bid.id,
            account_id=bid.account_id,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=self._summary(bid) | {"opportunity_id": bid.opportunity_id},
        )
