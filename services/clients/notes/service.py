"""Notes (跟进记录/备注) on accounts: written, read, rewritten by their author and deleted,
every change audited. Never commits."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from services.clients.accounts.repository import AccountRepository
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.notes.models import Note
from services.clients.notes.repository import NoteRepository
from services.clients.notes.rules import may_delete_note, may_edit_note
from services.clients.notes.schemas import NoteCreate, NoteRead, NoteUpdate
from shared.auth.principal import Principal
from shared.concurrency import check_if_match
from shared.errors import Forbidden, NotFound, RecordClosed

OwnerScope = Collection[int] | None


def note_missing(note_id: int) -> NotFound:
    """A note that does not exist or whose account is outside the caller's scope."""
    return NotFound(f"note {note_id} does not exist")


class NoteService:
    """Notes within the caller's data scope (the account's)."""

    def __init__(
        self, repository: NoteRepository, accounts: AccountRepository, audit: AuditTrail
    ) -> None:
        self.repository = repository
        self.accounts = accounts
        self.audit = audit

    async def _open_account(self, account_id: int, owner_ids: OwnerScope) -> None:
        account = await self.accounts.visible(account_id, owner_ids)
        if account.status == "archived":
            raise RecordClosed(f"account {account_id} is archived; restore it before changing it")

    async def create(
        self, account_id: int, data: NoteCreate, owner_ids: OwnerScope, author_id: int
    ) -> Note:
        await self._open_account(account_id, owner_ids)
        note = await self.repository.add(
            Note(account_id=account_id, author_id=author_id, body=data.body)
        )
        self._audit(note, "create", author_id, after=snapshot(note))
        return note

    async def get(self, note_id: int, owner_ids: OwnerScope, *, for_update: bool = False) -> Note:
        note = await self.repository.get(note_id, owner_ids, for_update=for_update)
        if note is None:
            raise note_missing(note_id)
        return note

    async def for_account(
        self, account_id: int, owner_ids: OwnerScope, *, before_id: int | None, limit: int
    ) -> Sequence[Note]:
        await self.accounts.visible(account_id, owner_ids)
        return await self.repository.for_account(account_id, before_id=before_id, limit=limit)

    async def update(
        self,
        note_id: int,
        data: NoteUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        editor_id: int | None,
    ) -> Note:
        note = await self.get(note_id, owner_ids, for_update=True)
        if not may_edit_note(note.author_id, editor_id):
            raise Forbidden(f"only the author (employee {note.author_id}) may edit note {note_id}")
        check_if_match(if_match, note.version)
        await self._open_account(note.account_id, owner_ids)
        before = snapshot(note)
        note.body = data.body
        note.version += 1
        note = await self.repository.add(note)
        old, new = changed_fields(before, snapshot(note))
        self._audit(note, "update", editor_id, before=old, after=new)
        return note

    async def delete(
        self, note_id: int, if_match: str | None, owner_ids: OwnerScope, caller: Principal
    ) -> None:
        note = await self.get(note_id, owner_ids, for_update=True)
        if not may_delete_note(note.author_id, caller.employee_id, caller.roles):
            raise Forbidden(
                f"only the author (employee {note.author_id}) or a manager may delete "
                f"note {note_id}"
            )
        check_if_match(if_match, note.version)
        self._audit(note, "delete", caller.employee_id, before=snapshot(note))
        await self.repository.delete(note)

    def _audit(
        self,
        note: Note,
        action: str,
        actor: int | None,
        *,
        before: dict[str, object] | None = None,
        after: dict[str, object] | None = None,
    ) -> None:
        assert note.id is not None
        self.audit.record(
            entity=AuditEntity.NOTE,
            entity_id=note.id,
            account_id=note.account_id,
            action=action,
            actor_employee_id=actor,
            before=before,
            after=after,
        )


def read_note(note: Note) -> NoteRead:
    return NoteRead.model_validate(note)
