"""Every query of the second factor and of company sign-on."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy import delete, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.staff.employees.models import Employee
from services.staff.employees.repository import CURRENT_STATUSES
from services.staff.identity.factor_models import (
    RecoveryCode,
    SecondFactor,
    SignInChallenge,
    SignOnState,
)
from services.staff.identity.models import User

Row = TypeVar("Row", SecondFactor, RecoveryCode, SignInChallenge, SignOnState, User)
EmployeeKey = Literal["work_email", "employee_no", "wecom_user_id", "dingtalk_user_id"]


class FactorRepository:
    """Queries for second factors, challenges and sign-on states, bound to a session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def factor(self, user_id: int) -> SecondFactor | None:
        result = await self.session.exec(
            select(SecondFactor)
            .where(col(SecondFactor.user_id) == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.first()

    async def remove_factor(self, user_id: int) -> None:
        """The authenticator and every recovery code of a person."""
        await self.session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
        await self.session.exec(delete(SecondFactor).where(col(SecondFactor.user_id) == user_id))

    async def replace_recovery_codes(self, user_id: int, hashes: list[str]) -> None:
        await self.session.exec(delete(RecoveryCode).where(col(RecoveryCode.user_id) == user_id))
        self.session.add_all([RecoveryCode(user_id=user_id, code_hash=h) for h in hashes])
        await self.session.flush()

    async def unused_recovery_code(self, user_id: int, code_hash: str) -> RecoveryCode | None:
        result = await self.session.exec(
            select(RecoveryCode)
            .where(
                col(RecoveryCode.user_id) == user_id,
                col(RecoveryCode.code_hash) == code_hash,
                col(RecoveryCode.used_at).is_(None),
            )
            .with_for_update()
        )
        return result.first()

    async def challenge(self, token_hash: str) -> SignInChallenge | None:
        """A challenge, locked so that two answers to it cannot both pass."""
        result = await self.session.exec(
            select(SignInChallenge)
            .where(col(SignInChallenge.token_hash) == token_hash)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return result.first()

    async def forget_expired(self, now: datetime) -> None:
        """Challenges and sign-on states past their time (kept small on every sign-in)."""
        await self.session.exec(
            delete(SignInChallenge).where(col(SignInChallenge.expires_at) < now)
        )
        await self.session.exec(delete(SignOnState).where(col(SignOnState.expires_at) < now))

    async def take_state(self, state: str, provider: str, now: datetime) -> SignOnState | None:
        """The sign-on that left with ``state``, removed so it comes back only once."""
        result = await self.session.exec(
            select(SignOnState)
            .where(col(SignOnState.state) == state, col(SignOnState.provider) == provider)
            .with_for_update()
        )
        found = result.first()
        if found is None:
            return None
        await self.session.delete(found)
        await self.session.flush()
        return found if found.expires_at > now else None

    async def current_employee_by(self, key: EmployeeKey, value: str) -> Employee | None:
        """The one current (not departed) employee whose ``key`` is ``value`` (e-mail
        compared without case); None when there is none or more than one."""
        column = col(getattr(Employee, key))
        match = func.lower(column) == value.lower() if key == "work_email" else column == value
        result = await self.session.exec(
            select(Employee).where(match, col(Employee.status).in_(CURRENT_STATUSES)).limit(2)
        )
        found = result.all()
        return found[0] if len(found) == 1 else None

    async def active_user_of_employee(self, employee_id: int) -> User | None:
        result = await self.session.exec(
            select(User)
            .where(col(User.employee_id) == employee_id, col(User.active).is_(True))
            .order_by(col(User.id))
            .limit(1)
        )
        return result.first()

    async def any_user_of_employee(self, employee_id: int) -> User | None:
        result = await self.session.exec(
            select(User).where(col(User.employee_id) == employee_id).limit(1)
        )
        return result.first()

    async def login_taken(self, login: str) -> bool:
        result = await self.session.exec(select(col(User.id)).where(col(User.login) == login))
        return result.first() is not None

    async def add(self, row: Row) -> Row:
        self.session.add(row)
        await self.session.flush()
        return row
