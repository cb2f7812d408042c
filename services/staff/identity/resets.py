"""One-time password resets: issued by an administrator (shown once or mailed) or asked
for by the person ("forgot password", mailed). Only the SHA-256 of a token is stored; a
token works once, for a short time, and using it ends every session of the person."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog

from services.staff.audit.recorder import audit_entry
from services.staff.identity.models import PasswordResetToken, User
from services.staff.identity.password_policy import PasswordPolicy
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.secrets import sha256_hex
from services.staff.identity.service import end_sessions, enforce_password_policy
from services.staff.notifications.models import Channel, Delivery
from services.staff.notifications.senders import Sender, SendFailed
from shared.concurrency import check_if_match
from shared.errors import BadRequest, NotFound, UnmetPrerequisite

log = structlog.get_logger(__name__)
RESET_SUBJECT = "KAM 密码重置 / Password reset"


@dataclass(frozen=True)
class ResetSettings:
    """How long a reset lives, the link it is sent as, how often one login may ask."""

    minutes: int = 30
    url: str = "http://127.0.0.1:8000/reset-password?token={token}"
    resend_seconds: float = 60.0


@dataclass(frozen=True)
class IssuedReset:
    """A reset an administrator issued: the link (None when it was mailed instead)."""

    user: User
    reset_url: str | None
    expires_at: datetime
    emailed: bool


def reset_mail(user: User, address: str, link: str, minutes: int) -> Delivery:
    """The reset e-mail, sent at once and not stored (its body holds the token)."""
    assert user.id is not None
    body = (
        f"您好，\n\n有人为登录名 {user.login} 申请了密码重置。如是您本人，请在 {minutes} 分钟内"
        f"打开下面的链接设置新密码（仅可使用一次）：\n\n{link}\n\n"
        "如非本人操作，请忽略本邮件；您的密码不会改变。\n\n"
        f"Someone asked to reset the password of {user.login}. If it was you, open the link "
        f"above within {minutes} minutes (it works once). If not, ignore this mail.\n"
    )
    return Delivery(
        id=uuid.uuid4(),
        dedupe_key=f"password-reset:{uuid.uuid4().hex}",
        employee_id=user.employee_id or 0,
        channel=Channel.EMAIL.value,
        address=address,
        subject=RESET_SUBJECT,
        body=body,
        next_attempt_at=datetime.now(UTC),
    )


class PasswordResetService:
    """The rules of resets; never commits. Mails are returned, for the caller to send
    after answering (so a mail never slows, or shows in, the answer)."""

    def __init__(
        self,
        repository: IdentityRepository,
        hash_password: Callable[[str], Awaitable[str]],
        policy: PasswordPolicy,
        settings: ResetSettings,
        actor: str | None,
    ) -> None:
        self.repository = repository
        self.hash_password = hash_password
        self.policy = policy
        self.settings = settings
        self.actor = actor

    def _audit(self, action: str, user_id: object, **detail: object) -> None:
        self.repository.session.add(
            audit_entry(action, entity="user", entity_id=user_id, actor=self.actor, **detail)
        )

    async def _new_token(self, user: User, now: datetime) -> tuple[str, datetime]:
        """A fresh token for ``user``; earlier unused ones stop working."""
        assert user.id is not None
        token = secrets.token_urlsafe(32)
        expires_at = now + timedelta(minutes=self.settings.minutes)
        await self.repository.retire_resets_of(user.id, now)
        await self.repository.add(
            PasswordResetToken(
                user_id=user.id,
                token_hash=sha256_hex(token),
                issued_by=self.actor,
                expires_at=expires_at,
            )
        )
        return token, expires_at

    def _link(self, token: str) -> str:
        return self.settings.url.replace("{token}", token)

    async def issue(
        self, user_id: int, if_match: str | None, send_email: bool
    ) -> tuple[IssuedReset, Delivery | None]:
        """An administrator's reset for a login: the link shown once, or mailed to the
        person's work e-mail (409 when there is none)."""
        user = await self.repository.user_for_update(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        check_if_match(if_match, user.version)
        address = await self.repository.work_email_of(user.employee_id) if send_email else None
        if send_email and not address:
            raise UnmetPrerequisite("the user's employee has no work e-mail to send the reset to")
        now = datetime.now(UTC)
        token, expires_at = await self._new_token(user, now)
        user.version += 1
        await self.repository.add(user)
        self._audit("password_reset_issued", user.id, emailed=send_email)
        link = self._link(token)
        mail = reset_mail(user, address, link, self.settings.minutes) if address else None
        issued = IssuedReset(user, None if send_email else link, expires_at, send_email)
        return issued, mail

    async def forgot(self, identifier: str) -> Sequence[Delivery]:
        """A person who forgot their password names their login or work e-mail; each
        active login found with an e-mail gets a link (at most one per resend interval).
        What the caller hears never depends on whether anything was found."""
        now = datetime.now(UTC)
        wanted = identifier.strip().lower()
        found: list[tuple[User, str]] = []
        if "@" in wanted:
            found = list(await self.repository.users_by_work_email(wanted))
        else:
            user = await self.repository.user_by_login(wanted)
            address = await self.repository.work_email_of(user.employee_id) if user else None
            if user is not None and user.active and address:
                found = [(user, address)]
        mails: list[Delivery] = []
        for user, address in found:
            assert user.id is not None
            latest = await self.repository.latest_reset_of(user.id)
            recent = now - timedelta(seconds=self.settings.resend_seconds)
            if latest is not None and latest.created_at and latest.created_at > recent:
                continue
            token, _ = await self._new_token(user, now)
            self._audit("password_reset_requested", user.id)
            mails.append(reset_mail(user, address, self._link(token), self.settings.minutes))
        return mails

    async def complete(self, token: str, new_password: str) -> None:
        """Set a new password with a reset token: the token is used up, the login's
        failures and lock are forgotten, and every session of the person ends."""
        now = datetime.now(UTC)
        stored = await self.repository.reset_token(sha256_hex(token))
        if stored is None or stored.used_at is not None or stored.expires_at <= now:
            raise BadRequest("the reset link is not valid or has expired")
        user = await self.repository.user_for_update(stored.user_id)
        if user is None or not user.active:
            raise BadRequest("the reset link is not valid or has expired")
        enforce_password_policy(new_password, user.login, self.policy)
        stored.used_at = now
        await self.repository.retire_resets_of(user.id or 0, now)
        user.password_hash = await self.hash_password(new_password)
        user.password_changed_at = now
        await self.repository.unlock_login(f"login:{user.login}")
        ended = await end_sessions(self.repository, user, self.actor)
        self._audit("password_reset", user.id, sessions_ended=ended, issued_by=stored.issued_by)


async def send_reset_mails(mailer: Sender, mails: Sequence[Delivery]) -> None:
    """Send reset mails after the answer; one that fails is logged (the person, or an
    administrator, asks again: the token is not kept anywhere to send it later)."""
    for mail in mails:
        try:
            await mailer.send(mail)
        except SendFailed as exc:
            log.warning("password_reset_mail_failed", error=str(exc), employee_id=mail.employee_id)
