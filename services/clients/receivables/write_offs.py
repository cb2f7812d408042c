"""Write-offs (核销): what is left of an invoice line that will not be collected.

A write-off is booked as a payment with ``source = "write_off"`` allocated to the line, so
every open amount, ageing as of a date, dunning and credit exposure treat the line as
settled from that day — while the collection figures (回款) count only real payments.
Never commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection
from datetime import date

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.receivables.ledger import Ledger, OnLinesPaidOff, base_amount, open_amount
from services.clients.receivables.models import Payment
from services.clients.receivables.repository import ReceivablesRepository
from services.clients.receivables.schemas import PaymentRead, WriteOffCreate
from shared.errors import InvalidTransition, NotFound, RecordClosed, UnprocessableContent

WRITE_OFF = "write_off"


def _invalid(field: str, msg: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(
        msg, extra={"errors": [{"loc": ["body", field], "msg": msg, "type": kind}]}
    )


class WriteOffService:
    """Writes off invoice lines of the accounts the caller may see."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: ReceivablesRepository,
        audit: AuditTrail,
        *,
        base: str,
        today: Callable[[], date],
        read: Callable[[Payment], PaymentRead],
        on_paid_off: OnLinesPaidOff,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.audit = audit
        self.base = base
        self.today = today
        self.read = read
        self.ledger = Ledger(repository, base=base, on_paid_off=on_paid_off)

    async def write_off(
        self,
        invoice_id: int,
        line_no: int,
        data: WriteOffCreate,
        owner_ids: Collection[int] | None,
        actor: int | None,
    ) -> PaymentRead:
        """Settle ``data.amount`` (default: all that is open) of one line, with the reason."""
        on = data.written_off_on or self.today()
        if on > self.today():
            raise _invalid("written_off_on", "a write-off cannot be dated in the future", "date")
        # The ledger of the invoice's account, like payments being applied to it.
        await self.repository.enter_erp_apply()
        account_id = await self.repository.invoice_account(invoice_id)
        if account_id is not None:
            await self.repository.lock_records([("account", account_id)])
        invoice = await self.repository.invoice(invoice_id, owner_ids=owner_ids, for_update=True)
        if invoice is None or invoice.id is None:
            raise NotFound(f"invoice {invoice_id} does not exist")
        await self.repository.lock_records([("account", invoice.account_id)])  # moved since?
        if invoice.status == "cancelled":
            raise RecordClosed(f"invoice {invoice_id} is cancelled; there is nothing to write off")
        lines = list(await self.repository.lines([invoice.id]))
        line = next((candidate for candidate in lines if candidate.line_no == line_no), None)
        if line is None:
            raise NotFound(f"invoice {invoice_id} has no line {line_no}")
        left = open_amount(line)
        if left <= 0:
            raise InvalidTransition(f"line {line_no} of invoice {invoice_id} is settled already")
        amount = left if data.amount is None else data.amount.amount
        if data.amount is not None and data.amount.currency != invoice.currency:
            raise _invalid("amount", f"the invoice is in {invoice.currency}", "currency")
        if amount > left:
            raise _invalid("amount", f"only {left} {invoice.currency} is open on the line", "max")
        account = await self.accounts.get(invoice.account_id)
        assert account is not None
        payment = Payment(
            erp_ref=f"WO-{uuid.uuid4().hex[:16].upper()}",
            account_id=invoice.account_id,
            amount=amount,
            currency=invoice.currency,
            amount_base=base_amount(amount, invoice, self.base),
            received_on=on,
            source=WRITE_OFF,
            reversal_reason=None,
            unallocated_amount=amount,
            owner_id=account.owner_id,
            created_by=actor,
        )
        await self.repository.add(payment)
        await self.ledger.allocate_to_line(payment, line, invoice, amount)
        await self.ledger.refresh_invoices([invoice.id])
        self.audit.record(
            entity=AuditEntity.PAYMENT,
            entity_id=payment.id or 0,
            account_id=invoice.account_id,
            action="write_off",
            actor_employee_id=actor,
            after={
                **snapshot(payment),
                "invoice_id": invoice.id,
                "line_no": line_no,
                "reason": data.reason,
            },
        )
        return self.read(payment)
