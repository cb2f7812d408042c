"""notification preferences, deliveries, and employees' work contacts

Revision ID: 75ac2acb3919
Revises: 34ee9108c388
Create Date: 2026-12-05 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "75ac2acb3919"
down_revision: str | None = "34ee9108c388"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CONTACTS = (("work_email", 254), ("mobile", 21), ("wecom_user_id", 64), ("dingtalk_user_id", 64))


def upgrade() -> None:
    for name, length in CONTACTS:
        op.add_column(
            "employees", sa.Column(name, sa.String(length=length), nullable=True), schema="staff"
        )
    op.create_table(
        "notification_settings",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("quiet_from", sa.Time(), nullable=True),
        sa.Column("quiet_until", sa.Time(), nullable=True),
        sa.Column("daily_digest", sa.Boolean(), server_default="false", nullable=False),
        sa.Column(
            "updated_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["staff.employees.id"],
            name=op.f("fk_notification_settings_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint("employee_id", name=op.f("pk_notification_settings")),
        schema="staff",
    )
    op.create_table(
        "notification_preferences",
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["staff.employees.id"],
            name=op.f("fk_notification_preferences_employee_id_employees"),
        ),
        sa.PrimaryKeyConstraint(
            "employee_id", "kind", "channel", name=op.f("pk_notification_preferences")
        ),
        schema="staff",
    )
    op.create_table(
        "notification_deliveries",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=False),
        sa.Column("work_item_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'sent', 'dead')",
            name=op.f("ck_notification_deliveries_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["employee_id"],
            ["staff.employees.id"],
            name=op.f("fk_notification_deliveries_employee_id_employees"),
        ),
        sa.ForeignKeyConstraint(
            ["work_item_id"],
            ["staff.work_items.id"],
            name=op.f("fk_notification_deliveries_work_item_id_work_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notification_deliveries")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notification_deliveries_dedupe_key")),
        schema="staff",
    )
    op.create_index(
        op.f("ix_notification_deliveries_employee_id"),
        "notification_deliveries",
        ["employee_id"],
        unique=False,
        schema="staff",
    )
    op.create_index(
        op.f("ix_notification_deliveries_status"),
        "notification_deliveries",
        ["status"],
        unique=False,
        schema="staff",
    )
    op.create_index(
        "ix_notification_deliveries_due",
        "notification_deliveries",
        ["next_attempt_at", "id"],
        unique=False,
        schema="staff",
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index(
        "ix_notification_deliveries_due", table_name="notification_deliveries", schema="staff"
    )
    op.drop_index(
        op.f("ix_notification_deliveries_status"),
        table_name="notification_deliveries",
        schema="staff",
    )
    op.drop_index(
        op.f("ix_notification_deliveries_employee_id"),
        table_name="notification_deliveries",
        schema="staff",
    )
    op.drop_table("notification_deliveries", schema="staff")
    op.drop_table("notification_preferences", schema="staff")
    op.drop_table("notification_settings", schema="staff")
    for name, _ in reversed(CONTACTS):
        op.drop_column("employees", name, schema="staff")
