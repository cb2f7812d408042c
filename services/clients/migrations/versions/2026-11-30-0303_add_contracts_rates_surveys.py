"""add contracts, exchange rates and satisfaction surveys

Revision ID: 5d0c1a7e2b03
Revises: 5d0c1a7e2b02
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c1a7e2b03"
down_revision: str | None = "5d0c1a7e2b02"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _timestamps() -> list[sa.Column[Any]]:
    return [
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
    ]


def upgrade() -> None:
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("rate", sa.Numeric(18, 8), nullable=False),
        sa.Column("source", sa.String(length=10), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("rate > 0", name=op.f("ck_exchange_rates_rate_positive")),
        sa.CheckConstraint(
            "source IN ('finance', 'erp', 'manual')", name=op.f("ck_exchange_rates_source_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
        sa.UniqueConstraint(
            "currency", "effective_on", name=op.f("uq_exchange_rates_currency_effective_on")
        ),
        schema="clients",
    )
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=50), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(18, 2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("amount_base", sa.Numeric(18, 2), nullable=True),
        sa.Column("base_currency", sa.String(length=3), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("renewal_of_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("signed_by", sa.Integer(), nullable=True),
        sa.Column("terminated_on", sa.Date(), nullable=True),
        sa.Column("termination_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint("amount > 0", name=op.f("ck_contracts_amount_positive")),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_contracts_period_in_order")),
        sa.CheckConstraint(
            "status IN ('draft', 'signed', 'terminated', 'expired')",
            name=op.f("ck_contracts_status_known"),
        ),
        sa.CheckConstraint(
            "status = 'draft' OR signed_on IS NOT NULL", name=op.f("ck_contracts_signed_has_date")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_contracts_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["renewal_of_id"],
            ["clients.contracts.id"],
            name=op.f("fk_contracts_renewal_of_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
        sa.UniqueConstraint("number", name=op.f("uq_contracts_number")),
        sa.UniqueConstraint("renewal_of_id", name=op.f("uq_contracts_renewal_of_id")),
        schema="clients",
    )
    op.create_index(
        "ix_contracts_owner_id_signed_on",
        "contracts",
        ["owner_id", "signed_on"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_contracts_account_id_signed_on",
        "contracts",
        ["account_id", "signed_on"],
        unique=False,
        schema="clients",
    )
    op.create_index("ix_contracts_status", "contracts", ["status"], unique=False, schema="clients")
    op.create_table(
        "satisfaction_surveys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("score", sa.Numeric(4, 2), nullable=False),
        sa.Column("surveyed_on", sa.Date(), nullable=False),
        sa.Column("respondent_contact_id", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("comments", sa.Text(), server_default="", nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "score >= 1 AND score <= 5", name=op.f("ck_satisfaction_surveys_score_range")
        ),
        sa.CheckConstraint(
            "channel IN ('phone', 'email', 'visit', 'online', 'other')",
            name=op.f("ck_satisfaction_surveys_channel_known"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_satisfaction_surveys_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["respondent_contact_id"],
            ["clients.contacts.id"],
            name=op.f("fk_satisfaction_surveys_respondent_contact_id_contacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_satisfaction_surveys")),
        sa.UniqueConstraint(
            "account_id", "period", name=op.f("uq_satisfaction_surveys_account_id_period")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_satisfaction_surveys_owner_id_surveyed_on",
        "satisfaction_surveys",
        ["owner_id", "surveyed_on"],
        unique=False,
        schema="clients",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_satisfaction_surveys_owner_id_surveyed_on",
        table_name="satisfaction_surveys",
        schema="clients",
    )
    op.drop_table("satisfaction_surveys", schema="clients")
    op.drop_index("ix_contracts_status", table_name="contracts", schema="clients")
    op.drop_index("ix_contracts_account_id_signed_on", table_name="contracts", schema="clients")
    op.drop_index("ix_contracts_owner_id_signed_on", table_name="contracts", schema="clients")
    op.drop_table("contracts", schema="clients")
    op.drop_table("exchange_rates", schema="clients")
