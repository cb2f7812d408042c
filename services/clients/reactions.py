"""The clients service's cross-domain side effects, listed in one place.

A domain never calls another domain's service to make something follow from its own
change: it is handed a reaction (a small callable it defines the shape of) by the
composition module, ``services/clients/dependencies.py``, which wires the ones below.
Every reaction runs in the same session as the change, so it is part of the same
transaction.

| when (domain)                                  | then (domain)                                   |
|------------------------------------------------|-------------------------------------------------|
| an account is created (accounts)               | its first grade (grading), its first owner      |
|                                                | period (ownership)                              |
| a contract is signed or terminated (contracts) | the account is re-graded (grading)              |
| a payment or credit pays invoice lines off     | their open collection tasks close (collection)  |
| (receivables: payments, the ERP, write-offs)   |                                                 |
| an ERP event changes an account's receivables  | the account is re-graded (grading): the overdue |
| (erp: invoices, payments, reversals)           | cap and a terminated contract's invoiced value  |
| an account's grade in force changes (grading)  | its future visits are re-planned (visits)       |
| an opportunity is won with a new contract      | the contract is drafted and signed (contracts), |
| (opportunities)                                | which makes a prospect an existing client       |
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.collection.dunning import close_tasks_of_paid_lines
from services.clients.contracts.models import Contract
from services.clients.contracts.schemas import ContractCreate, ContractSign
from services.clients.contracts.service import ContractService
from services.clients.grading.service import GradingService
from services.clients.opportunities.service import WonContract
from services.clients.ownership.service import OwnershipService


@dataclass(frozen=True)
class AccountCreated:
    """accounts → grading, ownership: a new account gets its first grade, then its first
    owner period (in that order: the owner period records the grade it starts with)."""

    grading: GradingService
    ownership: OwnershipService

    async def __call__(self, account: Account, actor_employee_id: int | None) -> None:
        await self.grading.evaluate(account, actor_employee_id=actor_employee_id, first=True)
        self.ownership.record_first_owner(account, actor_employee_id)


@dataclass(frozen=True)
class ContractSigned:
    """contracts → grading: signing changes the trailing contract value, so the grade."""

    grading: GradingService

    async def __call__(self, account: Account, actor_employee_id: int | None) -> None:
        await self.grading.evaluate(account, actor_employee_id=actor_employee_id)


@dataclass(frozen=True)
class ReceivablesChanged:
    """erp → grading: an applied ERP event opened, paid or re-opened lines of these
    accounts, so the payment-behaviour cap (and the invoiced value of a terminated
    contract) may have moved: they are re-graded now, not at the next hourly run."""

    grading: GradingService

    async def __call__(self, account_ids: Collection[int]) -> None:
        await self.grading.regrade_accounts(account_ids)


@dataclass(frozen=True)
class LinesPaidOff:
    """receivables → collection: lines paid in full close their open collection tasks."""

    session: AsyncSession

    async def __call__(self, line_ids: Collection[int]) -> None:
        await close_tasks_of_paid_lines(self.session, line_ids)


@dataclass(frozen=True)
class OpportunityWon:
    """opportunities → contracts: a won opportunity's new contract is drafted and signed
    at once, in the caller's scope, so signing does what it always does (base value,
    prospect to existing client, regrade)."""

    contracts: ContractService

    async def __call__(
        self, won: WonContract, owner_ids: Collection[int] | None, actor_employee_id: int | None
    ) -> Contract:
        draft = ContractCreate(
            number=won.number,
            title=won.title,
            amount=won.amount,
            currency=won.currency,
            start_date=won.start_date,
            end_date=won.end_date,
        )
        contract = await self.contracts.create(won.account_id, draft, owner_ids, actor_employee_id)
        assert contract.id is not None
        return await self.contracts.sign(
            contract.id, ContractSign(signed_on=won.signed_on), None, owner_ids, actor_employee_id
        )


# grading → visits: GradingService(on_grade_change=VisitPlanner) — the planner is the
# listener (grading.service.GradeChangeListener); wired in dependencies.build_grading.
