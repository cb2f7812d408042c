"""Sign-in sessions: a person's own list and an administrator's, and ending them.

A session is one sign-in and every refresh token rotated from it (the tokens' family).
Ending one revokes its refresh tokens at once; staff refuses its access tokens at once and
every other service within seconds (the ended session is listed with the token floors).
Ending all of a person's sessions also bumps their token version.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from services.staff.audit.recorder import audit_entry
from services.staff.identity.models import SignInSession, User
from services.staff.identity.repository import IdentityRepository
from services.staff.identity.service import end_sessions
from shared.errors import NotFound


def ended_sessions_since(access_token_minutes: int) -> datetime:
    """Sessions ended after this may still have live access tokens (a minute of slack for
    clocks); those ended before have none left to refuse."""
    return datetime.now(UTC) - timedelta(minutes=access_token_minutes + 1)


class SessionService:
    """Lists and ends sign-in sessions; never commits."""

    def __init__(
        self, repository: IdentityRepository, *, refresh_days: int, actor: str | None
    ) -> None:
        self.repository = repository
        self.refresh_days = refresh_days
        self.actor = actor

    async def _user(self, user_id: int) -> User:
        user = await self.repository.user(user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        return user

    async def open_sessions(self, user_id: int) -> Sequence[SignInSession]:
        """Sessions not ended whose refresh token may still be alive."""
        await self._user(user_id)
        since = datetime.now(UTC) - timedelta(days=self.refresh_days)
        return await self.repository.open_sessions(user_id, since)

    async def end_session(self, user_id: int, session_id: str) -> None:
        """End one session of the user (404 when it is not theirs or already ended)."""
        session = await self.repository.sign_in_session(session_id)
        if session is None or session.user_id != user_id or session.ended_at is not None:
            raise NotFound(f"session {session_id} does not exist")
        now = datetime.now(UTC)
        session.ended_at, session.ended_by = now, self.actor
        await self.repository.revoke_refresh_family(session.id, now)
        await self.repository.add(session)
        self.repository.session.add(
            audit_entry("session_ended", entity="user", entity_id=user_id, actor=self.actor,
                        session_id=session.id)
        )  # fmt: skip

    async def end_all(self, user_id: int) -> int:
        """End every session of the user; how many were open."""
        user = await self._user(user_id)
        ended = await end_sessions(self.repository, user, self.actor)
        self.repository.session.add(
            audit_entry("sessions_ended", entity="user", entity_id=user_id, actor=self.actor,
                        sessions_ended=ended)
        )  # fmt: skip
        return ended
