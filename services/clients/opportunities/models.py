"""Opportunity tables: the configurable pipeline, the opportunities and what hangs from them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, DateTime, Index, Numeric, Text, UniqueConstraint
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class PipelineStage(ClientsTable, table=True):
    """One stage of the sales pipeline (销售阶段), ordered by ``position``.

    ``outcome`` tells open stages from the two terminal ones (won, lost); the stage
    machine in ``opportunities.rules`` reads only that, never the code.
    """

    __tablename__ = "pipeline_stages"
    __table_args__ = (
        UniqueConstraint("position"),
        CheckConstraint(
            "default_probability BETWEEN 0 AND 100", name="default_probability_percent"
        ),
        CheckConstraint("outcome IN ('open', 'won', 'lost')", name="outcome_known"),
    )

    code: str = Field(max_length=30, primary_key=True)
    name: str = Field(max_length=50)
    position: int
    default_probability: int
    outcome: str = Field(default="open", max_length=10)
    active: bool = Field(default=True)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class Opportunity(ClientsTable, table=True):
    """A sales opportunity (销售机会) on an account.

    ``probability`` is the stage's default unless overridden, and then
    ``probability_reason`` says why. ``status`` follows the stage's outcome; a won one
    names its ``contract_id``, a lost one its ``lost_reason`` and, when known, the
    competitor that won. ``version`` is the ETag.
    """

    __tablename__ = "opportunities"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("probability BETWEEN 0 AND 100", name="probability_percent"),
        CheckConstraint("EXTRACT(DAY FROM expected_close_month) = 1", name="close_month_first_day"),
        CheckConstraint("status IN ('open', 'won', 'lost')", name="status_known"),
        CheckConstraint("status <> 'won' OR contract_id IS NOT NULL", name="won_has_contract"),
        CheckConstraint("status = 'open' OR closed_at IS NOT NULL", name="closed_has_time"),
        Index("ix_opportunities_owner_id_id", "owner_id", "id"),
        Index("ix_opportunities_account_id_id", "account_id", "id"),
        Index("ix_opportunities_status_expected_close_month", "status", "expected_close_month"),
        Index("ix_opportunities_stage_code", "stage_code"),
        Index("ix_opportunities_contract_id", "contract_id"),
        Index("ix_opportunities_lost_to_competitor_id", "lost_to_competitor_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    name: str = Field(max_length=200)
    amount: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    currency: str = Field(max_length=3)
    expected_close_month: date
    stage_code: str = Field(max_length=30, foreign_key="clients.pipeline_stages.code")
    probability: int
    probability_reason: str | None = Field(default=None, max_length=500)
    source: str | None = Field(default=None, max_length=50)
    owner_id: int
    next_step: str | None = Field(default=None, max_length=500)
    next_step_date: date | None = Field(default=None)
    status: str = Field(default="open", max_length=10)
    contract_id: int | None = Field(default=None, foreign_key="clients.contracts.id")
    lost_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    lost_to_competitor_id: int | None = Field(default=None, foreign_key="clients.competitors.id")
    created_by: int | None = Field(default=None)
    version: int = Field(default=1)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())
    closed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class OpportunityStageChange(ClientsTable, table=True):
    """One move of an opportunity between stages; its first row (``from_stage_code`` null)
    is the creation. The time spent in a stage is the gap to the next row."""

    __tablename__ = "opportunity_stage_changes"
    __table_args__ = (
        Index(
            "ix_opportunity_stage_changes_opportunity_id_changed_at",
            "opportunity_id",
            "changed_at",
        ),
        Index(
            "ix_opportunity_stage_changes_to_stage_code_changed_at", "to_stage_code", "changed_at"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="clients.opportunities.id")
    from_stage_code: str | None = Field(default=None, max_length=30)
    to_stage_code: str = Field(max_length=30)
    probability: int
    owner_id: int
    actor_employee_id: int | None = Field(default=None)
    note: str | None = Field(default=None, max_length=500)
    changed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class OpportunityMember(ClientsTable, table=True):
    """An employee on an opportunity's team (销售团队) besides its owner."""

    __tablename__ = "opportunity_members"
    __table_args__ = (Index("ix_opportunity_members_employee_id", "employee_id"),)

    opportunity_id: int = Field(foreign_key="clients.opportunities.id", primary_key=True)
    employee_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    role: str = Field(max_length=30)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class OpportunityContact(ClientsTable, table=True):
    """A key contact of an opportunity with his part in the decision (决策者, 使用者, …)."""

    __tablename__ = "opportunity_contacts"
    __table_args__ = (Index("ix_opportunity_contacts_contact_id", "contact_id"),)

    opportunity_id: int = Field(foreign_key="clients.opportunities.id", primary_key=True)
    contact_id: int = Field(foreign_key="clients.contacts.id", primary_key=True)
    role: str = Field(max_length=30)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class OpportunityLine(ClientsTable, table=True):
    """A product of the catalogue in an opportunity: quantity, unit price in the
    opportunity's currency and discount in percent (0–100)."""

    __tablename__ = "opportunity_lines"
    __table_args__ = (
        UniqueConstraint("opportunity_id", "position"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("discount_percent BETWEEN 0 AND 100", name="discount_percent_range"),
        Index("ix_opportunity_lines_product_id", "product_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    opportunity_id: int = Field(foreign_key="clients.opportunities.id")
    position: int
    product_id: int = Field(foreign_key="clients.products.id")
    quantity: Decimal = Field(sa_column=Column(Numeric(18, 3), nullable=False))
    unit_price: Decimal = Field(sa_column=Column(Numeric(18, 2), nullable=False))
    discount_percent: Decimal = Field(
        default=Decimal("0"), sa_column=Column(Numeric(5, 2), nullable=False)
    )
