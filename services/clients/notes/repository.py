"""Every query on notes; the scope is the account (``access.visible_accounts``)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlmodel import col, select

from services.clients.access import visible_accounts
from services.clients.db import Repository
from services.clients.notes.models import Note


class NoteRepository(Repository):
    """Queries for notes, bound to the request's session."""

    async def get(
        self, note_id: int, owner_ids: Collection[int] | None, *, for_update: bool = False
    ) -> Note | None:
        """A note whose account is in the caller's scope."""
        query = select(Note).where(
            col(Note.id) == note_id, visible_accounts(col(Note.account_id), owner_ids)
        )
        if for_update:
            query = query.with_for_update(of=Note).execution_options(populate_existing=True)
        return (await self.session.exec(query)).first()

    async def for_account(
        self, account_id: int, *, before_id: int | None, limit: int
    ) -> Sequence[Note]:
        """The account's notes, newest first (ids grow with time)."""
        query = (
            select(Note)
            .where(col(Note.account_id) == account_id)
            .order_by(col(Note.id).desc())
            .limit(limit)
        )
        if before_id is not None:
            query = query.where(col(Note.id) < before_id)
        return (await self.session.exec(query)).all()

    async def delete(self, note: Note) -> None:
        await self.session.delete(note)
        await self.session.flush()
