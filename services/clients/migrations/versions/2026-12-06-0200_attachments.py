"""attachments of accounts and their records, and their bytes in PostgreSQL (issue 23)

Revision ID: 7c1e5a9d2b40
Revises: f8de384897f7
Create Date: 2026-12-06 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e5a9d2b40"
down_revision: str | None = "f8de384897f7"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("owner_kind", sa.String(length=20), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("storage", sa.String(length=20), nullable=False),
        sa.Column("storage_key", sa.String(length=200), nullable=True),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("deleted_by", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "owner_kind IN ('account', 'contract', 'visit', 'ticket', 'opportunity', 'bid')",
            name=op.f("ck_attachments_owner_kind_known"),
        ),
        sa.CheckConstraint(
            "storage IN ('postgres', 's3')", name=op.f("ck_attachments_storage_known")
        ),
        sa.CheckConstraint("size_bytes >= 0", name=op.f("ck_attachments_size_not_negative")),
        sa.CheckConstraint(
            "storage = 'postgres' OR storage_key IS NOT NULL",
            name=op.f("ck_attachments_s3_has_key"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["clients.accounts.id"],
            name=op.f("fk_attachments_account_id_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attachments")),
        schema="clients",
    )
    op.create_index(
        "ix_attachments_account_id", "attachments", ["account_id"], unique=False, schema="clients"
    )
    op.create_index(
        "ix_attachments_owner_kind_owner_id",
        "attachments",
        ["owner_kind", "owner_id"],
        unique=False,
        schema="clients",
    )
    op.create_table(
        "attachment_chunks",
        sa.Column("attachment_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["attachment_id"],
            ["clients.attachments.id"],
            name=op.f("fk_attachment_chunks_attachment_id_attachments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("attachment_id", "seq", name=op.f("pk_attachment_chunks")),
        schema="clients",
    )


def downgrade() -> None:
    op.drop_table("attachment_chunks", schema="clients")
    op.drop_index("ix_attachments_owner_kind_owner_id", table_name="attachments", schema="clients")
    op.drop_index("ix_attachments_account_id", table_name="attachments", schema="clients")
    op.drop_table("attachments", schema="clients")
