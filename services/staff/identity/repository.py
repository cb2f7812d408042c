"""Every query on users, refresh tokens, API keys and signing keys."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy import func, update
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.identity.models import (
    ApiKey,
    PasswordResetToken,
    RefreshToken,
    SigningKeyRecord,
    SignInSession,
    SignInThrottle,
    User,
)
from shared.auth.revocation import DEACTIVATED, Revocations

Row = TypeVar(
    "Row",
    User,
    RefreshToken,
    ApiKey,
    SigningKeyRecord,
    SignInThrottle,
    SignInSession,
    PasswordResetToken,
)


class IdentityRepository:
    """Queries for identity, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def user(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def replace_password_hash(self, user_id: int, old: str, new: str) -> None:
        """Store ``new`` only while the stored hash is still ``old`` (a password changed
        since it was read stays changed)."""
        await self.session.exec(
            update(User)
            .where(col(User.id) == user_id, col(User.password_hash) == old)
            .values(password_hash=new)
        )

    async def user_for_update(self, user_id: int) -> User | None:
        """The login with its row locked until the transaction ends (for a change checked
        against the version the editor read)."""
        result = await self.session.exec(
            select(User)
            .where(col(User.id) == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.first()

    async def user_by_login(self, login: str) -> User | None:
        result = await self.session.exec(select(User).where(col(User.login) == login))
        return result.first()

    async def users_by_work_email(self, email: str) -> Sequence[tuple[User, str]]:
        """Active logins of the employees with this work e-mail (any case), with the address."""
        from services.staff.employees.models import Employee

        result = await self.session.exec(
            select(User, col(Employee.work_email))
            .join(Employee, col(Employee.id) == col(User.employee_id))
            .where(func.lower(col(Employee.work_email)) == email.strip().lower())
            .where(col(User.active).is_(True))
        )
        return [(user, str(address)) for user, address in result.all()]

    async def work_email_of(self, employee_id: int | None) -> str | None:
        """The work e-mail of the login's employee, if it has one."""
        from services.staff.employees.models import Employee

        if employee_id is None:
            return None
        employee = await self.session.get(Employee, employee_id)
        return employee.work_email if employee is not None else None

    async def users(self, *, after_id: int | None, limit: int) -> Sequence[User]:
        query = select(User).order_by(col(User.id)).limit(limit)
        if after_id is not None:
            query = query.where(col(User.id) > after_id)
        return (await self.session.exec(query)).all()

    async def users_of_employee(self, employee_id: int) -> Sequence[User]:
        result = await self.session.exec(select(User).where(col(User.employee_id) == employee_id))
        return result.all()

    async def token_floors(self) -> dict[int, int]:
        """Users whose sessions ended at least once: the lowest token version still valid
        (deactivated users: above any version)."""
        query = select(col(User.id), col(User.token_version), col(User.active)).where(
            (col(User.token_version) > 1) | col(User.active).is_(False)
        )
        rows = (await self.session.exec(query)).all()
        return {
            int(user_id): (version if active else DEACTIVATED)
            for user_id, version, active in rows
            if user_id is not None
        }

    async def revocations(self, ended_since: datetime) -> Revocations:
        """The token floors and the sessions ended since ``ended_since``."""
        ended = await self.session.exec(
            select(col(SignInSession.id)).where(col(SignInSession.ended_at) >= ended_since)
        )
        return Revocations(await self.token_floors(), frozenset(ended.all()))

    async def refresh_token(self, token_hash: str) -> RefreshToken | None:
        query = select(RefreshToken).where(col(RefreshToken.token_hash) == token_hash)
        return (await self.session.exec(query.with_for_update())).first()

    async def revoke_refresh_tokens(self, user_id: int, now: datetime) -> None:
        await self.session.exec(
            update(RefreshToken)
            .where(col(RefreshToken.user_id) == user_id, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )

    async def revoke_refresh_family(self, family: str, now: datetime) -> None:
        await self.session.exec(
            update(RefreshToken)
            .where(col(RefreshToken.family) == family, col(RefreshToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )

    async def throttles_for_update(self, keys: Sequence[str]) -> list[SignInThrottle]:
        """The counters of ``keys`` (created when missing), locked until the transaction
        ends, in key order so that two attempts never wait for each other in a cycle."""
        await self.session.exec(
            insert(SignInThrottle)
            .values([{"key": key, "failures": 0} for key in sorted(keys)])
            .on_conflict_do_nothing()
        )
        result = await self.session.exec(
            select(SignInThrottle)
            .where(col(SignInThrottle.key).in_(keys))
            .order_by(col(SignInThrottle.key))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(result.all())

    async def forget_login_failures(self, key: str) -> None:
        """Zero the counter rather than delete it: an attempt waiting for its row lock in
        ``throttles_for_update`` would find no row once a delete commits."""
        await self.session.exec(
            update(SignInThrottle)
            .where(col(SignInThrottle.key) == key)
            .values(failures=0, last_failure_at=None, locked_until=None)
        )

    async def take_back_failure(self, key: str) -> None:
        """Undo the failure an attempt counted in advance (it succeeded)."""
        await self.session.exec(
            update(SignInThrottle)
            .where(col(SignInThrottle.key) == key, col(SignInThrottle.failures) > 0)
            .values(failures=col(SignInThrottle.failures) - 1)
        )

    async def unlock_login(self, key: str) -> bool:
        """Forget the failures and lock of a login string (zeroed, not deleted, like
        :meth:`forget_login_failures`); whether it was locked."""
        locked = await self.session.exec(
            select(col(SignInThrottle.locked_until))
            .where(col(SignInThrottle.key) == key)
            .with_for_update()
        )
        was_locked = any(until is not None for until in locked.all())
        await self.forget_login_failures(key)
        return was_locked

    async def sign_in_session(self, session_id: str) -> SignInSession | None:
        return await self.session.get(SignInSession, session_id)

    async def open_sessions(self, user_id: int, since: datetime) -> Sequence[SignInSession]:
        """The user's sessions not ended and used since ``since``, most recently used first."""
        query = (
            select(SignInSession)
            .where(
                col(SignInSession.user_id) == user_id,
                col(SignInSession.ended_at).is_(None),
                col(SignInSession.last_used_at) >= since,
            )
            .order_by(col(SignInSession.last_used_at).desc(), col(SignInSession.id))
        )
        return (await self.session.exec(query)).all()

    async def end_user_sessions(self, user_id: int, now: datetime, ended_by: str | None) -> int:
        """Mark every open session of the user ended; how many were open."""
        result = await self.session.exec(
            update(SignInSession)
            .where(col(SignInSession.user_id) == user_id, col(SignInSession.ended_at).is_(None))
            .values(ended_at=now, ended_by=ended_by)
        )
        return int(result.rowcount or 0)

    async def reset_token(self, token_hash: str) -> PasswordResetToken | None:
        query = select(PasswordResetToken).where(col(PasswordResetToken.token_hash) == token_hash)
        return (await self.session.exec(query.with_for_update())).first()

    async def latest_reset_of(self, user_id: int) -> PasswordResetToken | None:
        query = (
            select(PasswordResetToken)
            .where(col(PasswordResetToken.user_id) == user_id)
            .order_by(col(PasswordResetToken.created_at).desc(), col(PasswordResetToken.id).desc())
            .limit(1)
        )
        return (await self.session.exec(query)).first()

    async def retire_resets_of(self, user_id: int, now: datetime) -> None:
        """Every unused reset of the user stops working (one was used, or a new one issued)."""
        await self.session.exec(
            update(PasswordResetToken)
            .where(
                col(PasswordResetToken.user_id) == user_id,
                col(PasswordResetToken.used_at).is_(None),
            )
            .values(used_at=now)
        )

    async def api_key_by_prefix(self, prefix: str) -> ApiKey | None:
        return (await self.session.exec(select(ApiKey).where(col(ApiKey.prefix) == prefix))).first()

    async def api_key(self, key_id: int) -> ApiKey | None:
        return await self.session.get(ApiKey, key_id)

    async def api_keys(self, *, after_id: int | None, limit: int) -> Sequence[ApiKey]:
        query = select(ApiKey).order_by(col(ApiKey.id)).limit(limit)
        if after_id is not None:
            query = query.where(col(ApiKey.id) > after_id)
        return (await self.session.exec(query)).all()

    async def active_signing_keys(self) -> Sequence[SigningKeyRecord]:
        query = (
            select(SigningKeyRecord)
            .where(col(SigningKeyRecord.active).is_(True))
            .order_by(col(SigningKeyRecord.created_at).desc())
        )
        return (await self.session.exec(query)).all()

    async def add(self, row: Row) -> Row:
        self.session.add(row)
        await self.session.flush()
        return row
