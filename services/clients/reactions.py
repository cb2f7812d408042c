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
| (opportunities)                                | which makes a prospect an existing client; the  |
|                                                | accepted quotation sets its value and its lines |
|                                                | become the contract's lines (quotations)        |

Work items for staff's inbox (workitems) follow from tickets, visits, collection tasks,
approvals, ownership disputes and ERP events: the table at the end of this module.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.models import Account
from services.clients.approvals.models import ApprovalRequest
from services.clients.collection.dunning import close_tasks_of_paid_lines
from services.clients.collection.models import CollectionTask
from services.clients.contracts.models import Contract
from services.clients.contracts.schemas import ContractCreate, ContractSign
from services.clients.contracts.service import ContractService
from services.clients.disputes.models import OwnershipDispute
from services.clients.grading.service import GradingService
from services.clients.opportunities.service import WonContract
from services.clients.ownership.service import OwnershipService
from services.clients.quotations.service import QuotationService
from services.clients.tickets.models import Ticket
from services.clients.visits.models import Visit
from services.clients.workitems import rules as workitem_rules
from services.clients.workitems.producer import WorkItemOutbox
from services.clients.workitems.producers import (
    approval_answer_item,
    approval_request_item,
    collection_items,
    dispute_arbitration_item,
    dispute_outcome_items,
    escalation_item,
)
from services.clients.workitems.queries import WorkItemQueries
from shared.concurrency import etag_for


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
    """receivables → collection → workitems: lines paid in full close their open
    collection tasks, and the tasks' inbox items."""

    session: AsyncSession

    async def __call__(self, line_ids: Collection[int]) -> None:
        closed = await close_tasks_of_paid_lines(self.session, line_ids)
        await CollectionTasksToInbox(
            WorkItemQueries(self.session), WorkItemOutbox(self.session)
        ).closed(closed)


@dataclass(frozen=True)
class OpportunityWon:
    """opportunities → contracts: a won opportunity's new contract is drafted and signed
    at once, in the caller's scope, so signing does what it always does (base value,
    prospect to existing client, regrade)."""

    contracts: ContractService
    quotations: QuotationService

    async def __call__(
        self, won: WonContract, owner_ids: Collection[int] | None, actor_employee_id: int | None
    ) -> Contract:
        # opportunities → quotations: the accepted quotation sets the contract's value, and
        # its lines become the contract's lines once it is signed.
        accepted = await self.quotations.accepted_of(won.opportunity_id)
        if accepted is not None:
            won = replace(won, amount=accepted.total, currency=accepted.currency)
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
        # The draft was made just now, in this transaction: its own version is the one signed.
        signed = await self.contracts.sign(
            contract.id,
            ContractSign(signed_on=won.signed_on),
            etag_for(contract.version),
            owner_ids,
            actor_employee_id,
        )
        await self.quotations.carry_into_contract(
            won.opportunity_id, contract.id, actor_employee_id
        )
        return signed


# grading → visits: GradingService(on_grade_change=VisitPlanner) — the planner is the
# listener (grading.service.GradeChangeListener); wired in dependencies.build_grading.


# --- work items for staff's inbox (workitems), in the transaction of the change ------------
# | a ticket is escalated (tickets: SLA check)     | the manager gets an urgent item          |
# | a ticket is resolved or closed (tickets)       | its escalation and breach items close    |
# | a planned visit is completed or cancelled      | the owner's overdue digest closes when   |
# | (visits)                                       | no overdue visit is left                 |
# | a collection task opens / closes (collection)  | its owner's (and manager's) item posts / |
# |                                                | closes                                   |
# | an approval is requested / answered            | the approver's item posts; answered, it  |
# | (approvals)                                    | closes and the requester gets the answer |
# | a waiting ERP event is applied (erp)           | finance's pending items for it close     |
# | an ownership dispute goes to arbitration /     | the arbiter's item posts / closes        |
# | is decided (disputes)                          |                                          |


@dataclass(frozen=True)
class TicketEscalated:
    """tickets → workitems: the manager the SLA check escalated to is told at once."""

    queries: WorkItemQueries
    outbox: WorkItemOutbox

    async def __call__(self, ticket: Ticket) -> None:
        item = escalation_item(ticket, await self.queries.account_name(ticket.account_id))
        if item is not None:
            await self.outbox.post(item)


@dataclass(frozen=True)
class TicketFinished:
    """tickets → workitems: a resolved (or closed) ticket's items close."""

    outbox: WorkItemOutbox

    async def __call__(self, ticket: Ticket) -> None:
        assert ticket.id is not None
        await self.outbox.close_all(workitem_rules.ticket_prefix(ticket.id))


@dataclass(frozen=True)
class VisitSettled:
    """visits → workitems: the owner's overdue digest closes with their last overdue visit."""

    queries: WorkItemQueries
    outbox: WorkItemOutbox
    today: Callable[[], date]

    async def __call__(self, visit: Visit) -> None:
        if await self.queries.overdue_visit_count(visit.owner_id, self.today()) == 0:
            await self.outbox.close_all(workitem_rules.overdue_visits_prefix(visit.owner_id))


@dataclass(frozen=True)
class CollectionTasksToInbox:
    """collection → workitems: a task's items post when it opens and close when it closes."""

    queries: WorkItemQueries
    outbox: WorkItemOutbox

    async def opened(self, task: CollectionTask) -> None:
        name = await self.queries.account_name(task.account_id)
        await self.outbox.post_all(collection_items(task, name))

    async def closed(self, task_ids: Collection[int]) -> None:
        keys = [key for task_id in task_ids for key in workitem_rules.collection_task_keys(task_id)]
        await self.outbox.close_keys(keys)


@dataclass(frozen=True)
class ApprovalsToInbox:
    """approvals → workitems: the approver is asked; the answer closes that and tells the
    requester."""

    queries: WorkItemQueries
    outbox: WorkItemOutbox

    async def filed(self, request: ApprovalRequest) -> None:
        item = approval_request_item(request, await self.queries.account_name(request.account_id))
        if item is not None:
            await self.outbox.post(item)

    async def decided(self, request: ApprovalRequest) -> None:
        assert request.id is not None
        await self.outbox.close(workitem_rules.approval_request_key(request.id))
        name = await self.queries.account_name(request.account_id)
        await self.outbox.post(approval_answer_item(request, name))


@dataclass(frozen=True)
class DisputesToInbox:
    """disputes → workitems: the arbiter is asked to decide; the decision (or a claim granted
    at once, the owner's protection lapsed) closes that and tells both parties the outcome."""

    queries: WorkItemQueries
    outbox: WorkItemOutbox

    async def filed(self, dispute: OwnershipDispute) -> None:
        item = dispute_arbitration_item(
            dispute, await self.queries.account_name(dispute.account_id)
        )
        if item is not None:
            await self.outbox.post(item)

    async def decided(self, dispute: OwnershipDispute) -> None:
        assert dispute.id is not None
        if dispute.arbiter_id is not None:  # without one no item was posted (nothing to close)
            await self.outbox.close(workitem_rules.dispute_arbitration_key(dispute.id))
        name = await self.queries.account_name(dispute.account_id)
        for item in dispute_outcome_items(dispute, name):
            await self.outbox.post(item)


@dataclass(frozen=True)
class ErpEventApplied:
    """erp → workitems: an applied event's pending items (finance's) close."""

    outbox: WorkItemOutbox

    async def __call__(self, event_id: int) -> None:
        await self.outbox.close_all(workitem_rules.erp_event_prefix(event_id))
