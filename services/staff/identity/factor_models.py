"""Tables of the second factor and company sign-on: TOTP factors, recovery codes, sign-in
challenges and the state of sign-ons in flight."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, DateTime, Text
from sqlmodel import Field

from services.staff.db import StaffTable
from shared.columns import created_at_column


class SecondFactor(StaffTable, table=True):
    """A person's TOTP authenticator (RFC 6238). Unconfirmed until a first code is right."""

    __tablename__ = "second_factors"

    user_id: int = Field(foreign_key="staff.users.id", primary_key=True)
    secret: str = Field(max_length=64)
    confirmed_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )
    last_step: int | None = Field(default=None)
    """The time step of the last accepted code: a code is never accepted twice."""
    created_at: datetime | None = Field(default=None, sa_column=created_at_column())


class RecoveryCode(StaffTable, table=True):
    """A single-use recovery code of a person (only its SHA-256 is kept)."""

    __tablename__ = "recovery_codes"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="staff.users.id", index=True)
    code_hash: str = Field(max_length=64)
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SignInChallenge(StaffTable, table=True):
    """A password (or company sign-on) that was right, waiting for the second factor."""

    __tablename__ = "sign_in_challenges"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="staff.users.id", index=True)
    enrolment: bool = Field(default=False)
    """The person must enrol an authenticator before tokens are issued."""
    failures: int = Field(default=0)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    used_at: datetime | None = Field(
        default=None, sa_column=Column(DateTime(timezone=True), nullable=True)
    )


class SignOnState(StaffTable, table=True):
    """A company sign-on sent to its provider: the state it must come back with, and the
    PKCE verifier and nonce of OpenID Connect."""

    __tablename__ = "sign_on_states"

    state: str = Field(primary_key=True, max_length=64)
    provider: str = Field(max_length=16)
    code_verifier: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    nonce: str | None = Field(default=None, max_length=64)
    expires_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
