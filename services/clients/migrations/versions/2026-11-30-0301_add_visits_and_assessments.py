"""add visit plans, visits and assessments

Revision ID: 5d0c1a7e2b01
Revises: 3b7ee163cb8e
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "5d0c1a7e2b01"
down_revision: str | None = "3b7ee163cb8e"
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
        "visits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("planned_on", sa.Date(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("visited_on", sa.Date(), nullable=True),
        sa.Column("visited_by", sa.Integer(), nullable=True),
        sa.Column(
            "contact_ids", postgresql.ARRAY(sa.Integer()), server_default="{}", nullable=False
        ),
        sa.Column("purpose", sa.Text(), server_default="", nullable=False),
        sa.Column("outcome", sa.Text(), server_default="", nullable=False),
        sa.Column("next_step", sa.Text(), server_default="", nullable=False),
        sa.Column("next_visit_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("cancel_reason", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_visits_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
        schema="clients",
    )
    op.create_index(
        "ix_visits_owner_id_planned_on", "visits", ["owner_id", "planned_on"], schema="clients"
    )
    op.create_index(
        "ix_visits_account_id_planned_on", "visits", ["account_id", "planned_on"], schema="clients"
    )
    op.create_index(
        "ix_visits_owner_id_visited_on", "visits", ["owner_id", "visited_on"], schema="clients"
    )
    op.create_table(
        "contact_touches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("note", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_contact_touches_account_id_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["clients.contacts.id"],
            name=op.f("fk_contact_touches_contact_id_contacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_touches")),
        schema="clients",
    )
    op.create_index(
        "ix_contact_touches_owner_id_due_on",
        "contact_touches",
        ["owner_id", "due_on"],
        schema="clients",
    )
    op.create_index(
        "ix_contact_touches_account_id_due_on",
        "contact_touches",
        ["account_id", "due_on"],
        schema="clients",
    )
    op.create_index(
        "ix_contact_touches_birthday_once",
        "contact_touches",
        ["account_id", "contact_id", "due_on"],
        unique=True,
        schema="clients",
        postgresql_where=sa.text("kind = 'birthday_greeting'"),
    )
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=False),
        sa.Column(
            "dimensions",
            postgresql.JSONB(astext_type=sa.Text()),
            server_default="[]",
            nullable=False,
        ),
        sa.Column("overall_score", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column(
            "needs", postgresql.JSONB(astext_type=sa.Text()), server_default="[]", nullable=False
        ),
        sa.Column("summary", sa.Text(), server_default="", nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_assessments_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        schema="clients",
    )
    op.create_index(
        "ix_assessments_account_id_kind_assessed_on",
        "assessments",
        ["account_id", "kind", "assessed_on"],
        schema="clients",
    )
    op.create_index(
        "ix_assessments_assessed_by_assessed_on",
        "assessments",
        ["assessed_by", "assessed_on"],
        schema="clients",
    )


def downgrade() -> None:
    op.drop_index(
        "ix_assessments_assessed_by_assessed_on", table_name="assessments", schema="clients"
    )
    op.drop_index(
        "ix_assessments_account_id_kind_assessed_on", table_name="assessments", schema="clients"
    )
    op.drop_table("assessments", schema="clients")
    op.drop_index(
        "ix_contact_touches_birthday_once", table_name="contact_touches", schema="clients"
    )
    op.drop_index(
        "ix_contact_touches_account_id_due_on", table_name="contact_touches", schema="clients"
    )
    op.drop_index(
        "ix_contact_touches_owner_id_due_on", table_name="contact_touches", schema="clients"
    )
    op.drop_table("contact_touches", schema="clients")
    op.drop_index("ix_visits_owner_id_visited_on", table_name="visits", schema="clients")
    op.drop_index("ix_visits_account_id_planned_on", table_name="visits", schema="clients")
    op.drop_index("ix_visits_owner_id_planned_on", table_name="visits", schema="clients")
    op.drop_table("visits", schema="clients")
