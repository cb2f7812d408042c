"""Bodies of the audit API."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from shared.audit_log import AuditEntryRead as SharedAuditEntryRead


class AuditEntity(StrEnum):
    """Kinds of records the trail covers."""

    ACCOUNT = "account"
    CONTACT = "contact"
    ACCOUNT_CONTACT = "account_contact"
    CREDIT_ADJUSTMENT = "credit_adjustment"
    GRADE = "grade"
    OWNERSHIP = "ownership"
    HANDOVER = "handover"
    ACCESS = "access"
    VISIT = "visit"
    CONTACT_SCHEDULE = "contact_schedule"
    ASSESSMENT = "assessment"
    TICKET = "ticket"
    SLA_POLICY = "sla_policy"
    HOLIDAY = "holiday"
    CONTRACT = "contract"
    EXCHANGE_RATE = "exchange_rate"
    SURVEY = "survey"
    INVOICE = "invoice"
    PAYMENT = "payment"
    COLLECTION_TASK = "collection_task"
    CREDIT_LIMIT = "credit_limit"
    ACCOUNT_TEAM = "account_team"
    APPROVAL_REQUEST = "approval_request"
    OWNERSHIP_DISPUTE = "ownership_dispute"
    PRODUCT = "product"
    COMPETITOR = "competitor"
    PIPELINE_STAGE = "pipeline_stage"
    OPPORTUNITY = "opportunity"
    QUOTATION = "quotation"
    BID = "bid"
    COMPETITOR_PRESENCE = "competitor_presence"
    ATTACHMENT = "attachment"
    NOTE = "note"
    ERP_WEBHOOK_SECRET = "erp_webhook_secret"  # noqa: S105 - an entity name


class AuditEntryRead(SharedAuditEntryRead):
    """One audit entry: the shape of every service's audit log, with the account it
    belongs to."""

    account_id: int | None = Field(examples=[42])
