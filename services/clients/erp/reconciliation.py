"""The reconciliation report (对账): the ERP's invoices and payments against ours.

:func:`reconcile` is pure: documents by reference on both sides; a live document (an
invoice not cancelled, a payment not reversed) only on the ERP's side is *missing here*,
only on ours *missing in the ERP*; on both with another amount, currency or liveness it is
*mismatched*. Per currency: ``erp_total - our_total == missing_here - missing_in_erp +
mismatch_difference`` (a property test holds it). :class:`Reconciliation` reads the ERP's
lists (``GET /api/invoices``, ``GET /api/payments``, paged) and our tables.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from services.clients.erp.client import ErpClient, ErpFailure
from services.clients.erp.repository import ErpSyncRepository, OurDocument
from services.clients.erp.schemas import (
    CurrencyTotals,
    DocumentReconciliation,
    ReconciledDocument,
    ReconciliationReport,
)
from shared.money import Money

MAX_LISTED = 1000
"""Documents listed per kind of difference; the totals always cover all."""
MAX_DOCUMENTS = 200_000
"""More documents than this on the ERP's side is refused (the report holds them in memory)."""
PAGE_SIZE = 500


@dataclass(frozen=True)
class Fact:
    """One document on one side, as reconciliation compares it."""

    reference: str
    account_ref: str | None
    amount: Decimal
    currency: str
    live: bool
    status: str


def reconcile(erp: Iterable[Fact], ours: Iterable[Fact]) -> DocumentReconciliation:
    """Compare one kind of document (pure)."""
    theirs = {fact.reference: fact for fact in erp}
    mine = {fact.reference: fact for fact in ours}
    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    missing_here: list[ReconciledDocument] = []
    missing_in_erp: list[ReconciledDocument] = []
    mismatched: list[ReconciledDocument] = []
    matched = 0
    for fact in theirs.values():
        if fact.live:
            sums[fact.currency]["erp"] += fact.amount
    for fact in mine.values():
        if fact.live:
            sums[fact.currency]["ours"] += fact.amount
    for reference in sorted(theirs.keys() | mine.keys()):
        erp_fact, our_fact = theirs.get(reference), mine.get(reference)
        if our_fact is None:
            assert erp_fact is not None
            if erp_fact.live:
                sums[erp_fact.currency]["missing_here"] += erp_fact.amount
                missing_here.append(_row(erp_fact, None))
            continue
        if erp_fact is None:
            if our_fact.live:
                sums[our_fact.currency]["missing_in_erp"] += our_fact.amount
                missing_in_erp.append(_row(None, our_fact))
            continue
        if _same(erp_fact, our_fact):
            matched += 1
            continue
        mismatched.append(_row(erp_fact, our_fact))
        sums[erp_fact.currency]["mismatch"] += _effective(erp_fact)
        sums[our_fact.currency]["mismatch"] -= _effective(our_fact)
    totals = [
        CurrencyTotals(
            currency=currency,
            erp_total=Money.of(values["erp"], currency),
            our_total=Money.of(values["ours"], currency),
            missing_here=Money.of(values["missing_here"], currency),
            missing_in_erp=Money.of(values["missing_in_erp"], currency),
            mismatch_difference=Money.of(values["mismatch"], currency),
        )
        for currency, values in sorted(sums.items())
    ]
    lists = (missing_here, missing_in_erp, mismatched)
    return DocumentReconciliation(
        erp_count=len(theirs),
        our_count=len(mine),
        matched=matched,
        missing_here=missing_here[:MAX_LISTED],
        missing_in_erp=missing_in_erp[:MAX_LISTED],
        mismatched=mismatched[:MAX_LISTED],
        totals=totals,
        truncated=any(len(listed) > MAX_LISTED for listed in lists),
    )


def _effective(fact: Fact) -> Decimal:
    return fact.amount if fact.live else Decimal(0)


def _same(erp: Fact, ours: Fact) -> bool:
    if not erp.live and not ours.live:
        return True  # gone on both sides: nothing is owed either way
    return erp.live == ours.live and erp.currency == ours.currency and erp.amount == ours.amount


def _row(erp: Fact | None, ours: Fact | None) -> ReconciledDocument:
    difference = None
    if erp is not None and ours is not None and erp.currency == ours.currency:
        difference = Money.of(_effective(erp) - _effective(ours), erp.currency)
    either = erp or ours
    assert either is not None
    return ReconciledDocument(
        reference=either.reference,
        account_ref=(erp.account_ref if erp else None) or (ours.account_ref if ours else None),
        erp_amount=Money.of(erp.amount, erp.currency) if erp else None,
        our_amount=Money.of(ours.amount, ours.currency) if ours else None,
        difference=difference,
        erp_status=erp.status if erp else None,
        our_status=ours.status if ours else None,
    )


# ----------------------------------------------------------------------------- the ERP side


class _ErpInvoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    document_no: str = Field(min_length=1, max_length=64)
    account_ref: str | None = Field(default=None, max_length=64)
    total: Money
    status: str = Field(default="open", max_length=20)

    def fact(self) -> Fact:
        live = self.status != "cancelled"
        return Fact(self.document_no, self.account_ref, self.total.amount, self.total.currency,
                    live, self.status)  # fmt: skip


class _ErpPayment(BaseModel):
    model_config = ConfigDict(extra="ignore")

    erp_ref: str = Field(min_length=1, max_length=64)
    account_ref: str | None = Field(default=None, max_length=64)
    amount: Money
    reversed_on: date | None = None

    def fact(self) -> Fact:
        live = self.reversed_on is None
        status = "received" if live else "reversed"
        return Fact(self.erp_ref, self.account_ref, self.amount.amount, self.amount.currency,
                    live, status)  # fmt: skip


def _ours(documents: Iterable[OurDocument], gone: str) -> list[Fact]:
    return [
        Fact(d.reference, d.account_ref, d.amount, d.currency, d.status != gone, d.status)
        for d in documents
    ]


class Reconciliation:
    """Builds the report from the ERP's lists and our tables."""

    def __init__(
        self,
        repository: ErpSyncRepository,
        erp: ErpClient,
        *,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.repository = repository
        self.erp = erp
        self.now = now

    async def report(self) -> ReconciliationReport:
        """Raises :class:`ErpFailure` when the ERP cannot give its lists."""
        invoices, payments = await self._all("invoices"), await self._all("payments")
        try:
            erp_invoices = [_ErpInvoice.model_validate(item).fact() for item in invoices]
            erp_payments = [_ErpPayment.model_validate(item).fact() for item in payments]
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(part) for part in first["loc"])
            raise ErpFailure(
                f"the ERP listed a document of an unexpected shape ({where}: {first['msg']})",
                transient=False,
            ) from None
        return ReconciliationReport(
            generated_at=self.now(),
            invoices=reconcile(erp_invoices, _ours(await self.repository.our_invoices(),
                                                   gone="cancelled")),
            payments=reconcile(erp_payments, _ours(await self.repository.our_payments(),
                                                   gone="reversed")),
        )  # fmt: skip

    async def _all(self, kind: str) -> list[dict[str, object]]:
        items: list[dict[str, object]] = []
        cursor: str | None = None
        while True:
            page = await self.erp.documents(kind, cursor, PAGE_SIZE)
            items += page.items
            if len(items) > MAX_DOCUMENTS:
                raise ErpFailure(f"the ERP has more than {MAX_DOCUMENTS} {kind}", transient=False)
            if not page.next_cursor or not page.items:
                return items
            cursor = page.next_cursor
