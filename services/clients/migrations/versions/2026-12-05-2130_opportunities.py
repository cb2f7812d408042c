"""opportunities: pipeline stages (seeded with the default pipeline), opportunities and
their stage history, team, contacts and lines; the product catalogue; the competitor register

Revision ID: f126c8eab944
Revises: 5d0c1a7e2b22
Create Date: 2026-12-05 21:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f126c8eab944"
down_revision: str | None = "5d0c1a7e2b22"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


DEFAULT_STAGES = [
    # code, name, position, default probability, outcome
    ("lead", "线索", 10, 10, "open"),
    ("qualified", "需求确认", 20, 25, "open"),
    ("proposal", "方案/报价", 30, 50, "open"),
    ("negotiation", "投标/谈判", 40, 75, "open"),
    ("won", "赢单", 90, 100, "won"),
    ("lost", "输单", 100, 0, "lost"),
]


def upgrade() -> None:
    op.create_table(
        "competitors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competitors")),
        sa.UniqueConstraint("name", name=op.f("uq_competitors_name")),
        schema="clients",
    )
    op.create_table(
        "pipeline_stages",
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("name", sa.String(length=50), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("default_probability", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
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
            "outcome IN ('open', 'won', 'lost')", name=op.f("ck_pipeline_stages_outcome_known")
        ),
        sa.CheckConstraint(
            "default_probability BETWEEN 0 AND 100",
            name=op.f("ck_pipeline_stages_default_probability_percent"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_pipeline_stages")),
        sa.UniqueConstraint("position", name=op.f("uq_pipeline_stages_position")),
        schema="clients",
    )
    stages = sa.table(
        "pipeline_stages",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("position", sa.Integer),
        sa.column("default_probability", sa.Integer),
        sa.column("outcome", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("version", sa.Integer),
        schema="clients",
    )
    op.bulk_insert(
        stages,
        [
            {
                "code": code,
                "name": name,
                "position": position,
                "default_probability": probability,
                "outcome": outcome,
                "active": True,
                "version": 1,
            }
            for code, name, position, probability, outcome in DEFAULT_STAGES
        ],
    )
    op.create_table(
        "products",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=50), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("list_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
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
        sa.CheckConstraint("list_price >= 0", name=op.f("ck_products_list_price_not_negative")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_products")),
        sa.UniqueConstraint("code", name=op.f("uq_products_code")),
        schema="clients",
    )
    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("expected_close_month", sa.Date(), nullable=False),
        sa.Column("stage_code", sa.String(length=30), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("probability_reason", sa.String(length=500), nullable=True),
        sa.Column("source", sa.String(length=50), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("next_step", sa.String(length=500), nullable=True),
        sa.Column("next_step_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=True),
        sa.Column("lost_reason", sa.Text(), nullable=True),
        sa.Column("lost_to_competitor_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
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
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status <> 'won' OR contract_id IS NOT NULL",
            name=op.f("ck_opportunities_won_has_contract"),
        ),
        sa.CheckConstraint(
            "status = 'open' OR closed_at IS NOT NULL",
            name=op.f("ck_opportunities_closed_has_time"),
        ),
        sa.CheckConstraint(
            "status IN ('open', 'won', 'lost')", name=op.f("ck_opportunities_status_known")
        ),
        sa.CheckConstraint(
            "EXTRACT(DAY FROM expected_close_month) = 1",
            name=op.f("ck_opportunities_close_month_first_day"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_opportunities_amount_not_negative")),
        sa.CheckConstraint(
            "probability BETWEEN 0 AND 100", name=op.f("ck_opportunities_probability_percent")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_opportunities_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["clients.contracts.id"],
            name=op.f("fk_opportunities_contract_id_contracts"),
        ),
        sa.ForeignKeyConstraint(
            ["lost_to_competitor_id"],
            ["clients.competitors.id"],
            name=op.f("fk_opportunities_lost_to_competitor_id_competitors"),
        ),
        sa.ForeignKeyConstraint(
            ["stage_code"],
            ["clients.pipeline_stages.code"],
            name=op.f("fk_opportunities_stage_code_pipeline_stages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
        schema="clients",
    )
    op.create_index(
        "ix_opportunities_account_id_id",
        "opportunities",
        ["account_id", "id"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_opportunities_contract_id",
        "opportunities",
        ["contract_id"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_opportunities_lost_to_competitor_id",
        "opportunities",
        ["lost_to_competitor_id"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_opportunities_owner_id_id",
        "opportunities",
        ["owner_id", "id"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_opportunities_stage_code",
        "opportunities",
        ["stage_code"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_opportunities_status_expected_close_month",
        "opportunities",
        ["status", "expected_close_month"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "opportunity_contacts",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["clients.contacts.id"],
            name=op.f("fk_opportunity_contacts_contact_id_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["clients.opportunities.id"],
            name=op.f("fk_opportunity_contacts_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "contact_id", name=op.f("pk_opportunity_contacts")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_opportunity_contacts_contact_id",
        "opportunity_contacts",
        ["contact_id"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "opportunity_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.Integer(), nullable=False),
        sa.Column("quantity", sa.Numeric(precision=18, scale=3), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("discount_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint(
            "discount_percent BETWEEN 0 AND 100",
            name=op.f("ck_opportunity_lines_discount_percent_range"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_opportunity_lines_quantity_positive")),
        sa.CheckConstraint(
            "unit_price >= 0", name=op.f("ck_opportunity_lines_unit_price_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["clients.opportunities.id"],
            name=op.f("fk_opportunity_lines_opportunity_id_opportunities"),
        ),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["clients.products.id"],
            name=op.f("fk_opportunity_lines_product_id_products"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_lines")),
        sa.UniqueConstraint(
            "opportunity_id", "position", name=op.f("uq_opportunity_lines_opportunity_id_position")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_opportunity_lines_product_id",
        "opportunity_lines",
        ["product_id"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "opportunity_members",
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["clients.opportunities.id"],
            name=op.f("fk_opportunity_members_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint(
            "opportunity_id", "employee_id", name=op.f("pk_opportunity_members")
        ),
        schema="clients",
    )
    op.create_index(
        "ix_opportunity_members_employee_id",
        "opportunity_members",
        ["employee_id"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "opportunity_stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("from_stage_code", sa.String(length=30), nullable=True),
        sa.Column("to_stage_code", sa.String(length=30), nullable=False),
        sa.Column("probability", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("actor_employee_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["opportunity_id"],
            ["clients.opportunities.id"],
            name=op.f("fk_opportunity_stage_changes_opportunity_id_opportunities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunity_stage_changes")),
        schema="clients",
    )
    op.create_index(
        "ix_opportunity_stage_changes_opportunity_id_changed_at",
        "opportunity_stage_changes",
        ["opportunity_id", "changed_at"],
        unique=False,
        schema="clients",
    )
    op.create_index(
        "ix_opportunity_stage_changes_to_stage_code_changed_at",
        "opportunity_stage_changes",
        ["to_stage_code", "changed_at"],
        unique=False,
        schema="clients",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_opportunity_stage_changes_to_stage_code_changed_at",
        table_name="opportunity_stage_changes",
        schema="clients",
    )
    op.drop_index(
        "ix_opportunity_stage_changes_opportunity_id_changed_at",
        table_name="opportunity_stage_changes",
        schema="clients",
    )
    op.drop_table("opportunity_stage_changes", schema="clients")
    op.drop_index(
        "ix_opportunity_members_employee_id", table_name="opportunity_members", schema="clients"
    )
    op.drop_table("opportunity_members", schema="clients")
    op.drop_index(
        "ix_opportunity_lines_product_id", table_name="opportunity_lines", schema="clients"
    )
    op.drop_table("opportunity_lines", schema="clients")
    op.drop_index(
        "ix_opportunity_contacts_contact_id", table_name="opportunity_contacts", schema="clients"
    )
    op.drop_table("opportunity_contacts", schema="clients")
    op.drop_index(
        "ix_opportunities_status_expected_close_month", table_name="opportunities", schema="clients"
    )
    op.drop_index("ix_opportunities_stage_code", table_name="opportunities", schema="clients")
    op.drop_index("ix_opportunities_owner_id_id", table_name="opportunities", schema="clients")
    op.drop_index(
        "ix_opportunities_lost_to_competitor_id", table_name="opportunities", schema="clients"
    )
    op.drop_index("ix_opportunities_contract_id", table_name="opportunities", schema="clients")
    op.drop_index("ix_opportunities_account_id_id", table_name="opportunities", schema="clients")
    op.drop_table("opportunities", schema="clients")
    op.drop_table("products", schema="clients")
    op.drop_table("pipeline_stages", schema="clients")
    op.drop_table("competitors", schema="clients")
