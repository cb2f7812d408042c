"""second factor and company sign-on: TOTP factors, recovery codes, sign-in challenges,
sign-on states

Revision ID: b25e7a4c1d90
Revises: 3905c047b30a
Create Date: 2026-12-06 02:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "b25e7a4c1d90"
down_revision: str | None = "3905c047b30a"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
SCHEMA = "staff"


def upgrade() -> None:
    op.create_table(
        "second_factors",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff.users.id"], name=op.f("fk_second_factors_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_second_factors")),
        schema=SCHEMA,
    )
    op.create_table(
        "recovery_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff.users.id"], name=op.f("fk_recovery_codes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_codes")),
        schema=SCHEMA,
    )
    op.create_index(op.f("ix_recovery_codes_user_id"), "recovery_codes", ["user_id"], schema=SCHEMA)
    op.create_table(
        "sign_in_challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrolment", sa.Boolean(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff.users.id"], name=op.f("fk_sign_in_challenges_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sign_in_challenges")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_sign_in_challenges_token_hash")),
        schema=SCHEMA,
    )
    op.create_index(
        op.f("ix_sign_in_challenges_user_id"), "sign_in_challenges", ["user_id"], schema=SCHEMA
    )
    op.create_table(
        "sign_on_states",
        sa.Column("state", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("code_verifier", sa.Text(), nullable=True),
        sa.Column("nonce", sa.String(length=64), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("state", name=op.f("pk_sign_on_states")),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("sign_on_states", schema=SCHEMA)
    op.drop_index(
        op.f("ix_sign_in_challenges_user_id"), table_name="sign_in_challenges", schema=SCHEMA
    )
    op.drop_table("sign_in_challenges", schema=SCHEMA)
    op.drop_index(op.f("ix_recovery_codes_user_id"), table_name="recovery_codes", schema=SCHEMA)
    op.drop_table("recovery_codes", schema=SCHEMA)
    op.drop_table("second_factors", schema=SCHEMA)
