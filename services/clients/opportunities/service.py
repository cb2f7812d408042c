"""Opportunities (销售机会): create and edit within the caller's scope, move through the
pipeline's stages, win (a signed contract; a prospect becomes an existing client) or lose
(the reason and the competitor that won), reopen a lost one, and read the stage history.
Never commits."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from services.clients.access import require_assignable, sees_personal_data
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.schemas import TradeClass
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.catalogue.repository import ProductRepository
from services.clients.competitors.register_repository import CompetitorRepository
from services.clients.contacts.repository import ContactRepository
from services.clients.contracts.models import Contract
from services.clients.contracts.repository import ContractRepository
from services.clients.opportunities.models import (
    Opportunity,
    OpportunityContact,
    OpportunityLine,
    OpportunityMember,
    OpportunityStageChange,
    PipelineStage,
)
from services.clients.opportunities.repository import OpportunityRepository, StageRepository
from services.clients.opportunities.rules import (
    Outcome,
    Stage,
    close_problem,
    line_total,
    lines_total,
    move_problem,
    probability_in,
    probability_problem,
    reopen_problem,
    stage_spells,
    time_in_stages,
    weighted,
)
from services.clients.opportunities.schemas import (
    ContactIn,
    DecisionRole,
    LineIn,
    LineRead,
    MemberIn,
    MemberRead,
    OpportunityContactRead,
    OpportunityCreate,
    OpportunityDetail,
    OpportunityLose,
    OpportunityQuery,
    OpportunityRead,
    OpportunityReopen,
    OpportunityUpdate,
    OpportunityWin,
    StageChangeRead,
    StageHistory,
    StageMove,
    WinContract,
)
from services.clients.org.service import OrgService, owner_problem
from shared.auth.principal import Principal
from shared.concurrency import check_if_match
from shared.errors import (
    InvalidTransition,
    NotFound,
    RecordClosed,
    UnmetPrerequisite,
    UnprocessableContent,
)
from shared.money import MAX_ABS_AMOUNT, Money
from shared.periods import Month
from shared.personal_data import mask_email, mask_phone

OwnerScope = Collection[int] | None
ARCHIVED = "archived"
SIGNED_STATUSES = frozenset({"signed", "expired"})


@dataclass(frozen=True)
class WonContract:
    """What a won opportunity asks the contracts domain to sign: a contract of the
    account for the opportunity's amount and currency."""

    account_id: int
    opportunity_id: int
    number: str
    title: str
    amount: Decimal
    currency: str
    start_date: date
    end_date: date
    signed_on: date | None


SignWonContract = Callable[[WonContract, OwnerScope, int | None], Awaitable[Contract]]
"""Drafts and signs the won opportunity's contract (services.clients.reactions): signing
fixes its base value, makes a prospect an existing client and regrades the account."""


@dataclass(frozen=True)
class Closing:
    """An opportunity being won or lost: its fields before, the stage it left, when."""

    before: dict[str, Any]
    from_code: str
    at: datetime


def opportunity_missing(opportunity_id: int) -> NotFound:
    """Missing and outside the caller's scope answer alike."""
    return NotFound(f"opportunity {opportunity_id} does not exist")


