"""The second factor: challenges after a right password, TOTP enrolment and answers,
recovery codes, and the administrator's reset. Never commits: the caller does."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from services.staff.audit.recorder import audit_entry
from services.staff.identity.factor_models import SecondFactor, SignInChallenge
from services.staff.identity.factor_repository import FactorRepository
from services.staff.identity.factor_schemas import SecondFactorChallenge, TotpEnrolment
from services.staff.identity.models import User
from services.staff.identity.second_factor_rules import (
    matching_step,
    new_recovery_codes,
    new_totp_secret,
    provisioning_uri,
    recovery_code_hash,
    second_factor_required,
)
from services.staff.identity.secrets import sha256_hex
from shared.concurrency import check_if_match
from shared.errors import Duplicate, Forbidden, Unauthorized

MAX_WRONG_ANSWERS = 5
"""Wrong codes a challenge takes before it stops working (a new password sign-in is
needed, which the sign-in throttle counts)."""


def _now() -> datetime:
    return datetime.now(UTC)


def challenge_refused() -> Unauthorized:
    return Unauthorized("the second-factor challenge is not valid; sign in again")


@dataclass(frozen=True)
class Answered:
    """A right answer: the person to issue tokens to, and recovery codes when the answer
    confirmed a new authenticator (shown once)."""

    user: User
    recovery_codes: list[str] | None = None


class SecondFactorGate:
    """Decides who must show a second factor and checks it."""

    def __init__(
        self,
        repository: FactorRepository,
        *,
        required_roles: Sequence[str],
        challenge_seconds: int,
        window: int,
        issuer: str,
        actor: str | None = None,
    ) -> None:
        self.repository = repository
        self.required_roles = tuple(required_roles)
        self.challenge_seconds = challenge_seconds
        self.window = window
        self.issuer = issuer
        self.actor = actor

    def _audit(self, action: str, user_id: int | None, **detail: object) -> None:
        self.repository.session.add(
            audit_entry(action, entity="user", entity_id=user_id, actor=self.actor, **detail)
        )

    async def challenge_for(self, user: User) -> SecondFactorChallenge | None:
        """None when ``user`` may have tokens at once; else a new challenge (to enrol
        first, when their role requires a factor they do not have yet)."""
        assert user.id is not None
        factor = await self.repository.factor(user.id)
        enrolled = factor is not None and factor.confirmed_at is not None
        if not second_factor_required(user.roles, self.required_roles, enrolled):
            return None
        now = _now()
        await self.repository.forget_expired(now)
        token = secrets.token_urlsafe(32)
        await self.repository.add(
            SignInChallenge(
                token_hash=sha256_hex(token),
                user_id=user.id,
                enrolment=not enrolled,
                expires_at=now + timedelta(seconds=self.challenge_seconds),
            )
        )
        return SecondFactorChallenge(
            challenge=token, expires_in=self.challenge_seconds, enrolment_required=not enrolled
        )

    async def _open(self, token: str) -> tuple[SignInChallenge, User]:
        challenge = await self.repository.challenge(sha256_hex(token))
        if (
            challenge is None
            or challenge.used_at is not None
            or challenge.expires_at <= _now()
            or challenge.failures >= MAX_WRONG_ANSWERS
        ):
            raise challenge_refused()
        user = await self.repository.session.get(User, challenge.user_id)
        if user is None or not user.active:
            raise challenge_refused()
        return challenge, user

    async def enrol(self, token: str, address: str) -> TotpEnrolment:
        """A new (unconfirmed) authenticator for the person of an enrolment challenge; a
        second call replaces the first, until a code confirms one."""
        challenge, user = await self._open(token)
        if not challenge.enrolment:
            raise challenge_refused()
        assert user.id is not None
        secret = new_totp_secret()
        factor = await self.repository.factor(user.id)
        if factor is None:
            factor = SecondFactor(user_id=user.id, secret=secret)
        factor.secret, factor.confirmed_at, factor.last_step = secret, None, None
        await self.repository.add(factor)
        self._audit("second_factor_enrolment_started", user.id, address=address)
        return TotpEnrolment(
            secret=secret, otpauth_uri=provisioning_uri(secret, user.login, self.issuer)
        )

    async def enrol_signed_in(self, user: User, address: str) -> TotpEnrolment:
        """A signed-in person without an authenticator chooses one: a new secret and an
        enrolment challenge to confirm it with the first code (which also signs in anew)."""
        assert user.id is not None
        factor = await self.repository.factor(user.id)
        if factor is not None and factor.confirmed_at is not None:
            raise Duplicate("an authenticator is enrolled already; remove it first")
        now = _now()
        token = secrets.token_urlsafe(32)
        await self.repository.add(
            SignInChallenge(
                token_hash=sha256_hex(token),
                user_id=user.id,
                enrolment=True,
                expires_at=now + timedelta(seconds=self.challenge_seconds),
            )
        )
        secret = new_totp_secret()
        factor = factor or SecondFactor(user_id=user.id, secret=secret)
        factor.secret, factor.confirmed_at, factor.last_step = secret, None, None
        await self.repository.add(factor)
        self._audit("second_factor_enrolment_started", user.id, address=address)
        return TotpEnrolment(
            secret=secret,
            otpauth_uri=provisioning_uri(secret, user.login, self.issuer),
            challenge=token,
        )

    async def remove_own(self, user: User, code: str, address: str) -> None:
        """A person removes their own authenticator with its current code; not when their
        role requires one (an administrator's reset is for a lost phone)."""
        assert user.id is not None
        if second_factor_required(user.roles, self.required_roles, enrolled=False):
            raise Forbidden("your role requires a second factor; it cannot be removed")
        factor = await self.repository.factor(user.id)
        if factor is None or factor.confirmed_at is None:
            raise Unauthorized("no authenticator is enrolled")
        if matching_step(factor.secret, code, _now(), self.window, factor.last_step) is None:
            raise Unauthorized("the code is wrong")
        await self.repository.remove_factor(user.id)
        self._audit("second_factor_removed", user.id, address=address)

    async def answer(
        self, token: str, code: str | None, recovery_code: str | None, address: str
    ) -> Answered | None:
        """The person, when the code (or an unused recovery code) is right; None otherwise,
        with the failure counted on the challenge and audited."""
        challenge, user = await self._open(token)
        assert user.id is not None
        factor = await self.repository.factor(user.id)
        now = _now()
        answered: Answered | None = None
        if factor is not None and code is not None:
            step = matching_step(factor.secret, code, now, self.window, factor.last_step)
            if step is not None and challenge.enrolment == (factor.confirmed_at is None):
                factor.last_step = step
                answered = Answered(user)
                if challenge.enrolment:
                    answered = await self._confirm(factor, user, address)
        elif factor is not None and factor.confirmed_at and recovery_code is not None:
            used = await self.repository.unused_recovery_code(
                user.id, recovery_code_hash(recovery_code)
            )
            if used is not None:
                used.used_at = now
                self._audit("recovery_code_used", user.id, address=address)
                answered = Answered(user)
        if answered is None:
            challenge.failures += 1
            await self.repository.add(challenge)
            self._audit(
                "second_factor_failed", user.id, address=address, failures=challenge.failures
            )
            return None
        challenge.used_at = now
        await self.repository.add(challenge)
        return answered

    async def _confirm(self, factor: SecondFactor, user: User, address: str) -> Answered:
        assert user.id is not None
        factor.confirmed_at = _now()
        await self.repository.add(factor)
        codes = new_recovery_codes()
        await self.repository.replace_recovery_codes(
            user.id, [recovery_code_hash(code) for code in codes]
        )
        self._audit("second_factor_enrolled", user.id, address=address, method="totp")
        return Answered(user, codes)

    async def reset(self, user: User, if_match: str | None) -> User:
        """An administrator removes a person's authenticator and recovery codes (a lost
        phone): their next sign-in enrols a new one, when their role requires it."""
        assert user.id is not None
        check_if_match(if_match, user.version)
        had = await self.repository.factor(user.id)
        await self.repository.remove_factor(user.id)
        user.version += 1
        await self.repository.add(user)
        self._audit("second_factor_reset", user.id, had_factor=had is not None)
        return user
