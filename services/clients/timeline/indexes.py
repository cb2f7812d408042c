"""The indexes the timeline reads each source by: (account, instant, id), so a source's
page is a short index range scan below the cursor. They are declared here, beside the one
query that needs them, rather than in each domain's models; the migrations
2026-12-06-0200_notes_and_timeline_indexes and 2026-12-06-0300_timeline_attachments_and_merges
create them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, text

from services.clients.attachments.models import Attachment
from services.clients.audit.models import AuditEntry
from services.clients.contracts.models import Contract
from services.clients.credit.models import CreditAdjustment
from services.clients.duplicates.models import AccountMerge
from services.clients.grading.models import GradeChange
from services.clients.ownership.models import OwnershipChange
from services.clients.receivables.models import Invoice, Payment
from services.clients.tickets.models import Ticket
from services.clients.visits.models import Visit


def _keyset(name: str, model: Any, instant: str, **kwargs: Any) -> Index:
    table = model.__table__
    return Index(name, table.c.account_id, table.c[instant], table.c.id, **kwargs)


TIMELINE_INDEXES = (
    _keyset("ix_visits_account_id_created_at_id", Visit, "created_at"),
    _keyset("ix_tickets_account_id_opened_at_id", Ticket, "opened_at"),
    _keyset("ix_contracts_account_id_created_at_id", Contract, "created_at"),
    _keyset("ix_invoices_account_id_created_at_id", Invoice, "created_at"),
    _keyset("ix_payments_account_id_created_at_id", Payment, "created_at"),
    _keyset("ix_grade_history_account_id_changed_at_id", GradeChange, "changed_at"),
    _keyset("ix_credit_adjustments_account_id_created_at_id", CreditAdjustment, "created_at"),
    _keyset("ix_ownership_history_account_id_changed_at_id", OwnershipChange, "changed_at"),
    _keyset(
        "ix_attachments_account_id_created_at_id",
        Attachment,
        "created_at",
        postgresql_where=text("deleted_at IS NULL"),
    ),
    Index(
        "ix_account_merges_survivor_id_merged_at_id",
        AccountMerge.__table__.c.survivor_id,  # type: ignore[attr-defined]
        AccountMerge.__table__.c.merged_at,  # type: ignore[attr-defined]
        AccountMerge.__table__.c.id,  # type: ignore[attr-defined]
    ),
    _keyset(
        "ix_audit_log_contact_changes",
        AuditEntry,
        "occurred_at",
        postgresql_where=text("entity IN ('contact', 'account_contact')"),
    ),
)
