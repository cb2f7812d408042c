"""Tables of identity: users, refresh tokens, API keys, token signing keys."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, String, Text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column, updated_at_column


def _aware(nullable: bool = True) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable))


class User(StaffTable, table=True):
    """A login of a person, linked to an employee. The password is an argon2 hash."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(max_length=64, unique=True)
    password_hash: str = Field(sa_column=Column(Text, nullable=False))
    active: bool = Field(default=True)
    roles: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(32)), nullable=False, server_default="{}"),
    )
    employee_id: int | None = Field(default=None, index=True)
    token_version: int = Field(default=1)
    version: int = Field(default=1)
    password_changed_at: datetime | None = _aware()
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
    updated_at: datetime | None = Field(default=None, sa_column=updated_at_column())


class RefreshToken(StaffTable, table=True):
    """A stored, revocable refresh token (only its SHA-256 is kept)."""

    __tablename__ = "refresh_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff.users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    # Every token rotated from one sign-in shares its family; reuse revokes the family.
    family: str = Field(max_length=32, index=True)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = _aware()
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class ApiKey(StaffTable, table=True):
    """A machine client's key: shown once, stored as a SHA-256 hash, scoped, revocable."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100)
    prefix: str = Field(max_length=16, unique=True)
    key_hash: str = Field(max_length=64)
    scopes: list[str] = Field(
        default_factory=list,
        sa_column=Column(ARRAY(String(64)), nullable=False, server_default="{}"),
    )
    created_by: str | None = Field(default=None, max_length=64)
    revoked_at: datetime | None = _aware()
    last_used_at: datetime | None = _aware()
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class SigningKeyRecord(StaffTable, table=True):
    """A token signing key. Replicas share it through the database; newest active signs."""

    __tablename__ = "signing_keys"

    kid: str = Field(primary_key=True, max_length=32)
    private_pem: str = Field(sa_column=Column(Text, nullable=False))
    public_jwk: dict[str, Any] = Field(sa_column=Column(JSONB, nullable=False))
    active: bool = Field(default=True)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class SignInThrottle(StaffTable, table=True):
    """Failed sign-ins of one login string (``login:…``) or client address (``address:…``),
    kept in the database so that every replica counts the same failures."""

    __tablename__ = "sign_in_throttles"

    key: str = Field(primary_key=True, max_length=80)
    failures: int = Field(default=0)
    last_failure_at: datetime | None = _aware()
    locked_until: datetime | None = _aware()


class SignInSession(StaffTable, table=True):
    """One sign-in and the refresh tokens rotated from it (its id is their family): what a
    person sees in their list of sessions and may end."""

    __tablename__ = "sign_in_sessions"

    id: str = Field(primary_key=True, max_length=32)
    user_id: int = Field(foreign_key="staff.users.id", index=True)
    user_agent: str | None = Field(default=None, max_length=300)
    client_address: str | None = Field(default=None, max_length=64)
    last_used_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    ended_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True, index=True)
    )
    """Indexed: every service asks every few seconds for the sessions ended lately."""
    ended_by: str | None = Field(default=None, max_length=64)
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class PasswordResetToken(StaffTable, table=True):
    """A one-time password reset: only the SHA-256 of the token is kept; used once, short-lived."""

    __tablename__ = "password_reset_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff.users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    issued_by: str | None = Field(default=None, max_length=64)
    """The administrator who issued it; None for a self-service "forgot password"."""
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = _aware()
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())
