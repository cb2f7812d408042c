"""Quotations (报价单) of opportunities: versions, lines priced from the catalogue, the
author's discount authority (折扣权限) with an above-authority request to his superior,
sending, the client's answer, and carrying the accepted lines into the won contract.
Never commits."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from datetime import UTC, date, datetime
from typing import Any

from services.clients.approvals.models import ApprovalRequest
from services.clients.approvals.service import ApprovalService, ChangeMoved
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.contracts.line_models import ContractLine
from services.clients.opportunities.models import Opportunity
from services.clients.org.repository import OrgRepository
from services.clients.quotations.models import Quotation, QuotationLine
from services.clients.quotations.repository import QuotationRepository
from services.clients.quotations.rules import (
    PricedLine,
    QuotationState,
    compound_discount,
    discount_limit,
    granted_discount,
    may_move,
    quotation_totals,
    spread_total_discount,
    state_on,
    within_discount_authority,
)
from services.clients.quotations.schemas import (
    QuotationCreate,
    QuotationLineIn,
    QuotationLineRead,
    QuotationRead,
    QuotationSubmit,
    QuotationUpdate,
)
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
QUOTATION_DISCOUNT = "quotation_discount"  # the kind of its above-authority requests
OPEN = "open"
DEFAULT_REASON = "报价折扣超出本人折扣权限"


def quotation_missing(quotation_id: int) -> NotFound:
    return NotFound(f"quotation {quotation_id} does not exist")


def opportunity_missing(opportunity_id: int) -> NotFound:
    return NotFound(f"opportunity {opportunity_id} does not exist")


def _line_problem(index: int, field: str, message: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", "lines", index, field], "msg": message, "type": kind}


class QuotationService:
    """Quotations within the caller's data scope (the opportunity's account)."""

    def __init__(
        self,
        repository: QuotationRepository,
        org: OrgRepository,
        audit: AuditTrail,
        approvals: ApprovalService,
        *,
        today: Callable[[], date],
    ) -> None:
        self.repository = repository
        self.org = org
        self.audit = audit
        self.approvals = approvals
        self.today = today

    # --- reads ------------------------------------------------------------------------------

    async def read_many(self, quotations: Sequence[Quotation]) -> list[QuotationRead]:
        ids = [q.id for q in quotations if q.id is not None]
        lines = await self.repository.lines(ids)
        latest = await self.repository.latest_revisions({q.opportunity_id for q in quotations})
        today = self.today()
        return [
            self._read(q, lines.get(q.id or 0, []), latest.get(q.opportunity_id), today)
            for q in quotations
        ]

    async def read(self, quotation: Quotation) -> QuotationRead:
        return (await self.read_many([quotation]))[0]

    @staticmethod
    def _read(
        q: Quotation, lines: Sequence[QuotationLine], latest: int | None, today: date
    ) -> QuotationRead:
        assert q.id is not None and q.created_at is not None and q.updated_at is not None
        priced = [PricedLine(ln.quantity, ln.unit_price, ln.discount_percent) for ln in lines]
        totals = quotation_totals(priced, q.total_discount_percent)
        cur = q.currency
        return QuotationRead(
            id=q.id,
            opportunity_id=q.opportunity_id,
            account_id=q.account_id,
            revision=q.revision,
            copied_from_id=q.copied_from_id,
            latest=latest == q.revision,
            title=q.title,
            currency=cur,
            valid_until=q.valid_until,
            state=state_on(QuotationState(q.state), q.valid_until, today),
            total_discount_percent=q.total_discount_percent,
            granted_discount_percent=q.granted_discount_percent,
            effective_discount_percent=totals.effective_discount_percent,
            list_total=Money.of(totals.list_total, cur),
            lines_total=Money.of(totals.lines_total, cur),
            total_discount_amount=Money.of(totals.total_discount_amount, cur),
            total=Money.of(totals.total, cur),
            author_id=q.author_id,
            approval_request_id=q.approval_request_id,
            approved_by=q.approved_by,
            refusal_reason=q.refusal_reason,
            notes=q.notes,
            sent_at=q.sent_at,
            decided_at=q.decided_at,
            contract_id=q.contract_id,
            lines=[
                QuotationLineRead(
                    id=ln.id or 0,
                    position=ln.position,
                    product_id=ln.product_id,
                    product_code=ln.product_code,
                    product_name=ln.product_name,
                    unit=ln.unit,
                    quantity=ln.quantity,
                    unit_price=Money.of(ln.unit_price, cur),
                    discount_percent=ln.discount_percent,
                    list_amount=Money.of(ln.list_amount, cur),
                    net_amount=Money.of(ln.net_amount, cur),
                )
                for ln in lines
            ],
            version=q.version,
            created_at=q.created_at,
            updated_at=q.updated_at,
        )

    async def get(self, quotation_id: int, owner_ids: OwnerScope) -> Quotation:
        quotation = await self.repository.get(quotation_id, owner_ids)
        if quotation is None:
            raise quotation_missing(quotation_id)
        return quotation

    async def list(
        self,
        owner_ids: OwnerScope,
        *,
        opportunity_id: int | None,
        author_id: int | None,
        states: list[str] | None,
        before_id: int | None,
        limit: int,
    ) -> list[Quotation]:
        if opportunity_id is not None:
            await self._opportunity(opportunity_id, owner_ids)
        rows = await self.repository.list(
            owner_ids,
            opportunity_id=opportunity_id,
            author_id=author_id,
            states=states,
            before_id=before_id,
            limit=limit,
        )
        return list(rows)

    async def accepted_of(self, opportunity_id: int) -> Quotation | None:
        """The opportunity's accepted quotation, if any."""
        return await self.repository.accepted_of(opportunity_id)

    # --- writes -----------------------------------------------------------------------------

    async def create(
        self, opportunity_id: int, data: QuotationCreate, owner_ids: OwnerScope, author: int
    ) -> Quotation:
        """A new draft: the next version of the opportunity's quotation."""
        opportunity = await self._open_opportunity(opportunity_id, owner_ids)
        currency = data.currency or opportunity.currency
        revision = await self._next_revision(opportunity_id)
        quotation = await self.repository.add(
            Quotation(
                opportunity_id=opportunity_id,
                account_id=opportunity.account_id,
                revision=revision,
                title=data.title,
                currency=currency,
                valid_until=data.valid_until,
                total_discount_percent=data.total_discount_percent,
                author_id=author,
                notes=data.notes,
            )
        )
        await self._write_lines(quotation, data.lines)
        self._audit(quotation, "create", author, before=None)
        return quotation

    async def revise(self, quotation_id: int, owner_ids: OwnerScope, author: int) -> Quotation:
        """A new draft version copying ``quotation_id`` (its lines and prices as quoted)."""
        source = await self.get(quotation_id, owner_ids)
        await self._open_opportunity(source.opportunity_id, owner_ids)
        revision = await self._next_revision(source.opportunity_id)
        quotation = await self.repository.add(
            Quotation(
                opportunity_id=source.opportunity_id,
                account_id=source.account_id,
                revision=revision,
                copied_from_id=source.id,
                title=source.title,
                currency=source.currency,
                valid_until=source.valid_until,
                total_discount_percent=source.total_discount_percent,
                list_total=source.list_total,
                lines_total=source.lines_total,
                total=source.total,
                granted_discount_percent=source.granted_discount_percent,
                author_id=author,
                notes=source.notes,
            )
        )
        assert quotation.id is not None and source.id is not None
        old = (await self.repository.lines([source.id]))[source.id]
        await self.repository.replace_lines(
            quotation.id,
            [
                QuotationLine(
                    **ln.model_dump(exclude={"id", "quotation_id"}), quotation_id=quotation.id
                )
                for ln in old
            ],
        )
        self._audit(quotation, "revise", author, before=None)
        return quotation

    async def update(
        self,
        quotation_id: int,
        data: QuotationUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Quotation:
        quotation = await self._for_update(quotation_id, owner_ids)
        check_if_match(if_match, quotation.version)
        self._require_state(quotation, QuotationState.DRAFT, "changed")
        before = self._summary(quotation)
        for field in ("title", "valid_until", "total_discount_percent", "notes"):
            value = getattr(data, field)
            if value is not None:
                setattr(quotation, field, value)
        quotation.version += 1
        quotation = await self.repository.add(quotation)
        if data.lines is not None:
            await self._write_lines(quotation, data.lines)
        else:
            await self._retotal(quotation)
        self._audit(quotation, "update", actor, before=before)
        return quotation

    async def submit(
        self,
        quotation_id: int,
        data: QuotationSubmit,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Quotation | ApprovalRequest:
        """Within the author's discount authority the draft is approved at once; above it,
        a request goes to the author's superior (the quotation waits in pending_approval)."""
        quotation = await self._for_update(quotation_id, owner_ids)
        if if_match is not None:
            check_if_match(if_match, quotation.version)
        self._require_state(quotation, QuotationState.DRAFT, "submitted")
        await self._require_latest(quotation, "submitted")
        if quotation.valid_until < self.today():
            raise UnmetPrerequisite(
                f"quotation {quotation_id} was valid until {quotation.valid_until}; "
                "change valid_until before submitting it",
                extra={"reason": "validity_passed"},
            )
        before = self._summary(quotation)
        author = await self.org.get(quotation.author_id)
        limit = (
            discount_limit(author.authority_limits)
            if author is not None and author.status == "active"
            else None
        )
        quotation.refusal_reason = None
        if within_discount_authority(quotation.granted_discount_percent, limit):
            quotation.state = QuotationState.APPROVED.value
            quotation.approved_by = quotation.author_id
            quotation.version += 1
            quotation = await self.repository.add(quotation)
            self._audit(quotation, "submit", actor, before=before, extra={"discount_limit": limit})
            return quotation
        assert quotation.id is not None
        request = await self.approvals.file(
            kind=QUOTATION_DISCOUNT,
            account_id=quotation.account_id,
            payload={
                "quotation_id": quotation.id,
                "quotation_version": quotation.version + 1,
                "granted_discount_percent": str(quotation.granted_discount_percent),
                "discount_limit_percent": None if limit is None else str(limit),
                "total": str(quotation.total),
                "currency": quotation.currency,
            },
            reason=data.reason or DEFAULT_REASON,
            requested_by=quotation.author_id,
        )
        quotation.state = QuotationState.PENDING_APPROVAL.value
        quotation.approval_request_id = request.id
        quotation.version += 1
        quotation = await self.repository.add(quotation)
        self._audit(quotation, "submit", actor, before=before, extra={"discount_limit": limit})
        return request

    async def apply_approved(self, request: ApprovalRequest, approver: int) -> dict[str, Any]:
        """The superior approved the discount: the quotation is approved, re-validated
        (still waiting for this request, unchanged, still the latest version)."""
        quotation = await self._waiting_for(request)
        if quotation.version != int(request.payload["quotation_version"]):
            raise ChangeMoved(f"quotation {quotation.id} changed since the request")
        if not await self._is_latest(quotation):
            raise ChangeMoved(f"quotation {quotation.id} is no longer the latest version")
        before = self._summary(quotation)
        quotation.state = QuotationState.APPROVED.value
        quotation.approved_by = approver
        quotation.version += 1
        quotation = await self.repository.add(quotation)
        self._audit(quotation, "approve", approver, before=before)
        return {"quotation_id": quotation.id, "state": quotation.state}

    async def refused(self, request: ApprovalRequest, approver: int, comment: str) -> None:
        """The superior refused: the quotation goes back to draft with the reason."""
        try:
            quotation = await self._waiting_for(request)
        except ChangeMoved:
            return  # the quotation moved on; the refusal concerns nothing left to undo
        before = self._summary(quotation)
        quotation.state = QuotationState.DRAFT.value
        quotation.refusal_reason = comment
        quotation.version += 1
        quotation = await self.repository.add(quotation)
        self._audit(quotation, "refuse", approver, before=before)

    async def send(
        self, quotation_id: int, if_match: str | None, owner_ids: OwnerScope, actor: int | None
    ) -> Quotation:
        return await self._move(
            quotation_id, QuotationState.SENT, if_match, owner_ids, actor, note=None
        )

    async def accept(
        self,
        quotation_id: int,
        note: str | None,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Quotation:
        quotation = await self._for_update(quotation_id, owner_ids)
        await self._open_opportunity(quotation.opportunity_id, owner_ids)
        return await self._move(
            quotation_id, QuotationState.ACCEPTED, if_match, owner_ids, actor, note=note
        )

    async def reject(
        self,
        quotation_id: int,
        note: str | None,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Quotation:
        return await self._move(
            quotation_id, QuotationState.REJECTED, if_match, owner_ids, actor, note=note
        )

    async def carry_into_contract(
        self, opportunity_id: int, contract_id: int, actor: int | None
    ) -> int:
        """When the opportunity is won: the accepted quotation's lines become the
        contract's lines (the discount each line finally got), and the quotation names the
        contract. Without an accepted quotation nothing is carried; how many lines."""
        quotation = await self.repository.accepted_of(opportunity_id)
        if quotation is None or quotation.contract_id is not None:
            return 0
        assert quotation.id is not None
        lines = (await self.repository.lines([quotation.id]))[quotation.id]
        nets = spread_total_discount(
            [ln.net_amount for ln in lines], quotation.total_discount_percent
        )
        for ln, net in zip(lines, nets, strict=True):
            self.repository.session.add(
                ContractLine(
                    contract_id=contract_id,
                    position=ln.position,
                    product_id=ln.product_id,
                    quantity=ln.quantity,
                    unit_price=ln.unit_price,
                    discount_percent=compound_discount(
                        ln.discount_percent, quotation.total_discount_percent
                    ),
                    net_amount=net,
                    currency=quotation.currency,
                    quotation_line_id=ln.id,
                )
            )
        await self.repository.session.flush()
        before = self._summary(quotation)
        quotation.contract_id = contract_id
        quotation.version += 1
        await self.repository.add(quotation)
        self._audit(quotation, "carry_into_contract", actor, before=before)
        return len(lines)

    # --- helpers ----------------------------------------------------------------------------

    async def _move(
        self,
        quotation_id: int,
        target: QuotationState,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
        *,
        note: str | None,
    ) -> Quotation:
        quotation = await self._for_update(quotation_id, owner_ids)
        if if_match is not None:
            check_if_match(if_match, quotation.version)
        shown = state_on(QuotationState(quotation.state), quotation.valid_until, self.today())
        if not may_move(shown, target) or shown is QuotationState.EXPIRED:
            raise InvalidTransition(
                f"quotation {quotation_id} is {shown.value}; it cannot become {target.value}",
                extra={"state": shown.value},
            )
        await self._require_latest(quotation, target.value)
        before = self._summary(quotation)
        quotation.state = target.value
        now = datetime.now(UTC)
        if target is QuotationState.SENT:
            quotation.sent_at = now
        else:
            quotation.decided_at = now
            if note:
                quotation.notes = f"{quotation.notes}\n{note}" if quotation.notes else note
        quotation.version += 1
        quotation = await self.repository.add(quotation)
        self._audit(quotation, target.value, actor, before=before)
        return quotation

    async def _waiting_for(self, request: ApprovalRequest) -> Quotation:
        quotation_id = int(request.payload["quotation_id"])
        quotation = await self.repository.get(quotation_id, None, for_update=True)
        if quotation is None:
            raise ChangeMoved(f"quotation {quotation_id} no longer exists")
        if (
            quotation.state != QuotationState.PENDING_APPROVAL.value
            or quotation.approval_request_id != request.id
        ):
            raise ChangeMoved(
                f"quotation {quotation_id} is {quotation.state}, no longer waiting for "
                f"approval request {request.id}"
            )
        return quotation

    async def _opportunity(self, opportunity_id: int, owner_ids: OwnerScope) -> Opportunity:
        opportunity = await self.repository.opportunity(opportunity_id, owner_ids)
        if opportunity is None:
            raise opportunity_missing(opportunity_id)
        return opportunity

    async def _open_opportunity(self, opportunity_id: int, owner_ids: OwnerScope) -> Opportunity:
        opportunity = await self._opportunity(opportunity_id, owner_ids)
        if opportunity.status != OPEN:
            raise RecordClosed(
                f"opportunity {opportunity_id} is {opportunity.status}; its quotation is closed",
                extra={"reason": "opportunity_closed"},
            )
        return opportunity

    async def _next_revision(self, opportunity_id: int) -> int:
        await self.repository.lock_opportunity_quotations(opportunity_id)
        if await self.repository.accepted_of(opportunity_id) is not None:
            raise InvalidTransition(
                f"the quotation of opportunity {opportunity_id} was accepted; "
                "no new version can be made",
                extra={"reason": "quotation_accepted"},
            )
        latest = await self.repository.latest_revisions([opportunity_id])
        return latest.get(opportunity_id, 0) + 1

    async def _for_update(self, quotation_id: int, owner_ids: OwnerScope) -> Quotation:
        quotation = await self.repository.get(quotation_id, owner_ids, for_update=True)
        if quotation is None:
            raise quotation_missing(quotation_id)
        return quotation

    async def _is_latest(self, quotation: Quotation) -> bool:
        latest = await self.repository.latest_revisions([quotation.opportunity_id])
        return latest.get(quotation.opportunity_id) == quotation.revision

    async def _require_latest(self, quotation: Quotation, doing: str) -> None:
        if not await self._is_latest(quotation):
            raise InvalidTransition(
                f"quotation {quotation.id} is not the latest version of the opportunity's "
                f"quotation; only the latest can be {doing}",
                extra={"reason": "not_latest_version"},
            )

    @staticmethod
    def _require_state(quotation: Quotation, state: QuotationState, doing: str) -> None:
        if quotation.state != state.value:
            raise InvalidTransition(
                f"quotation {quotation.id} is {quotation.state}; only a {state.value} "
                f"quotation can be {doing}",
                extra={"state": quotation.state},
            )

    async def _write_lines(self, quotation: Quotation, lines: Sequence[QuotationLineIn]) -> None:
        """Price the lines from the catalogue (list price, code, name, unit copied) and
        store them with the quotation's totals."""
        assert quotation.id is not None
        products = await self.repository.products({ln.product_id for ln in lines})
        problems = []
        for index, ln in enumerate(lines):
            product = products.get(ln.product_id)
            if product is None:
                problems.append(
                    _line_problem(index, "product_id", "no such product", "unknown_product")
                )
            elif not product.active:
                problems.append(
                    _line_problem(index, "product_id", "product is inactive", "inactive_product")
                )
            elif product.currency != quotation.currency:
                problems.append(
                    _line_problem(
                        index,
                        "product_id",
                        f"priced in {product.currency}, not {quotation.currency}",
                        "currency_mismatch",
                    )
                )
        if problems:
            raise UnprocessableContent(
                "some lines name products that cannot be quoted", extra={"errors": problems}
            )
        rows = []
        for position, ln in enumerate(lines, start=1):
            product = products[ln.product_id]
            priced = PricedLine(ln.quantity, product.list_price, ln.discount_percent)
            rows.append(
                QuotationLine(
                    quotation_id=quotation.id,
                    position=position,
                    product_id=ln.product_id,
                    product_code=product.code,
                    product_name=product.name,
                    unit=product.unit,
                    quantity=ln.quantity,
                    unit_price=product.list_price,
                    discount_percent=ln.discount_percent,
                    list_amount=priced.list_amount,
                    net_amount=priced.net_amount,
                )
            )
        await self.repository.replace_lines(quotation.id, rows)
        await self._retotal(quotation)

    async def _retotal(self, quotation: Quotation) -> None:
        assert quotation.id is not None
        lines = (await self.repository.lines([quotation.id]))[quotation.id]
        priced = [PricedLine(ln.quantity, ln.unit_price, ln.discount_percent) for ln in lines]
        totals = quotation_totals(priced, quotation.total_discount_percent)
        quotation.list_total = totals.list_total
        quotation.lines_total = totals.lines_total
        quotation.total = totals.total
        quotation.granted_discount_percent = granted_discount(
            [ln.discount_percent for ln in lines], quotation.total_discount_percent
        )
        await self.repository.add(quotation)

    @staticmethod
    def _summary(quotation: Quotation) -> dict[str, Any]:
        return {
            "state": quotation.state,
            "revision": quotation.revision,
            "author_id": quotation.author_id,
            "total": str(quotation.total),
            "currency": quotation.currency,
            "total_discount_percent": str(quotation.total_discount_percent),
            "granted_discount_percent": str(quotation.granted_discount_percent),
            "valid_until": quotation.valid_until.isoformat(),
        }

    def _audit(
        self,
        quotation: Quotation,
        action: str,
        actor: int | None,
        *,
        before: dict[str, Any] | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        assert quotation.id is not None
        after = self._summary(quotation) | {"opportunity_id": quotation.opportunity_id}
        if quotation.approval_request_id is not None:
            after["approval_request_id"] = quotation.approval_request_id
        if quotation.refusal_reason:
            after["refusal_reason"] = quotation.refusal_reason
        if extra:
            after |= {k: None if v is None else str(v) for k, v in extra.items()}
        self.audit.record(
            entity=AuditEntity.QUOTATION,
            entity_id=quotation.id,
            account_id=quotation.account_id,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=after,
        )
