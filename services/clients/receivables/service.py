"""Receivables (应收/回款): reading invoices and payments within the caller's scope,
registering a payment by hand, an account's open items, ageing as of any date. Never
commits. ERP events are applied by ``ingest.ErpIngest``."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, snapshot
from services.clients.rates.rules import MissingRate, to_base
from services.clients.rates.service import RateService
from services.clients.receivables.ledger import Ledger, OnLinesPaidOff, open_amount
from services.clients.receivables.models import Invoice, InvoiceLine, Payment
from services.clients.receivables.repository import (
    INVOICE_ORDERS,
    AgeingLine,
    InvoiceQuery,
    PaymentQuery,
    ReceivablesRepository,
)
from services.clients.receivables.rules import (
    AgeingBucket,
    OpenLine,
    ageing_report,
    days_overdue,
    oldest_days_overdue,
)
from services.clients.receivables.schemas import (
    AccountReceivables,
    AgeingBucketAmount,
    AgeingGroup,
    AgeingReport,
    AgeingRow,
    AllocationRead,
    InvoiceDetail,
    InvoiceLineRead,
    InvoiceRead,
    InvoiceSort,
    OpenLineRead,
    PaymentCreate,
    PaymentRead,
)
from shared.errors import Duplicate, NotFound, UnprocessableContent
from shared.money import Money
from shared.pagination import Page

ACCOUNT_VIEW_LINES = 500


def _money(amount: Decimal, currency: str) -> Money:
    return Money(amount=amount, currency=currency)


def _invalid(loc: list[str | int], msg: str, kind: str) -> UnprocessableContent:
    return UnprocessableContent(msg, extra={"errors": [{"loc": loc, "msg": msg, "type": kind}]})


class ReceivablesService:
    """Receivables of the accounts the caller may see."""

    def __init__(
        self,
        accounts: AccountRepository,
        repository: ReceivablesRepository,
        rates: RateService,
        audit: AuditTrail,
        *,
        base: str,
        today: Callable[[], date],
        on_paid_off: OnLinesPaidOff,
    ) -> None:
        self.accounts = accounts
        self.repository = repository
        self.rates = rates
        self.audit = audit
        self.base = base
        self.today = today
        self.ledger = Ledger(repository, base=base, on_paid_off=on_paid_off)

    # ---------------------------------------------------------------- reads

    def invoice_read(self, invoice: Invoice, lines: Sequence[InvoiceLine]) -> InvoiceRead:
        unpaid = sum((open_amount(line) for line in lines), Decimal(0))
        if invoice.status == "cancelled":
            unpaid = Decimal(0)
        open_due = [line.due_date for line in lines if open_amount(line) > 0]
        next_due = min(open_due) if open_due and invoice.status != "cancelled" else None
        return InvoiceRead(
            id=invoice.id or 0,
            erp_document_no=invoice.erp_document_no,
            account_id=invoice.account_id,
            contract_id=invoice.contract_id,
            amount=_money(invoice.amount, invoice.currency),
            amount_base=None
            if invoice.amount_base is None
            else _money(invoice.amount_base, self.base),
            open_amount=_money(unpaid, invoice.currency),
            issue_date=invoice.issue_date,
            status=invoice.status,
            erp_version=invoice.erp_version,
            owner_id=invoice.owner_id,
            created_at=invoice.created_at,
            updated_at=invoice.updated_at,
            next_due_date=next_due,
            days_overdue=max(0, (self.today() - next_due).days) if next_due else 0,
        )

    async def list_invoices(
        self,
        filters: InvoiceQuery,
        owner_ids: Collection[int] | None,
        *,
        sort: InvoiceSort,
        cursor: str | None,
        limit: int,
        with_total: bool,
    ) -> Page[InvoiceRead]:
        """One page in ``sort`` order with names, next due date and days overdue."""
        order = INVOICE_ORDERS[sort]
        rows = await self.repository.list_invoices(
            filters,
            owner_ids=owner_ids,
            order=order,
            after=order.after(col(Invoice.id), cursor),
            limit=limit,
        )
        lines = await self.repository.lines([row[0].id for row in rows])
        by_invoice: dict[int, list[InvoiceLine]] = defaultdict(list)
        for line in lines:
            by_invoice[line.invoice_id].append(line)
        items = [
            self.invoice_read(invoice, by_invoice[invoice.id or 0]).model_copy(
                update={"account_name": account_name, "owner_name": owner_name}
            )
            for invoice, _, account_name, owner_name in rows
        ]
        next_cursor = None
        if rows and len(rows) == limit:
            next_cursor = order.cursor(rows[-1][1], rows[-1][0].id or 0)
        total = None
        if with_total:
            total = await self.repository.count_invoices(filters, owner_ids=owner_ids)
        return Page[InvoiceRead](items=items, next_cursor=next_cursor, total=total)

    async def invoice_detail(
        self, invoice_id: int, owner_ids: Collection[int] | None
    ) -> InvoiceDetail:
        invoice = await self.repository.invoice(invoice_id, owner_ids=owner_ids)
        if invoice is None or invoice.id is None:
            raise NotFound(f"invoice {invoice_id} does not exist")
        lines = await self.repository.lines([invoice.id])
        today = self.today()
        allocations = await self.repository.allocations_of_invoice(invoice.id)
        return InvoiceDetail(
            **self.invoice_read(invoice, lines).model_dump(),
            lines=[
                InvoiceLineRead(
                    id=line.id or 0,
                    line_no=line.line_no,
                    due_date=line.due_date,
                    amount=_money(line.amount, invoice.currency),
                    paid_amount=_money(line.paid_amount, invoice.currency),
                    open_amount=_money(open_amount(line), invoice.currency),
                    days_overdue=days_overdue(line.due_date, today),
                )
                for line in lines
            ],
            allocations=[
                AllocationRead(
                    id=allocation.id or 0,
                    payment_id=payment.id or 0,
                    payment_ref=payment.erp_ref,
                    invoice_line_id=line.id or 0,
                    line_no=line.line_no,
                    amount=_money(allocation.amount, invoice.currency),
                    received_on=payment.received_on,
                    reversed=payment.status == "reversed",
                )
                for allocation, line, payment in allocations
            ],
        )

    def payment_read(self, payment: Payment) -> PaymentRead:
        return PaymentRead(
            id=payment.id or 0,
            erp_ref=payment.erp_ref,
            account_id=payment.account_id,
            amount=_money(payment.amount, payment.currency),
            amount_base=None
            if payment.amount_base is None
            else _money(payment.amount_base, self.base),
            unallocated_amount=_money(payment.unallocated_amount, payment.currency),
            received_on=payment.received_on,
            status=payment.status,
            reversed_on=payment.reversed_on,
            source=payment.source,
            owner_id=payment.owner_id,
            created_at=payment.created_at,
        )

    async def payment_detail(
        self, payment_id: int, owner_ids: Collection[int] | None
    ) -> PaymentRead:
        payment = await self.repository.payment(payment_id, owner_ids=owner_ids)
        if payment is None:
            raise NotFound(f"payment {payment_id} does not exist")
        return self.payment_read(payment)

    async def list_payments(
        self, filters: PaymentQuery, owner_ids: Collection[int] | None, *, after_id: int | None,
        limit: int,
    ) -> list[PaymentRead]:  # fmt: skip
        payments = await self.repository.list_payments(
            filters, owner_ids=owner_ids, after_id=after_id, limit=limit
        )
        return [self.payment_read(p) for p in payments]

    async def account_receivables(
        self, account_id: int, owner_ids: Collection[int] | None
    ) -> AccountReceivables:
        await self.accounts.visible(account_id, owner_ids)
        today = self.today()
        rows = await self.repository.open_lines_for_account_view(account_id, ACCOUNT_VIEW_LINES)
        totals = await self.repository.open_totals(account_id, today)
        credit = await self.repository.unallocated_credit(account_id)
        return AccountReceivables(
            account_id=account_id,
            as_of=today,
            open_lines=[
                OpenLineRead(
                    invoice_id=invoice.id or 0,
                    erp_document_no=invoice.erp_document_no,
                    line_no=line.line_no,
                    due_date=line.due_date,
                    days_overdue=days_overdue(line.due_date, today),
                    amount=_money(line.amount, invoice.currency),
                    open_amount=_money(open_amount(line), invoice.currency),
                )
                for line, invoice in rows
            ],
            open_total=[_money(amount, currency) for currency, amount, _ in totals],
            overdue_total=[_money(overdue, currency) for currency, _, overdue in totals],
            unallocated_credit=[_money(amount, currency) for currency, amount in credit],
            oldest_days_overdue=oldest_days_overdue(
                [OpenLine(str(line.id), line.due_date, open_amount(line)) for line, _ in rows],
                today,
            ),
        )

    # ---------------------------------------------------------------- ageing

    async def ageing(
        self,
        as_of: date,
        by: AgeingGroup,
        buckets: Sequence[AgeingBucket],
        owner_ids: Collection[int] | None,
    ) -> AgeingReport:
        """Open amounts as of ``as_of`` in the base currency, per bucket and group."""
        lines = await self.repository.ageing_lines(as_of, owner_ids=owner_ids)
        grouped: dict[int | None, list[OpenLine]] = defaultdict(list)
        everything: list[OpenLine] = []
        without_rate = 0
        for line in lines:
            if line.currency != self.base and line.base_rate is None:
                without_rate += 1
                continue
            open_line = OpenLine(
                str(line.line_id),
                line.due_date,
                to_base(line.open_amount, line.currency, self.base, line.base_rate),
            )
            grouped[_group_key(line, by)].append(open_line)
            everything.append(open_line)

        def amounts(report: dict[str, Decimal]) -> list[AgeingBucketAmount]:
            return [
                AgeingBucketAmount(code=code, amount=_money(amount, self.base))
                for code, amount in report.items()
            ]

        rows = []
        keys = [key for key in grouped if key is not None]
        names: dict[int, str] = {}
        if by in (AgeingGroup.ACCOUNT, AgeingGroup.GROUP):
            names = await self.repository.account_names(keys)
        elif by in (AgeingGroup.OWNER, AgeingGroup.TEAM):
            names = await self.repository.employee_names(keys)
        for key in sorted(grouped, key=lambda k: (k is None, k or 0)):
            report = ageing_report(grouped[key], as_of, buckets)
            rows.append(
                AgeingRow(
                    key=key,
                    name=names.get(key) if key is not None else None,
                    buckets=amounts(report),
                    total=_money(sum(report.values(), Decimal(0)), self.base),
                )
            )
        totals = ageing_report(everything, as_of, buckets)
        return AgeingReport(
            as_of=as_of,
            by=by,
            buckets=[bucket.code for bucket in buckets],
            rows=rows,
            totals=amounts(totals),
            total=_money(sum(totals.values(), Decimal(0)), self.base),
            lines_without_rate=without_rate,
        )

    # ---------------------------------------------------------------- manual payments

    async def register_payment(
        self, data: PaymentCreate, owner_ids: Collection[int] | None, actor: int | None
    ) -> PaymentRead:
        """A payment registered by finance, allocated as asked (or oldest due first)."""
        account = await self.accounts.visible(data.account_id, owner_ids)
        # Like an ERP payment: its reference, and the ledger of its account (its invoices).
        await self.repository.enter_erp_apply()
        await self.repository.lock_records(
            [("payment", data.reference), ("account", account.id or 0)]
        )
        if await self.repository.payment_by_ref(data.reference) is not None:
            raise Duplicate(f"a payment with reference {data.reference} is already registered")
        currency = data.amount.currency
        # Check every allocation before writing anything: bad input never writes partially.
        targets: list[tuple[Invoice, list[InvoiceLine], Decimal]] = []
        for index, wanted in enumerate(data.allocations):
            loc: list[str | int] = ["body", "allocations", index]
            invoice = await self.repository.invoice(wanted.invoice_id, for_update=True)
            if invoice is None or invoice.account_id != account.id:
                raise _invalid([*loc, "invoice_id"], "no such invoice of this account", "invoice")
            if invoice.status == "cancelled":
                raise _invalid([*loc, "invoice_id"], "the invoice is cancelled", "cancelled")
            if invoice.currency != currency:
                raise _invalid(
                    [*loc, "amount"], f"the invoice is in {invoice.currency}", "currency"
                )
            lines = [
                line
                for line in await self.repository.lines([wanted.invoice_id])
                if wanted.line_no is None or line.line_no == wanted.line_no
            ]
            if not lines:
                raise _invalid([*loc, "line_no"], "the invoice has no such line", "line")
            targets.append((invoice, lines, wanted.amount.amount))
        try:
            amount_base: Decimal | None = await self.rates.convert(
                data.amount.amount, currency, data.received_on
            )
        except MissingRate:
            amount_base = None
        payment = Payment(
            erp_ref=data.reference,
            account_id=account.id or 0,
            amount=data.amount.amount,
            currency=currency,
            amount_base=amount_base,
            received_on=data.received_on,
            source="manual",
            unallocated_amount=data.amount.amount,
            owner_id=account.owner_id,
            created_by=actor,
        )
        try:
            await self.repository.add(payment)
        except IntegrityError as exc:
            raise Duplicate(f"a payment with reference {data.reference} already exists") from exc
        touched: set[int] = set()
        if targets:
            for invoice, lines, amount in targets:
                await self.ledger.allocate_oldest_first(
                    payment, lines, {invoice.id or 0: invoice}, amount
                )
                touched.add(invoice.id or 0)
        else:
            open_lines = await self.repository.open_lines_of_account(account.id or 0, currency)
            invoices = {}
            for line in open_lines:
                found = await self.repository.invoice(line.invoice_id)
                assert found is not None
                invoices[line.invoice_id] = found
            await self.ledger.allocate_oldest_first(
                payment, open_lines, invoices, payment.unallocated_amount
            )
            touched.update(invoices)
        await self.ledger.refresh_invoices(touched)
        self.audit.record(
            entity=AuditEntity.PAYMENT,
            entity_id=payment.id or 0,
            account_id=account.id,
            action="create",
            actor_employee_id=actor,
            after=snapshot(payment),
        )
        return self.payment_read(payment)


def _group_key(line: AgeingLine, by: AgeingGroup) -> int | None:
    return {
        AgeingGroup.ACCOUNT: line.account_id,
        AgeingGroup.OWNER: line.owner_id,
        AgeingGroup.TEAM: line.team_id,
        AgeingGroup.DEPARTMENT: line.department_id,
        AgeingGroup.GROUP: line.group_id,
    }[by]