def _invalid(field: str, message: str, kind: str = "value_error") -> UnprocessableContent:
    return UnprocessableContent(
        message, extra={"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}
    )


def stage_of(row: PipelineStage) -> Stage:
    return Stage(row.code, row.default_probability, Outcome(row.outcome), row.active)


class OpportunityService:
    """Opportunities of the accounts in the caller's scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: OpportunityRepository,
        stages: StageRepository,
        products: ProductRepository,
        competitors: CompetitorRepository,
        contracts: ContractRepository,
        contacts: ContactRepository,
        org: OrgService,
        audit: AuditTrail,
        *,
        now: Callable[[], datetime],
        sign_contract: SignWonContract,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.stages = stages
        self.products = products
        self.competitors = competitors
        self.contracts = contracts
        self.contacts = contacts
        self.org = org
        self.audit = audit
        self.now = now
        self.sign_contract = sign_contract

    # --- reading ------------------------------------------------------------------------

    async def stage_names(self) -> dict[str, str]:
        return {row.code: row.name for row in await self.stages.all()}

    @staticmethod
    def read(opportunity: Opportunity, stage_names: dict[str, str]) -> OpportunityRead:
        assert opportunity.id is not None
        assert opportunity.created_at is not None and opportunity.updated_at is not None
        return OpportunityRead(
            id=opportunity.id,
            account_id=opportunity.account_id,
            name=opportunity.name,
            amount=Money.of(opportunity.amount, opportunity.currency),
            weighted_amount=Money.of(
                weighted(opportunity.amount, opportunity.probability), opportunity.currency
            ),
            expected_close_month=Month.of(opportunity.expected_close_month),
            stage_code=opportunity.stage_code,
            stage_name=stage_names.get(opportunity.stage_code, opportunity.stage_code),
            probability=opportunity.probability,
            probability_reason=opportunity.probability_reason,
            source=opportunity.source,
            owner_id=opportunity.owner_id,
            next_step=opportunity.next_step,
            next_step_date=opportunity.next_step_date,
            status=Outcome(opportunity.status),
            contract_id=opportunity.contract_id,
            lost_reason=opportunity.lost_reason,
            lost_to_competitor_id=opportunity.lost_to_competitor_id,
            version=opportunity.version,
            created_at=opportunity.created_at,
            updated_at=opportunity.updated_at,
            closed_at=opportunity.closed_at,
        )

    async def detail(
        self, opportunity: Opportunity, owner_ids: OwnerScope, viewer: Principal
    ) -> OpportunityDetail:
        """The opportunity with team, key contacts (masked unless ``viewer`` sees the
        account's personal data) and lines."""
        assert opportunity.id is not None
        base = self.read(opportunity, await self.stage_names())
        account = await self.accounts.get(opportunity.account_id)
        assert account is not None
        works = await self.contacts.worked_by(viewer.employee_id, account_id=account.id)
        in_full = sees_personal_data(viewer, owner_ids, [account.owner_id], works_on_team=works)
        contacts = [
            OpportunityContactRead(
                contact_id=link.contact_id,
                role=DecisionRole(link.role),
                name=contact.name,
                title=contact.title,
                phone=contact.phone if in_full or not contact.phone else mask_phone(contact.phone),
                email=contact.email if in_full or not contact.email else mask_email(contact.email),
                personal_data_masked=not in_full,
            )
            for link, contact in await self.repository.contacts(opportunity.id)
        ]
        rows = await self.repository.lines(opportunity.id)
        products = await self.products.many([row.product_id for row in rows])
        lines = []
        for row in rows:
            product = products[row.product_id]
            total = line_total(row.quantity, row.unit_price, row.discount_percent)
            lines.append(
                LineRead(
                    product_id=row.product_id,
                    product_code=product.code,
                    product_name=product.name,
                    unit=product.unit,
                    quantity=row.quantity,
                    unit_price=Money.of(row.unit_price, opportunity.currency),
                    discount_percent=row.discount_percent,
                    total=Money.of(total, opportunity.currency),
                )
            )
        members = [
            MemberRead(employee_id=m.employee_id, role=m.role)
            for m in await self.repository.members(opportunity.id)
        ]
        lines_total = (
            Money.of(
                sum((line.total.amount for line in lines), Decimal("0.00")), base.amount.currency
            )
            if lines
            else None
        )
        return OpportunityDetail(
            **base.model_dump(),
            members=members,
            contacts=contacts,
            lines=lines,
            lines_total=lines_total,
        )

    async def get(self, opportunity_id: int, owner_ids: OwnerScope) -> Opportunity:
        opportunity = await self.repository.get(opportunity_id, owner_ids=owner_ids)
        if opportunity is None:
            raise opportunity_missing(opportunity_id)
        return opportunity

    async def list(
        self, filters: OpportunityQuery, owner_ids: OwnerScope, *, after_id: int | None, limit: int
    ) -> builtins.list[OpportunityRead]:
        rows = await self.repository.list(
            filters, owner_ids=owner_ids, after_id=after_id, limit=limit
        )
        names = await self.stage_names()
        return [self.read(row, names) for row in rows]

    async def history(self, opportunity_id: int, owner_ids: OwnerScope) -> StageHistory:
        opportunity = await self.get(opportunity_id, owner_ids)
        changes = await self.repository.history(opportunity_id)
        until = opportunity.closed_at or self.now()
        spells = stage_spells([(c.to_stage_code, c.changed_at) for c in changes], until)
        return StageHistory(
            opportunity_id=opportunity_id,
            changes=[
                StageChangeRead(
                    id=change.id,
                    from_stage_code=change.from_stage_code,
                    to_stage_code=change.to_stage_code,
                    probability=change.probability,
                    owner_id=change.owner_id,
                    actor_employee_id=change.actor_employee_id,
                    note=change.note,
                    changed_at=change.changed_at,
                    seconds_in_stage=spell.seconds,
                )
                for change, spell in zip(changes, spells, strict=True)
            ],
            seconds_per_stage=time_in_stages(spells),
        )

    # --- checks of a body -----------------------------------------------------------------

    async def _writable_account(self, account_id: int, owner_ids: OwnerScope) -> Account:
        account = await self.accounts.visible(account_id, owner_ids)
        if account.status == ARCHIVED:
            raise RecordClosed(
                f"account {account_id} is archived; restore it before changing its opportunities",
                extra={"reason": "account_archived"},
            )
        return account

    async def _require_people(
        self, owner_ids: OwnerScope, owner_id: int | None, members: Sequence[MemberIn]
    ) -> None:
        """Everyone named must be assignable by the caller and active."""
        named: dict[int, str] = {}
        if owner_id is not None:
            require_assignable(owner_ids, owner_id, "owner_id")
            named[owner_id] = "owner_id"
        for member in members:
            require_assignable(owner_ids, member.employee_id, "members")
            named.setdefault(member.employee_id, "members")
        if len({m.employee_id for m in members}) != len(members):
            raise _invalid("members", "an employee is named twice in members", "duplicate")
        reasons = await self.org.inactive_reasons(list(named))
        for employee_id, reason in reasons.items():
            raise _invalid(
                named[employee_id], owner_problem(employee_id, reason), "inactive_employee"
            )

    async def _require_contacts(self, account_id: int, contacts: Sequence[ContactIn]) -> None:
        wanted = [c.contact_id for c in contacts]
        if len(set(wanted)) != len(wanted):
            raise _invalid("contacts", "a contact is named twice in contacts", "duplicate")
        linked = await self.repository.contacts_of_account(account_id, wanted)
        for contact_id in wanted:
            if contact_id not in linked:
                raise _invalid(
                    "contacts",
                    f"contact {contact_id} is not a contact of account {account_id}",
                    "reference",
                )

    async def _line_rows(
        self, opportunity_id: int, currency: str, lines: Sequence[LineIn]
    ) -> builtins.list[OpportunityLine]:
        products = await self.products.many([line.product_id for line in lines])
        rows = []
        for position, line in enumerate(lines, start=1):
            product = products.get(line.product_id)
            if product is None or not product.active:
                state = "does not exist" if product is None else "is retired"
                raise _invalid("lines", f"product {line.product_id} {state}", "reference")
            unit_price = line.unit_price
            if unit_price is None:
                if product.currency != currency:
                    raise _invalid(
                        "lines",
                        f"product {product.code} is priced in {product.currency}, the "
                        f"opportunity in {currency}: give the line's unit_price",
                        "currency_mismatch",
                    )
                unit_price = product.list_price
            if line_total(line.quantity, unit_price, line.discount_percent) > MAX_ABS_AMOUNT:
                raise _invalid("lines", f"line {position} is worth more than {MAX_ABS_AMOUNT}")
            rows.append(
                OpportunityLine(
                    opportunity_id=opportunity_id,
                    position=position,
                    product_id=line.product_id,
                    quantity=line.quantity,
                    unit_price=unit_price,
                    discount_percent=line.discount_percent,
                )
            )
        value = lines_total((r.quantity, r.unit_price, r.discount_percent) for r in rows)
        if value > MAX_ABS_AMOUNT:
            raise _invalid("lines", f"the lines are worth more than {MAX_ABS_AMOUNT} together")
        return rows

    async def _stage(self, code: str, field: str = "stage_code") -> PipelineStage:
        row = await self.stages.get(code)
        if row is None:
            raise _invalid(field, f"stage {code} does not exist", "reference")
        return row

    async def _first_open_stage(self) -> PipelineStage:
        for row in await self.stages.all():
            if row.outcome == Outcome.OPEN and row.active:
                return row
        raise UnmetPrerequisite(
            "the pipeline has no open stage in use", extra={"reason": "no_open_stage"}
        )

    async def _closing_stage(self, outcome: Outcome) -> PipelineStage:
        for row in await self.stages.all():
            if row.outcome == outcome and row.active:
                return row
        raise UnmetPrerequisite(
            f"the pipeline has no {outcome.value} stage in use", extra={"reason": "no_stage"}
        )

    # --- writing --------------------------------------------------------------------------

    def _record_change(
        self,
        opportunity: Opportunity,
        from_code: str | None,
        actor: int | None,
        note: str | None,
        at: datetime,
    ) -> None:
        assert opportunity.id is not None
        self.repository.add_change(
            OpportunityStageChange(
                opportunity_id=opportunity.id,
                from_stage_code=from_code,
                to_stage_code=opportunity.stage_code,
                probability=opportunity.probability,
                owner_id=opportunity.owner_id,
                actor_employee_id=actor,
                note=note,
                changed_at=at,
            )
        )

    def _audit(
        self,
        opportunity: Opportunity,
        action: str,
        actor: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert opportunity.id is not None
        self.audit.record(
            entity=AuditEntity.OPPORTUNITY,
            entity_id=opportunity.id,
            account_id=opportunity.account_id,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=snapshot(opportunity) if after is None else after,
        )

    async def _save(self, opportunity: Opportunity) -> Opportunity:
        opportunity.updated_at = self.now()
        return await self.repository.add(opportunity)

    async def create(
        self, account_id: int, data: OpportunityCreate, owner_ids: OwnerScope, actor: int | None
    ) -> Opportunity:
        account = await self._writable_account(account_id, owner_ids)
        await self._require_people(owner_ids, data.owner_id, data.members)
        await self._require_contacts(account_id, data.contacts)
        stage_row = (
            await self._stage(data.stage_code)
            if data.stage_code is not None
            else await self._first_open_stage()
        )
        stage = stage_of(stage_row)
        if stage.outcome is not Outcome.OPEN or not stage.active:
            raise _invalid(
                "stage_code", f"stage {stage.code} is not an open stage in use", "closed_stage"
            )
        probability, reason = probability_in(stage, data.probability, data.probability_reason)
        problem = probability_problem(probability, stage, reason)
        if problem is not None:
            raise _invalid("probability_reason", problem, "reason_required")
        now = self.now()
        opportunity = Opportunity(
            account_id=account_id,
            name=data.name,
            amount=data.amount,
            currency=data.currency,
            expected_close_month=data.expected_close_month.start_date,
            stage_code=stage.code,
            probability=probability,
            probability_reason=reason,
            source=data.source,
            owner_id=data.owner_id if data.owner_id is not None else account.owner_id,
            next_step=data.next_step,
            next_step_date=data.next_step_date,
            status=Outcome.OPEN.value,
            created_by=actor,
        )
        opportunity = await self._save(opportunity)
        assert opportunity.id is not None
        lines = await self._line_rows(opportunity.id, data.currency, data.lines)
        await self._replace_lists(opportunity.id, data.members, data.contacts, lines)
        self._record_change(opportunity, None, actor, None, now)
        lists = self._lists_snapshot(data.members, data.contacts, lines)
        self._audit(opportunity, "create", actor, after={**snapshot(opportunity), **lists})
        return opportunity

    async def _replace_lists(
        self,
        opportunity_id: int,
        members: Sequence[MemberIn] | None,
        contacts: Sequence[ContactIn] | None,
        lines: Sequence[OpportunityLine] | None,
    ) -> None:
        if members is not None:
            await self.repository.replace_members(
                opportunity_id,
                [
                    OpportunityMember(
                        opportunity_id=opportunity_id, employee_id=m.employee_id, role=m.role
                    )
                    for m in members
                ],
            )
        if contacts is not None:
            await self.repository.replace_contacts(
                opportunity_id,
                [
                    OpportunityContact(
                        opportunity_id=opportunity_id, contact_id=c.contact_id, role=c.role.value
                    )
                    for c in contacts
                ],
            )
        if lines is not None:
            await self.repository.replace_lines(opportunity_id, lines)

    @staticmethod
    def _lists_snapshot(
        members: Sequence[MemberIn] | None,
        contacts: Sequence[ContactIn] | None,
        lines: Sequence[OpportunityLine] | None,
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if members is not None:
            out["members"] = [m.model_dump(mode="json") for m in members]
        if contacts is not None:
            out["contacts"] = [c.model_dump(mode="json") for c in contacts]
        if lines is not None:
            out["lines"] = [
                {
                    "product_id": line.product_id,
                    "quantity": str(line.quantity),
                    "unit_price": str(line.unit_price),
                    "discount_percent": str(line.discount_percent),
                }
                for line in lines
            ]
        return out

    async def _for_change(
        self, opportunity_id: int, owner_ids: OwnerScope, if_match: str | None, *, required: bool
    ) -> Opportunity:
        opportunity = await self.repository.get(
            opportunity_id, owner_ids=owner_ids, for_update=True
        )
        if opportunity is None:
            raise opportunity_missing(opportunity_id)
        if required or if_match is not None:
            check_if_match(if_match, opportunity.version)
        return opportunity

    @staticmethod
    def _require_open(opportunity: Opportunity) -> None:
        if opportunity.status != Outcome.OPEN:
            raise RecordClosed(
                f"opportunity {opportunity.id} is {opportunity.status}; only an open "
                "opportunity can be changed",
                extra={"reason": "closed"},
            )

    async def update(
        self,
        opportunity_id: int,
        data: OpportunityUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Opportunity:
        opportunity = await self._for_change(opportunity_id, owner_ids, if_match, required=True)
        self._require_open(opportunity)
        await self._writable_account(opportunity.account_id, owner_ids)
        changes = data.model_dump(exclude_unset=True)
        nullable = {"probability_reason", "source", "next_step", "next_step_date"}
        for field, value in changes.items():
            if value is None and field not in nullable:
                raise _invalid(field, f"{field} cannot be null", "null")
        owner_id = changes.get("owner_id")
        members = data.members if "members" in changes else None
        await self._require_people(
            owner_ids, owner_id if owner_id != opportunity.owner_id else None, members or []
        )
        contacts = data.contacts if "contacts" in changes else None
        if contacts is not None:
            await self._require_contacts(opportunity.account_id, contacts)
        currency = changes.get("currency", opportunity.currency)
        lines: builtins.list[OpportunityLine] | None = None
        assert opportunity.id is not None
        if data.lines is not None:
            lines = await self._line_rows(opportunity.id, currency, data.lines)
        elif currency != opportunity.currency and await self.repository.lines(opportunity.id):
            raise _invalid(
                "currency",
                "the lines are priced in the opportunity's currency: send them again with "
                "the new currency",
                "currency_mismatch",
            )
        stage = stage_of(await self._stage(opportunity.stage_code))
        probability = changes.get("probability", opportunity.probability)
        reason = changes.get("probability_reason", opportunity.probability_reason)
        probability, reason = probability_in(stage, probability, reason)
        problem = probability_problem(probability, stage, reason)
        if problem is not None:
            raise _invalid("probability_reason", problem, "reason_required")
        before = snapshot(opportunity)
        scalar = {k: v for k, v in changes.items() if k not in {"members", "contacts", "lines"}}
        if data.expected_close_month is not None:
            scalar["expected_close_month"] = data.expected_close_month.start_date
        for field, value in scalar.items():
            setattr(opportunity, field, value)
        opportunity.probability, opportunity.probability_reason = probability, reason
        old, new = changed_fields(before, snapshot(opportunity))
        lists = self._lists_snapshot(members, contacts, lines)
        if not new and not lists:
            return opportunity
        await self._replace_lists(opportunity.id, members, contacts, lines)
        opportunity.version += 1
        opportunity = await self._save(opportunity)
        self._audit(opportunity, "update", actor, old, {**new, **lists})
        return opportunity

    async def move(
        self,
        opportunity_id: int,
        data: StageMove,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Opportunity:
        opportunity = await self._for_change(opportunity_id, owner_ids, if_match, required=False)
        await self._writable_account(opportunity.account_id, owner_ids)
        current = stage_of(await self._stage(opportunity.stage_code))
        target = stage_of(await self._stage(data.stage_code))
        problem = move_problem(current, target)
        if problem is not None:
            raise InvalidTransition(problem, extra={"reason": "stage_move_refused"})
        probability, reason = probability_in(target, data.probability, data.probability_reason)
        problem = probability_problem(probability, target, reason)
        if problem is not None:
            raise _invalid("probability_reason", problem, "reason_required")
        before = snapshot(opportunity)
        opportunity.stage_code = target.code
        opportunity.probability, opportunity.probability_reason = probability, reason
        opportunity.version += 1
        opportunity = await self._save(opportunity)
        self._record_change(opportunity, current.code, actor, data.note, self.now())
        old, new = changed_fields(before, snapshot(opportunity))
        self._audit(opportunity, "stage", actor, old, new)
        return opportunity

    async def _close(self, opportunity: Opportunity, outcome: Outcome) -> Closing:
        """Move into the won or lost stage; the caller sets the rest and saves."""
        current = stage_of(await self._stage(opportunity.stage_code))
        problem = close_problem(current)
        if problem is not None:
            raise InvalidTransition(problem, extra={"reason": "closed"})
        target = stage_of(await self._closing_stage(outcome))
        before = snapshot(opportunity)
        at = self.now()
        opportunity.stage_code = target.code
        opportunity.status = outcome.value
        opportunity.probability, opportunity.probability_reason = target.default_probability, None
        opportunity.closed_at = at
        opportunity.version += 1
        return Closing(before, current.code, at)

    async def win(
        self,
        opportunity_id: int,
        data: OpportunityWin,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Opportunity:
        """Win with a signed contract of the account: the one named, or one drafted and
        signed now for the opportunity's amount; a prospect becomes an existing client."""
        if (data.contract_id is None) == (data.contract is None):
            raise _invalid("contract_id", "give either contract_id or contract", "one_of")
        opportunity = await self._for_change(opportunity_id, owner_ids, if_match, required=False)
        account = await self._writable_account(opportunity.account_id, owner_ids)
        current = stage_of(await self._stage(opportunity.stage_code))
        problem = close_problem(current)
        if problem is not None:
            raise InvalidTransition(problem, extra={"reason": "closed"})
        if data.contract_id is not None:
            contract = await self._linkable_contract(data.contract_id, opportunity, owner_ids)
        else:
            assert data.contract is not None
            contract = await self.sign_contract(
                self._won_contract(opportunity, data.contract), owner_ids, actor
            )
            # The contract drafted for it may carry the accepted quotation's value: what
            # was won is what was signed, for the forecast and the KPI's won amount.
            opportunity.amount, opportunity.currency = contract.amount, contract.currency
        closing = await self._close(opportunity, Outcome.WON)
        opportunity.contract_id = contract.id
        opportunity = await self._save(opportunity)
        self._after_close(opportunity, closing, "win", actor, data.note)
        await self._make_client(account, contract, actor)
        return opportunity

    @staticmethod
    def _won_contract(opportunity: Opportunity, draft: WinContract) -> WonContract:
        if draft.end_date < draft.start_date:
            raise _invalid(
                "contract",
                f"end_date {draft.end_date} is before start_date {draft.start_date}",
                "date_order",
            )
        if opportunity.amount <= 0:
            raise _invalid("contract", "an opportunity of amount 0 cannot sign a contract")
        assert opportunity.id is not None
        return WonContract(
            account_id=opportunity.account_id,
            opportunity_id=opportunity.id,
            number=draft.number,
            title=draft.title or opportunity.name,
            amount=opportunity.amount,
            currency=opportunity.currency,
            start_date=draft.start_date,
            end_date=draft.end_date,
            signed_on=draft.signed_on,
        )

    async def _linkable_contract(
        self, contract_id: int, opportunity: Opportunity, owner_ids: OwnerScope
    ) -> Contract:
        contract = await self.contracts.get(contract_id, owner_ids=owner_ids)
        if contract is None:
            raise NotFound(f"contract {contract_id} does not exist")
        if contract.account_id != opportunity.account_id:
            raise _invalid(
                "contract_id",
                f"contract {contract_id} is not a contract of account {opportunity.account_id}",
                "reference",
            )
        if contract.status not in SIGNED_STATUSES:
            raise UnmetPrerequisite(
                f"contract {contract_id} is {contract.status}; sign it before winning with it",
                extra={"reason": "contract_not_signed"},
            )
        return contract

    async def _make_client(self, account: Account, contract: Contract, actor: int | None) -> None:
        """A won opportunity makes a prospect an existing client (signing does it for a
        contract signed now; a linked one may predate the account's prospect status)."""
        assert account.id is not None
        fresh = await self.accounts.get(account.id, for_update=True)
        if fresh is None or fresh.trade_class != TradeClass.PROSPECT:
            return
        fresh.trade_class = TradeClass.EXISTING.value
        fresh.version += 1
        fresh = await self.accounts.add(fresh)
        assert fresh.id is not None
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=fresh.id,
            account_id=fresh.id,
            action="update",
            actor_employee_id=actor,
            before={"trade_class": TradeClass.PROSPECT.value},
            after={"trade_class": TradeClass.EXISTING.value, "contract_id": contract.id},
        )

    def _after_close(
        self,
        opportunity: Opportunity,
        closing: Closing,
        action: str,
        actor: int | None,
        note: str | None,
    ) -> None:
        self._record_change(opportunity, closing.from_code, actor, note, closing.at)
        old, new = changed_fields(closing.before, snapshot(opportunity))
        self._audit(opportunity, action, actor, old, new)

    async def lose(
        self,
        opportunity_id: int,
        data: OpportunityLose,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Opportunity:
        opportunity = await self._for_change(opportunity_id, owner_ids, if_match, required=False)
        await self._writable_account(opportunity.account_id, owner_ids)
        if data.competitor_id is not None:
            competitor = await self.competitors.get(data.competitor_id)
            if competitor is None:
                raise _invalid(
                    "competitor_id",
                    f"competitor {data.competitor_id} does not exist",
                    "reference",
                )
        closing = await self._close(opportunity, Outcome.LOST)
        opportunity.lost_reason = data.reason
        opportunity.lost_to_competitor_id = data.competitor_id
        opportunity = await self._save(opportunity)
        self._after_close(opportunity, closing, "lose", actor, None)
        return opportunity

    async def reopen(
        self,
        opportunity_id: int,
        data: OpportunityReopen,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor: int | None,
    ) -> Opportunity:
        """A manager reopens a lost opportunity into an open stage, with the reason."""
        opportunity = await self._for_change(opportunity_id, owner_ids, if_match, required=False)
        await self._writable_account(opportunity.account_id, owner_ids)
        current = stage_of(await self._stage(opportunity.stage_code))
        target = stage_of(await self._stage(data.stage_code))
        problem = reopen_problem(current, target)
        if problem is not None:
            raise InvalidTransition(problem, extra={"reason": "reopen_refused"})
        before = snapshot(opportunity)
        opportunity.stage_code = target.code
        opportunity.status = Outcome.OPEN.value
        opportunity.probability, opportunity.probability_reason = target.default_probability, None
        opportunity.closed_at = None
        opportunity.lost_reason = None
        opportunity.lost_to_competitor_id = None
        opportunity.version += 1
        opportunity = await self._save(opportunity)
        self._record_change(opportunity, current.code, actor, data.reason, self.now())
        old, new = changed_fields(before, snapshot(opportunity))
        self._audit(opportunity, "reopen", actor, old, {**new, "reason": data.reason})
        return opportunity
