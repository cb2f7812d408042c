"""add service tickets, SLA policies and the business calendar

Revision ID: 5d0c1a7e2b02
Revises: 5d0c1a7e2b01
Create Date: 2026-11-30 03:00:00
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "5d0c1a7e2b02"
down_revision: str | None = "5d0c1a7e2b01"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The default SLA table (tickets.rules.default_sla_policy at the time of writing), frozen
# here so the migration does not change when the code does: (response h, resolution h) per
# severity for the tiers S/A, B, C; critical runs 24x7.
_DEFAULT_HOURS = {
    "critical": ((0.5, 4), (1, 8), (2, 12)),
    "high": ((2, 8), (4, 16), (8, 24)),
    "medium": ((4, 24), (8, 40), (16, 56)),
    "low": ((8, 40), (16, 80), (24, 120)),
}
_TIER = {"S": 0, "A": 0, "B": 1, "C": 2}


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
    sla_targets = op.create_table(
        "sla_targets",
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("grade", sa.String(length=1), nullable=False),
        sa.Column("response_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_minutes", sa.Integer(), nullable=False),
        sa.Column("around_the_clock", sa.Boolean(), nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("severity", "grade", name=op.f("pk_sla_targets")),
        schema="clients",
    )
    op.bulk_insert(
        sla_targets,
        [
            {
                "severity": severity,
                "grade": grade,
                "response_minutes": int(hours[tier][0] * 60),
                "resolution_minutes": int(hours[tier][1] * 60),
                "around_the_clock": severity == "critical",
            }
            for severity, hours in _DEFAULT_HOURS.items()
            for grade, tier in _TIER.items()
        ],
    )
    op.create_table(
        "calendar_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        *_timestamps(),
        sa.PrimaryKeyConstraint("day", name=op.f("pk_calendar_days")),
        schema="clients",
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("category", sa.String(length=50), nullable=True),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), server_default="", nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("handler_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("grade_at_open", sa.String(length=1), nullable=False),
        sa.Column("response_target_minutes", sa.Integer(), nullable=False),
        sa.Column("resolution_target_minutes", sa.Integer(), nullable=False),
        sa.Column("around_the_clock", sa.Boolean(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("first_response_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("respond_by", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resolve_by", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopen_count", sa.Integer(), nullable=False),
        sa.Column("paused_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_breached", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("resolution_breached", sa.Boolean(), server_default="false", nullable=False),
        sa.Column("escalated_to", sa.Integer(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.Column("satisfaction_score", sa.SmallInteger(), nullable=True),
        sa.Column("satisfaction_comment", sa.String(length=500), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        *_timestamps(),
        sa.CheckConstraint(
            "satisfaction_score IS NULL OR satisfaction_score BETWEEN 1 AND 5",
            name=op.f("ck_tickets_satisfaction_score"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["clients.accounts.id"], name=op.f("fk_tickets_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"], ["clients.contacts.id"], name=op.f("fk_tickets_contact_id_contacts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tickets")),
        schema="clients",
    )
    op.create_index(
        "ix_tickets_owner_id_opened_at", "tickets", ["owner_id", "opened_at"], schema="clients"
    )
    op.create_index(
        "ix_tickets_owner_id_resolved_at", "tickets", ["owner_id", "resolved_at"], schema="clients"
    )
    op.create_index("ix_tickets_account_id_id", "tickets", ["account_id", "id"], schema="clients")
    op.create_index(
        "ix_tickets_unfinished_deadlines",
        "tickets",
        ["respond_by", "resolve_by"],
        schema="clients",
        postgresql_where=sa.text("status NOT IN ('resolved', 'closed')"),
    )
    op.create_table(
        "ticket_pauses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["clients.tickets.id"], name=op.f("fk_ticket_pauses_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_pauses")),
        schema="clients",
    )
    op.create_index(
        "ix_ticket_pauses_ticket_id_started_at",
        "ticket_pauses",
        ["ticket_id", "started_at"],
        schema="clients",
    )
    op.create_table(
        "ticket_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("from_status", sa.String(length=20), nullable=True),
        sa.Column("to_status", sa.String(length=20), nullable=False),
        sa.Column("actor_employee_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"], ["clients.tickets.id"], name=op.f("fk_ticket_events_ticket_id_tickets")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_events")),
        schema="clients",
    )
    op.create_index(
        "ix_ticket_events_ticket_id_id", "ticket_events", ["ticket_id", "id"], schema="clients"
    )


def downgrade() -> None:
    op.drop_index("ix_ticket_events_ticket_id_id", table_name="ticket_events", schema="clients")
    op.drop_table("ticket_events", schema="clients")
    op.drop_index(
        "ix_ticket_pauses_ticket_id_started_at", table_name="ticket_pauses", schema="clients"
    )
    op.drop_table("ticket_pauses", schema="clients")
    op.drop_index("ix_tickets_unfinished_deadlines", table_name="tickets", schema="clients")
    op.drop_index("ix_tickets_account_id_id", table_name="tickets", schema="clients")
    op.drop_index("ix_tickets_owner_id_resolved_at", table_name="tickets", schema="clients")
    op.drop_index("ix_tickets_owner_id_opened_at", table_name="tickets", schema="clients")
    op.drop_table("tickets", schema="clients")
    op.drop_table("calendar_days", schema="clients")
    op.drop_table("sla_targets", schema="clients")
