"""Contracts (合同): drafts, signing (which converts to the base currency, makes a prospect
an existing client and regrades the account at once), termination and renewal. Never
commits."""

from __future__ import annotations

import builtins
from collections.abc import Awaitable, Callable, Collection
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError

from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.schemas import TradeClass
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.contracts.models import Contract
from services.clients.contracts.repository import ContractRepository
from services.clients.contracts.rules import (
    ContractStatus,
    renewal_start,
    shown_status,
    termination_problem,
)
from services.clients.contracts.schemas import (
    ContractCreate,
    ContractQuery,
    ContractRead,
    ContractRenew,
    ContractSign,
    ContractTerminate,
    ContractUpdate,
)
from services.clients.rates.rules import MissingRate
from services.clients.rates.service import RateService
from shared.concurrency import check_if_match
from shared.errors import (
    Conflict,
    Duplicate,
    InvalidTransition,
    NotFound,
    RecordClosed,
    UnmetPrerequisite,
    UnprocessableContent,
)
from shared.money import Money

OwnerScope = Collection[int] | None
ARCHIVED = "archived"


def _invalid(field: str, message: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(
        message, extra={"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}
    )


def _duplicate_number(number: str) -> Conflict:
    return Duplicate(
        f"contract number {number} is already in use", extra={"reason": "duplicate_number"}
    )


OnContractSigned = Callable[[Account, int | None], Awaitable[None]]
"""What follows a contract's signing or termination elsewhere (services.clients.reactions):
both change the contract value the account's grade is computed from."""


class ContractService:
    """Contracts of accounts, within the caller's data scope."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: ContractRepository,
        rates: RateService,
        audit: AuditTrail,
        *,
        today: Callable[[], date],
        on_signed: OnContractSigned,
    ) -> None:
        self.on_signed = on_signed
        self.accounts = accounts
        self.repository = repository
        self.rates = rates
        self.audit = audit
        self.today = today

    def read(self, contract: Contract) -> ContractRead:
        """The API view of a contract (money with currency, expiry derived today)."""
        assert contract.id is not None
        assert contract.created_at is not None and contract.updated_at is not None
        return ContractRead(
            id=contract.id,
            account_id=contract.account_id,
            number=contract.number,
            title=contract.title,
            amount=Money.of(contract.amount, contract.currency),
            amount_base=None
            if contract.amount_base is None
            else Money.of(contract.amount_base, contract.base_currency),
            signed_on=contract.signed_on,
            start_date=contract.start_date,
            end_date=contract.end_date,
            status=shown_status(contract.status, contract.end_date, self.today()),
            renewal_of_id=contract.renewal_of_id,
            owner_id=contract.owner_id,
            signed_by=contract.signed_by,
            terminated_on=contract.terminated_on,
            termination_reason=contract.termination_reason,
            version=contract.version,
            created_at=contract.created_at,
            updated_at=contract.updated_at,
        )

    async def _account(
        self,
        account_id: int,
        owner_ids: OwnerScope,
        *,
        writable: bool = False,
        for_update: bool = False,
    ) -> Account:
        account = await self.accounts.visible(account_id, owner_ids, for_update=for_update)
        if writable and account.status == ARCHIVED:
            raise RecordClosed(
                f"account {account_id} is archived; restore it before changing its contracts",
                extra={"reason": "account_archived"},
            )
        return account

    async def get(self, contract_id: int, owner_ids: OwnerScope) -> Contract:
        contract = await self.repository.get(contract_id, owner_ids=owner_ids)
        if contract is None:
            raise NotFound(f"contract {contract_id} does not exist")
        return contract

    async def _for_change(
        self,
        contract_id: int,
        owner_ids: OwnerScope,
        if_match: str | None,
        *,
        required: bool = True,
    ) -> Contract:
        """The contract, locked; ``If-Match`` required for a change of it (a renewal, which
        creates the next contract and leaves this one as it is, passes ``required=False``)."""
        contract = await self.repository.get(contract_id, owner_ids=owner_ids, for_update=True)
        if contract is None:
            raise NotFound(f"contract {contract_id} does not exist")
        if required:
            check_if_match(if_match, contract.version)
        return contract

    async def _require_free_number(self, number: str, contract_id: int | None) -> None:
        holder = await self.repository.get_by_number(number)
        if holder is not None and holder.id != contract_id:
            raise _duplicate_number(number)

    async def _save(self, contract: Contract) -> Contract:
        try:
            return await self.repository.add(contract)
        except IntegrityError as exc:  # a concurrent write took the number or the renewal
            if "renewal_of_id" in str(exc.orig):
                raise Duplicate(
                    f"contract {contract.renewal_of_id} has already been renewed",
                    extra={"reason": "already_renewed"},
                ) from exc
            raise _duplicate_number(contract.number) from exc

    def _audit(
        self,
        contract: Contract,
        action: str,
        actor_employee_id: int | None,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
    ) -> None:
        assert contract.id is not None
        self.audit.record(
            entity=AuditEntity.CONTRACT,
            entity_id=contract.id,
            account_id=contract.account_id,
            action=action,
            actor_employee_id=actor_employee_id,
            before=before,
            after=snapshot(contract) if after is None else after,
        )

    async def create(
        self,
        account_id: int,
        data: ContractCreate,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> Contract:
        account = await self._account(account_id, owner_ids, writable=True)
        await self._require_free_number(data.number, None)
        contract = Contract(
            account_id=account_id,
            number=data.number,
            title=data.title,
            amount=data.amount,
            currency=data.currency,
            base_currency=self.rates.base,
            start_date=data.start_date,
            end_date=data.end_date,
            status=ContractStatus.DRAFT.value,
            owner_id=account.owner_id,
        )
        contract = await self._save(contract)
        self._audit(contract, "create", actor_employee_id)
        return contract

    async def update(
        self,
        contract_id: int,
        data: ContractUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> Contract:
        contract = await self._for_change(contract_id, owner_ids, if_match)
        if contract.status != ContractStatus.DRAFT:
            raise InvalidTransition(
                f"contract {contract_id} is {contract.status}; only drafts can be edited "
                "(a signed contract can only be terminated)",
                extra={"reason": "not_draft"},
            )
        await self._account(contract.account_id, None, writable=True)
        changes = data.model_dump(exclude_unset=True)
        for field, value in changes.items():
            if value is None:
                raise _invalid(field, f"{field} cannot be null", "null")
        start = changes.get("start_date", contract.start_date)
        end = changes.get("end_date", contract.end_date)
        if end < start:
            raise _invalid("end_date", f"end_date {end} is before start_date {start}", "date_order")
        if "number" in changes:
            await self._require_free_number(changes["number"], contract_id)
        before = snapshot(contract)
        for field, value in changes.items():
            setattr(contract, field, value)
        old, new = changed_fields(before, snapshot(contract))
        if not new:
            return contract
        contract.version += 1
        contract = await self._save(contract)
        self._audit(contract, "update", actor_employee_id, old, new)
        return contract

    async def sign(
        self,
        contract_id: int,
        data: ContractSign,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> Contract:
        """Sign a draft: fix its base value at the rate of the signing day, credit the
        account's owner, make a prospect an existing client, and regrade the account now."""
        contract = await self._for_change(contract_id, owner_ids, if_match)
        if contract.status != ContractStatus.DRAFT:
            raise InvalidTransition(
                f"contract {contract_id} is {contract.status}; only a draft can be signed",
                extra={"reason": "not_draft"},
            )
        today = self.today()
        signed_on = data.signed_on or today
        if signed_on > today:
            raise _invalid("signed_on", f"signed_on {signed_on} is in the future", "future_date")
        if signed_on > contract.end_date:
            raise _invalid(
                "signed_on",
                f"signed_on {signed_on} is after the contract's end date {contract.end_date}",
                "date_order",
            )
        account = await self._account(contract.account_id, None, writable=True, for_update=True)
        try:
            amount_base = await self.rates.convert(contract.amount, contract.currency, signed_on)
        except MissingRate as exc:
            raise UnmetPrerequisite(
                f"{exc}; post the rate (PUT /v1/clients/exchange-rates/{exc.currency}/"
                f"<effective_on>) before signing",
                extra={"reason": "missing_exchange_rate", "currency": exc.currency},
            ) from exc
        before = snapshot(contract)
        contract.status = ContractStatus.SIGNED.value
        contract.signed_on = signed_on
        contract.amount_base = amount_base
        contract.base_currency = self.rates.base
        contract.owner_id = account.owner_id
        contract.signed_by = actor_employee_id
        contract.version += 1
        contract = await self._save(contract)
        old, new = changed_fields(before, snapshot(contract))
        self._audit(contract, "sign", actor_employee_id, old, new)
        if account.trade_class == TradeClass.PROSPECT:
            account.trade_class = TradeClass.EXISTING.value
            account.version += 1
            account = await self.accounts.add(account)
            assert account.id is not None
            self.audit.record(
                entity=AuditEntity.ACCOUNT,
                entity_id=account.id,
                account_id=account.id,
                action="update",
                actor_employee_id=actor_employee_id,
                before={"trade_class": TradeClass.PROSPECT.value},
                after={"trade_class": TradeClass.EXISTING.value, "contract_id": contract.id},
            )
        await self.on_signed(account, actor_employee_id)
        return contract

    async def terminate(
        self,
        contract_id: int,
        data: ContractTerminate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> Contract:
        contract = await self._for_change(contract_id, owner_ids, if_match)
        today = self.today()
        shown = shown_status(contract.status, contract.end_date, today)
        if shown is not ContractStatus.SIGNED:
            raise InvalidTransition(
                f"contract {contract_id} is {shown.value}; only a signed contract in force "
                "can be terminated",
                extra={"reason": "not_in_force"},
            )
        account = await self._account(contract.account_id, None, writable=True, for_update=True)
        terminated_on = data.terminated_on or today
        assert contract.signed_on is not None
        problem = termination_problem(terminated_on, contract.signed_on, contract.end_date)
        if problem is not None:
            raise _invalid("terminated_on", problem, "date_order")
        before = snapshot(contract)
        contract.status = ContractStatus.TERMINATED.value
        contract.terminated_on = terminated_on
        contract.termination_reason = data.reason
        contract.version += 1
        contract = await self._save(contract)
        old, new = changed_fields(before, snapshot(contract))
        self._audit(contract, "terminate", actor_employee_id, old, new)
        await self.on_signed(account, actor_employee_id)
        return contract

    async def renew(
        self,
        contract_id: int,
        data: ContractRenew,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> Contract:
        """The next draft of the chain; a contract is renewed at most once."""
        previous = await self._for_change(contract_id, owner_ids, None, required=False)
        if previous.status not in (ContractStatus.SIGNED, ContractStatus.EXPIRED):
            raise InvalidTransition(
                f"contract {contract_id} is {previous.status}; only a signed contract can be "
                "renewed",
                extra={"reason": "not_signed"},
            )
        renewal = await self.repository.renewal_of(contract_id)
        if renewal is not None:
            raise Duplicate(
                f"contract {contract_id} has already been renewed by contract {renewal.id}",
                extra={"reason": "already_renewed", "renewal_id": renewal.id},
            )
        account = await self._account(previous.account_id, None, writable=True)
        start = data.start_date or renewal_start(previous.end_date)
        if data.end_date < start:
            raise _invalid(
                "end_date", f"end_date {data.end_date} is before start_date {start}", "date_order"
            )
        await self._require_free_number(data.number, None)
        contract = Contract(
            account_id=previous.account_id,
            number=data.number,
            title=data.title or previous.title,
            amount=data.amount or previous.amount,
            currency=previous.currency,
            base_currency=previous.base_currency,
            start_date=start,
            end_date=data.end_date,
            status=ContractStatus.DRAFT.value,
            renewal_of_id=contract_id,
            owner_id=account.owner_id,
        )
        contract = await self._save(contract)
        self._audit(contract, "renew", actor_employee_id)
        return contract

    async def chain(self, contract_id: int, owner_ids: OwnerScope) -> list[Contract]:
        await self.get(contract_id, owner_ids)
        return await self.repository.chain(contract_id)

    async def list(
        self,
        filters: ContractQuery,
        owner_ids: OwnerScope,
        *,
        after_id: int | None,
        limit: int,
    ) -> list[Contract]:
        rows = await self.repository.list(
            filters, owner_ids=owner_ids, today=self.today(), after_id=after_id, limit=limit
        )
        return list(rows)

    async def for_account(
        self, account_id: int, owner_ids: OwnerScope, *, after_id: int | None, limit: int
    ) -> builtins.list[Contract]:
        """The account's contracts; 404 when the account is not in the caller's scope."""
        await self._account(account_id, owner_ids)
        filters = ContractQuery(account_id=account_id)
        return await self.list(filters, owner_ids, after_id=after_id, limit=limit)
