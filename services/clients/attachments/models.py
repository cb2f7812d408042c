"""Attachments (附件): files on an account or a record under it, and their bytes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
)
from sqlmodel import Field

from services.clients.db import ClientsTable
from shared.columns import created_at_column


class Attachment(ClientsTable, table=True):
    """A file attached to an account, contract, visit, ticket, opportunity or bid.

    ``owner_kind``/``owner_id`` name the record; ``account_id`` is its account (scope
    without a join, and the reference an account merge or handover moves). ``storage``
    says where the bytes are: "postgres" (rows of ``attachment_chunks``) or "s3"
    (``storage_key`` in the configured bucket). A deleted attachment keeps its row and
    audit trail (``deleted_at``/``deleted_by``); its bytes are removed."""

    __tablename__ = "attachments"
    __table_args__ = (
        CheckConstraint(
            "owner_kind IN ('account', 'contract', 'visit', 'ticket', 'opportunity', 'bid')",
            name="owner_kind_known",
        ),
        CheckConstraint("storage IN ('postgres', 's3')", name="storage_known"),
        CheckConstraint("size_bytes >= 0", name="size_not_negative"),
        CheckConstraint("storage = 'postgres' OR storage_key IS NOT NULL", name="s3_has_key"),
        Index("ix_attachments_owner_kind_owner_id", "owner_kind", "owner_id"),
        Index("ix_attachments_account_id", "account_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    owner_kind: str = Field(max_length=20)
    owner_id: int
    file_name: str = Field(max_length=255)
    content_type: str = Field(max_length=255)
    size_bytes: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(default="", max_length=64)
    storage: str = Field(max_length=20)
    storage_key: str | None = Field(default=None, max_length=200)
    uploaded_by: int | None = Field(default=None)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    deleted_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    deleted_by: int | None = Field(default=None)


class AttachmentChunk(ClientsTable, table=True):
    """One piece of an attachment's bytes kept in PostgreSQL (``seq`` from 0, in order)."""

    __tablename__ = "attachment_chunks"

    attachment_id: int = Field(
        sa_column=Column(
            Integer,
            ForeignKey("clients.attachments.id", ondelete="CASCADE"),
            primary_key=True,
        )
    )
    seq: int = Field(primary_key=True)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
