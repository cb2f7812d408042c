"""The ERP pull sync's tables: its one state row (cursor, health, circuit breaker, lease)
and a short history of its rounds."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Text
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


def _moment() -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))


class ErpSyncState(ClientsTable, table=True):
    """The sync's single row (``id`` = 1, created by the migration).

    ``cursor`` is the ERP's opaque position after the last applied page: written in the
    same transaction as that page's events. ``consecutive_failures`` and
    ``breaker_open_until`` are the circuit breaker; ``lease_owner``/``lease_until`` let
    one replica run a round without holding a transaction while it waits for the ERP.
    """

    __tablename__ = "erp_sync_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    cursor: str | None = Field(default=None, max_length=200)
    last_attempt_at: datetime | None = _moment()
    last_success_at: datetime | None = _moment()
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    consecutive_failures: int = Field(default=0)
    breaker_open_until: datetime | None = _moment()
    lease_owner: str | None = Field(default=None, max_length=36)
    lease_until: datetime | None = _moment()
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class ErpSyncRun(ClientsTable, table=True):
    """One round of the sync (the newest few hundred are kept)."""

    __tablename__ = "erp_sync_runs"
    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'failed', 'breaker_open')", name="outcome_known"),
        CheckConstraint("trigger IN ('schedule', 'manual')", name="trigger_known"),
        Index("ix_erp_sync_runs_started_at", "started_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    trigger: str = Field(max_length=10)
    requested_by: int | None = Field(default=None)
    started_at: datetime | None = Field(default=None, sa_column=created_at_column())
    finished_at: datetime | None = _moment()
    outcome: str = Field(max_length=12)
    pages: int = Field(default=0)
    events_received: int = Field(default=0)
    events_applied: int = Field(default=0)
    events_duplicate: int = Field(default=0)
    events_pending: int = Field(default=0)
    cursor_before: str | None = Field(default=None, max_length=200)
    cursor_after: str | None = Field(default=None, max_length=200)
    error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class ErpWebhookSecret(ClientsTable, table=True):
    """A secret the ERP signs its webhooks with, added through the API (``whsec_…``).

    Verification accepts every secret not retired, and those of
    ``CLIENTS_ERP_WEBHOOK_SECRETS``: a rotation adds the new secret, the ERP signs with both
    for a while, then the old one is retired. The secret is kept as is (an HMAC key has to
    be); the API shows it once, when it is made, and then only its fingerprint.
    """

    __tablename__ = "erp_webhook_secrets"

    id: int | None = Field(default=None, primary_key=True)
    secret: str = Field(sa_column=Column(Text, nullable=False))
    created_by: int | None = Field(default=None)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    retired_at: datetime | None = _moment()
