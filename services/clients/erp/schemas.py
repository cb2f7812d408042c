"""Bodies of the ERP sync and reconciliation endpoints."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shared.money import Money


class BreakerState(StrEnum):
    """The circuit breaker in front of the ERP: ``closed`` calls it, ``open`` does not call
    it until the cool-down ends, ``half_open`` lets one round probe it."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class SyncOutcome(StrEnum):
    OK = "ok"
    FAILED = "failed"
    BREAKER_OPEN = "breaker_open"


class SyncTrigger(StrEnum):
    SCHEDULE = "schedule"
    MANUAL = "manual"


class ErpSyncRunRead(BaseModel):
    """One round of the pull sync: what it fetched and applied, or why it failed."""

    model_config = ConfigDict(
        from_attributes=True,
        json_schema_extra={
            "examples": [
                {
                    "id": 412,
                    "trigger": "manual",
                    "requested_by": None,
                    "started_at": "2026-11-30T02:00:00+00:00",
                    "finished_at": "2026-11-30T02:00:01+00:00",
                    "outcome": "ok",
                    "pages": 1,
                    "events_received": 3,
                    "events_applied": 2,
                    "events_duplicate": 1,
                    "events_pending": 0,
                    "cursor_before": "ZXJwMTo0MA",
                    "cursor_after": "ZXJwMTo0Mw",
                    "error": None,
                }
            ]
        },
    )

    id: int
    trigger: SyncTrigger
    requested_by: int | None
    started_at: datetime
    finished_at: datetime | None
    outcome: SyncOutcome
    pages: int = Field(description="Pages of the changes feed applied in this round.")
    events_received: int
    events_applied: int
    events_duplicate: int = Field(description="Events stored before (e.g. by a webhook).")
    events_pending: int = Field(description="Events kept until their prerequisite arrives.")
    cursor_before: str | None
    cursor_after: str | None
    error: str | None


class ErpSyncStateRead(BaseModel):
    """Where the pull sync stands, its circuit breaker and its latest rounds."""

    enabled: bool = Field(description="Whether an ERP base URL is configured.")
    interval_seconds: float = Field(description="Seconds between scheduled rounds (0 = none).")
    cursor: str | None = Field(description="The ERP's position after the last applied page.")
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    breaker: BreakerState
    breaker_open_until: datetime | None
    running: bool = Field(description="A round holds the lease right now.")
    recent_runs: list[ErpSyncRunRead] = Field(description="The newest rounds first.")


class ReconciledDocument(BaseModel):
    """A document found on one side only, or on both with different amounts or status."""

    reference: str = Field(description="The invoice's document number or the payment's ref.")
    account_ref: str | None = Field(description="The account's credit code (from either side).")
    erp_amount: Money | None
    our_amount: Money | None
    difference: Money | None = Field(description="ERP minus ours, when both are in one currency.")
    erp_status: str | None
    our_status: str | None


class CurrencyTotals(BaseModel):
    """Sums per currency of one kind of document."""

    currency: str
    erp_total: Money = Field(description="Every live document the ERP has.")
    our_total: Money = Field(description="Every live document we have.")
    missing_here: Money = Field(description="The ERP has them, we do not.")
    missing_in_erp: Money = Field(description="We have them, the ERP does not.")
    mismatch_difference: Money = Field(description="ERP minus ours over mismatched documents.")


class DocumentReconciliation(BaseModel):
    """The comparison of one kind of document (invoices or payments)."""

    erp_count: int
    our_count: int
    matched: int
    missing_here: list[ReconciledDocument]
    missing_in_erp: list[ReconciledDocument]
    mismatched: list[ReconciledDocument]
    totals: list[CurrencyTotals]
    truncated: bool = Field(description="Lists were cut at the report's limit; totals are whole.")


class ReconciliationReport(BaseModel):
    """What the ERP has that we do not, the reverse, and amounts that differ.

    Cancelled invoices and reversed payments count as not live: a document cancelled on
    one side and live on the other is a mismatch."""

    generated_at: datetime
    invoices: DocumentReconciliation
    payments: DocumentReconciliation


class WebhookSecretRead(BaseModel):
    """A secret ERP webhooks are verified with, shown by its fingerprint only. Those of
    ``CLIENTS_ERP_WEBHOOK_SECRETS`` (``source`` settings, no id) cannot be retired here."""

    id: int | None
    source: Literal["api", "settings"]
    fingerprint: str = Field(description="12 hex of the secret's SHA-256.")
    created_by: int | None = None
    created_at: datetime | None = None
    retired_at: datetime | None = None


class WebhookSecretCreated(WebhookSecretRead):
    """The new secret itself appears here once: give it to the ERP, which then signs with
    both; retire the old one when the ERP has switched."""

    secret: str
