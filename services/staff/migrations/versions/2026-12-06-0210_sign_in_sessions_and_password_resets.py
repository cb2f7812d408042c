"""sign-in sessions and password reset tokens

Revision ID: 3b7e9d1c4a25
Revises: b25e7a4c1d90
Create Date: 2026-12-06 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b7e9d1c4a25"
down_revision: str | None = "b25e7a4c1d90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sign_in_sessions",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column("client_address", sa.String(length=64), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff.users.id"], name=op.f("fk_sign_in_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_sessions")),
        schema="staff",
    )
    op.create_index(
        op.f("ix_sign_in_sessions_user_id"), "sign_in_sessions", ["user_id"], schema="staff"
    )
    op.create_index(
        op.f("ix_sign_in_sessions_ended_at"), "sign_in_sessions", ["ended_at"], schema="staff"
    )
    op.create_table(
        "password_reset_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("issued_by", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff.users.id"], name=op.f("fk_password_reset_tokens_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_password_reset_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_password_reset_tokens_token_hash")),
        schema="staff",
    )
    op.create_index(
        op.f("ix_password_reset_tokens_user_id"),
        "password_reset_tokens",
        ["user_id"],
        schema="staff",
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_password_reset_tokens_user_id"), table_name="password_reset_tokens", schema="staff"
    )
    op.drop_table("password_reset_tokens", schema="staff")
    op.drop_index(
        op.f("ix_sign_in_sessions_ended_at"), table_name="sign_in_sessions", schema="staff"
    )
    op.drop_index(
        op.f("ix_sign_in_sessions_user_id"), table_name="sign_in_sessions", schema="staff"
    )
    op.drop_table("sign_in_sessions", schema="staff")
