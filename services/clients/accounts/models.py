"""Key accounts (大客户): the record every other client fact hangs from."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, DateTime, Index, String, Text, event
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import Field

from services.clients.accounts.search_keys import search_text
from services.clients.db import ClientsTable
from shared.columns import created_at_column, updated_at_column


class Account(ClientsTable, table=True):
    """A key account; ``owner_id`` is the responsible employee's id in the staff service.

    ``grade`` is the grade in force: the override while one applies, else
    ``computed_grade``. ``version`` is the ETag; every change bumps it.
    """

    __tablename__ = "accounts"
    __table_args__ = (
        # "my accounts by grade" and every keyset page inside it
        Index("ix_accounts_owner_id_grade_id", "owner_id", "grade", "id"),
        # one owner's pages in id order, whatever grades they filter (repository.list)
        Index("ix_accounts_owner_id_id", "owner_id", "id"),
        Index("ix_accounts_owner_id_legal_name_id", "owner_id", "legal_name", "id"),
        Index("ix_accounts_tags", "tags", postgresql_using="gin"),
        Index("ix_accounts_created_at_id", "created_at", "id"),
        Index("ix_accounts_updated_at_id", "updated_at", "id"),
        Index("ix_accounts_credit_score_id", "credit_score", "id"),
        # q: any substring of names, pinyin, initials, credit code (accounts/search_keys.py)
        Index(
            "ix_accounts_search_text",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    legal_name: str = Field(max_length=200, index=True)
    short_name: str | None = Field(default=None, max_length=100)
    credit_code: str | None = Field(default=None, max_length=18, unique=True)
    industry: str | None = Field(default=None, max_length=50, index=True)
    region: str | None = Field(default=None, max_length=50, index=True)
    address: str | None = Field(default=None, max_length=300)
    source: str | None = Field(default=None, max_length=50)
    status: str = Field(default="active", max_length=20, index=True)
    content_class: str = Field(default="project_single", max_length=30, index=True)
    trade_class: str = Field(default="prospect", max_length=20, index=True)
    grade: str = Field(default="C", max_length=1, index=True)
    grade_source: str = Field(default="computed", max_length=20)
    computed_grade: str = Field(default="C", max_length=1)
    grade_override: str | None = Field(default=None, max_length=1)
    grade_override_reason: str | None = Field(default=None, max_length=500)
    grade_override_expires_on: date | None = Field(default=None)
    grade_override_by: int | None = Field(default=None)
    credit_score: int = Field(default=60)
    owner_id: int = Field(index=True)
    parent_id: int | None = Field(default=None, foreign_key="clients.accounts.id", index=True)
    tags: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(50)), nullable=False, server_default="{}"),
    )
    archived_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    version: int = Field(default=1)
    search_text: str = Field(
        default="",
        sa_column=Column(Text, nullable=False, server_default=""),
        description="Written from the names and credit code on every insert and update.",
    )
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


@event.listens_for(Account, "before_insert")
@event.listens_for(Account, "before_update")
def _refresh_search_text(_mapper: object, _connection: object, account: Account) -> None:
    # Every write of an account (create, edit, import, merge, demo) goes through the ORM;
    # keeping the column here means no path can forget it.
    account.search_text = search_text(account.legal_name, account.short_name, account.credit_code)


class AccountStatusChange(ClientsTable, table=True):
    """One change of an account's working status, with the owner at that moment.

    Churn (客户流失) is read from here: an account that moved to ``lost`` in a period counts
    against whoever owned it when it was lost, even if it is handed over later.
    """

    __tablename__ = "account_status_history"
    __table_args__ = (
        Index("ix_account_status_history_account_id_changed_at", "account_id", "changed_at"),
        Index("ix_account_status_history_owner_id_changed_at", "owner_id", "changed_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="clients.accounts.id")
    from_status: str = Field(max_length=20)
    to_status: str = Field(max_length=20)
    owner_id: int
    actor_employee_id: int | None = Field(default=None)
    changed_at: datetime | None = Field(default=None, sa_column=created_at_column())
