"""quotations (versions, lines), bids, competitor presences and contract lines (issue 22)

Revision ID: ee358ac6b6eb
Revises: f126c8eab944
Create Date: 2026-12-05 21:35:45.614151
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "ee358ac6b6eb"
down_revision: str | None = "f126c8eab944"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bids",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tender_number", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=200), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("questions_deadline", sa.DateTime(timezone=True), nullable=True),
        sa.Column("submission_deadline", sa.DateTime(timezone=True), nullable=False),
        sa.Column("opening_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("bond_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("bond_currency", sa.String(length=3), nullable=True),
        sa.Column("bond_paid_on", sa.Date(), nullable=True),
        sa.Column("bond_returned_on", sa.Date(), nullable=True),
        sa.Column("documents", postgresql.JSONB(astext_type=sa.Text()), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=True),
        sa.Column("result_note", sa.Text(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
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
        sa.CheckConstraint(
            "result IS NULL OR result IN ('won', 'lost', 'withdrawn')",
            name=op.f("ck_bids_result_known"),
        ),
        sa.CheckConstraint(
            "(bond_amount IS NULL) = (bond_currency IS NULL)",
            name=op.f("ck_bids_bond_amount_has_currency"),
        ),
        sa.CheckConstraint(
            "bond_amount IS NULL OR bond_amount >= 0", name=op.f("ck_bids_bond_not_negative")
        ),
        sa.CheckConstraint(
            "questions_deadline IS NULL OR questions_deadline <= submission_deadline",
            name=op.f("ck_bids_questions_before_submission"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_bids_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["clients.opportunities.id"],
            name=op.f("fk_bids_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bids")),
        schema="clients",
    )
    op.create_index("ix_bids_account_id", "bids", ["account_id"], unique=False, schema="clients")
    op.create_index(
        "ix_bids_opportunity_id", "bids", ["opportunity_id"], unique=False, schema="clients"
    )
    op.create_index(
        "ix_bids_owner_id_submission_deadline",
        "bids",
        ["owner_id", "submission_deadline"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_bids_submission_deadline",
        "bids",
        ["submission_deadline"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "competitor_presences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=True),
        sa.Column("competitor_id", sa.Integer(), nullable=False),
        sa.Column("products", sa.Text(), nullable=True),
        sa.Column("price_seen_amount", sa.Numeric(precision=18, scale=2), nullable=True),
        sa.Column("price_seen_currency", sa.String(length=3), nullable=True),
        sa.Column("strengths", sa.Text(), nullable=True),
        sa.Column("weaknesses", sa.Text(), nullable=True),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
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
        sa.CheckConstraint(
            "(price_seen_amount IS NULL) = (price_seen_currency IS NULL)",
            name=op.f("ck_competitor_presences_price_has_currency"),
        ),
        sa.CheckConstraint(
            "price_seen_amount IS NULL OR price_seen_amount >= 0",
            name=op.f("ck_competitor_presences_price_sign"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_competitor_presences_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["competitor_id"],
            ["clients.competitors.id"],
            name=op.f("fk_competitor_presences_competitor_id_competitors"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["clients.opportunities.id"],
            name=op.f("fk_competitor_presences_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitor_presences")),
        schema="clients",
    )
    op.create_index(
        "ix_competitor_presences_account_id_id",
        "competitor_presences",
        ["account_id", "id"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_competitor_presences_competitor_id",
        "competitor_presences",
        ["competitor_id"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_competitor_presences_opportunity_id",
        "competitor_presences",
        ["opportunity_id"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "quotations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("copied_from_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("total_discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("list_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("lines_total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("total", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("granted_discount_percent", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("approval_request_id", sa.Integer(), nullable=True),
        sa.Column("approved_by", sa.Integer(), nullable=True),
        sa.Column("refusal_reason", sa.String(length=500), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
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
        sa.CheckConstraint(
            "state IN ('draft', 'pending_approval', 'approved', 'sent', 'accepted', 'rejected', 'expired')",
            name=op.f("ck_quotations_state_known"),
        ),
        sa.CheckConstraint(
            "total_discount_percent BETWEEN 0 AND 100",
            name=op.f("ck_quotations_total_discount_percent_range"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_quotations_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["approval_request_id"],
            ["clients.approval_requests.id"],
            name=op.f("fk_quotations_approval_request_id_approval_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["clients.contracts.id"],
            name=op.f("fk_quotations_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["copied_from_id"],
            ["clients.quotations.id"],
            name=op.f("fk_quotations_copied_from_id_quotations"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["clients.opportunities.id"],
            name=op.f("fk_quotations_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotations")),
        sa.UniqueConstraint(
            "opportunity_id", "revision", name=op.f("uq_quotations_opportunity_id_revision")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_quotations_account_id", "quotations", ["account_id"], unique=False, schema="clients"
    )
    op.create_index(
        "ix_quotations_author_id_state",
        "quotations",
        ["author_id", "state"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "quotation_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quotation_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("product_code", sa.String(length=50), nullable=False),
        sa.Column("product_name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("list_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("net_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.CheckConstraint(
            "discount_percent BETWEEN 0 AND 100",
            name=op.f("ck_quotation_lines_discount_percent_range"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_quotation_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price >= 0", name=op.f("ck_quotation_lines_unit_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["clients.products.id"],
            name=op.f("fk_quotation_lines_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["quotation_id"],
            ["clients.quotations.id"],
            name=op.f("fk_quotation_lines_quotation_id_quotations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotation_lines")),
        sa.UniqueConstraint(
            "quotation_id", "position", name=op.f("uq_quotation_lines_quotation_id_position")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_quotation_lines_product_id",
        "quotation_lines",
        ["product_id"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "contract_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=9, scale=4), nullable=False),
        sa.Column("net_amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("quotation_line_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_contract_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["clients.contracts.id"],
            name=op.f("fk_contract_lines_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["clients.products.id"],
            name=op.f("fk_contract_lines_product_id_products"),
        ),
        sa.ForeignKeyConstraint(
            ["quotation_line_id"],
            ["clients.quotation_lines.id"],
            name=op.f("fk_contract_lines_quotation_line_id_quotation_lines"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contract_lines")),
        sa.UniqueConstraint(
            "contract_id", "position", name=op.f("uq_contract_lines_contract_id_position")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_contract_lines_product_id",
        "contract_lines",
        ["product_id"],
        unique=False,
        schema="clients",
    )


def downgrade() -> None:
    op.drop_index("ix_contract_lines_product_id", table_name="contract_lines", schema="clients")
    op.drop_table("contract_lines", schema="clients")
    op.drop_index("ix_quotation_lines_product_id", table_name="quotation_lines", schema="clients")
    op.drop_table("quotation_lines", schema="clients")
    op.drop_index("ix_quotations_author_id_state", table_name="quotations", schema="clients")
    op.drop_index("ix_quotations_account_id", table_name="quotations", schema="clients")
    op.drop_table("quotations", schema="clients")
    op.drop_index(
        "ix_competitor_presences_opportunity_id",
        table_name="competitor_presences",
        schema="clients",
    )
    op.drop_index(
        "ix_competitor_presences_competitor_id", table_name="competitor_presences", schema="clients"
    )
    op.drop_index(
        "ix_competitor_presences_account_id_id", table_name="competitor_presences", schema="clients"
    )
    op.drop_table("competitor_presences", schema="clients")
    op.drop_index("ix_bids_submission_deadline", table_name="bids", schema="clients")
    op.drop_index("ix_bids_owner_id_submission_deadline", table_name="bids", schema="clients")
    op.drop_index("ix_bids_opportunity_id", table_name="bids", schema="clients")
    op.drop_index("ix_bids_account_id", table_name="bids", schema="clients")
    op.drop_table("bids", schema="clients")
