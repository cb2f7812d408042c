"""An account's timeline (客户动态): every source's entries in one order, titled in the
caller's language, with a contact's personal data masked as its own reads mask it.
Never commits (it only reads)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from services.clients.access import sees_personal_data
from services.clients.accounts.repository import AccountRepository
from services.clients.audit.rules import mask_snapshot
from services.clients.timeline.repository import SOURCES, TimelineRepository, TimelineRow
from services.clients.timeline.rules import (
    Position,
    decode_position,
    encode_position,
    entry_title,
)
from services.clients.timeline.schemas import TimelineEntry, TimelineEvent, TimelineKind
from shared.auth.principal import Principal
from shared.errors import UnprocessableContent
from shared.languages import Language
from shared.pagination import Page

OwnerScope = Collection[int] | None

CONTACT_FIELDS = (
    "name", "title", "phone", "email", "birthday", "roles", "active", "start_date", "end_date",
)  # fmt: skip
"""What a contact change shows of the contact (its snapshot holds more: notes, version …)."""
KIND_CODES = frozenset(kind.value for kind in TimelineKind)


class TimelineService:
    """The timeline of one account in the caller's scope."""

    def __init__(
        self,
        repository: TimelineRepository,
        accounts: AccountRepository,
    ) -> None:
        self.repository = repository
        self.accounts = accounts

    async def page(
        self,
        account_id: int,
        owner_ids: OwnerScope,
        viewer: Principal,
        *,
        kinds: Collection[TimelineKind] | None,
        since: datetime | None,
        until: datetime | None,
        cursor: str | None,
        limit: int,
        language: Language,
    ) -> Page[TimelineEntry]:
        """One page of the account's timeline, newest first; the cursor is the last
        entry's (occurred_at, kind, id)."""
        if since is not None and until is not None and until <= since:
            raise UnprocessableContent(
                f"until ({until.isoformat()}) must be after since ({since.isoformat()})",
                extra={
                    "errors": [
                        {"loc": ["query", "until"], "msg": "before since", "type": "value_error"}
                    ]
                },
            )
        await self.accounts.visible(account_id, owner_ids)
        after = decode_position(cursor, KIND_CODES)
        chosen = frozenset(kinds) if kinds else frozenset(SOURCES)
        rows = await self.repository.page(
            account_id, kinds=chosen, after=after, since=since, until=until, limit=limit
        )
        contacts = {row.record_id for row in rows if row.kind == TimelineKind.CONTACT_CHANGE}
        in_full = await self._sees_contacts(contacts, owner_ids, viewer)
        items = [
            _entry(row, account_id, language, in_full.get(row.record_id, True)) for row in rows
        ]
        full = len(rows) == limit and bool(rows)
        last = rows[-1] if full else None
        next_cursor = (
            encode_position(Position(last.occurred_at, last.kind, last.id)) if last else None
        )
        return Page[TimelineEntry](items=items, next_cursor=next_cursor)

    async def _sees_contacts(
        self, contact_ids: set[int], owner_ids: OwnerScope, viewer: Principal
    ) -> dict[int, bool]:
        """Per contact, whether ``viewer`` reads its personal data in full: the rule of the
        contact's own reads (``ContactService.as_seen_by``), by the owners of every account
        it is linked to; two queries for the whole page."""
        if not contact_ids:
            return {}
        owners = await self.repository.contact_owners(contact_ids)
        worked = await self.repository.contacts_worked_by(viewer.employee_id, contact_ids)
        return {
            contact_id: sees_personal_data(
                viewer, owner_ids, owners[contact_id], works_on_team=contact_id in worked
            )
            for contact_id in contact_ids
        }


def _entry(row: TimelineRow, account_id: int, language: Language, in_full: bool) -> TimelineEntry:
    kind = TimelineKind(row.kind)
    summary: dict[str, Any] = dict(row.summary)
    masked = False
    if kind is TimelineKind.CONTACT_CHANGE:
        changes = summary.get("changes") or {}
        shown = {key: changes[key] for key in CONTACT_FIELDS if key in changes}
        if not in_full and any(shown.get(key) for key in ("phone", "email", "birthday")):
            shown, masked = mask_snapshot(shown) or {}, True
        summary["changes"] = shown
    return TimelineEntry(
        key=f"{kind.value}:{row.id}",
        kind=kind,
        event=TimelineEvent(row.event),
        occurred_at=row.occurred_at,
        title=entry_title(row.event, row.headline, language),
        actor_employee_id=row.actor_employee_id,
        record_id=row.record_id,
        link=SOURCES[kind].link.format(record_id=row.record_id, account_id=account_id),
        summary=summary,
        personal_data_masked=masked,
    )
