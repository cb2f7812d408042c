"""Rules of duplicate accounts: the check before an account is created or renamed, the
duplicate report, and merges (with their undo). Never commits: the request owns the
transaction, so a merge that fails anywhere leaves both accounts as they were.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy.exc import IntegrityError

from services.clients.access import OwnerScope
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.schemas import AccountStatus
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.contacts.models import Contact
from services.clients.contacts.repository import ContactRepository
from services.clients.contacts.schemas import AccountContactCreate
from services.clients.duplicates.models import AccountMerge, ContactMerge, MergeRecord
from services.clients.duplicates.repository import (
    ACCOUNTS,
    CONTACTS,
    DuplicateRepository,
    Reference,
)
from services.clients.duplicates.rules import NameKey, merged_list, similarity
from services.clients.duplicates.schemas import (
    DuplicateCandidate,
    DuplicatePair,
    DuplicateReport,
    MergeCreate,
)
from shared.concurrency import check_if_match, etag_for
from shared.errors import (
    HierarchyCycle,
    InvalidTransition,
    NotFound,
    PossibleDuplicate,
    PreconditionFailed,
    RecordClosed,
    UnmetPrerequisite,
    UnprocessableContent,
)

DUPLICATE_REASON = "duplicate_reason"


class DuplicateService:
    """Detection (``check_account``), the report, and merges of two accounts."""

    def __init__(
        self,
        repository: DuplicateRepository,
        accounts: AccountRepository,
        contacts: ContactRepository,
        audit: AuditTrail,
        *,
        threshold: int,
        undo_period: timedelta,
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.accounts = accounts
        self.contacts = contacts
        self.audit = audit
        self.threshold = threshold
        self.undo_period = undo_period
        self.now = now

    # ---- detection -------------------------------------------------------------------

    async def likely_duplicates(
        self, legal_name: str, exclude_id: int | None, owner_ids: OwnerScope
    ) -> tuple[list[DuplicateCandidate], int]:
        """Accounts whose name is alike ``legal_name`` (best first): those the caller sees
        in full, and how many more he does not see."""
        key = NameKey.of(legal_name)
        candidates = await self.repository.name_candidates(
            key.pinyin, key.core, exclude_id, _reading(owner_ids)
        )
        shown: list[DuplicateCandidate] = []
        hidden = 0
        for candidate in candidates:
            score = similarity(key, NameKey.of(candidate.legal_name))
            if score < self.threshold:
                continue
            if candidate.visible:
                shown.append(
                    DuplicateCandidate(
                        account_id=candidate.id, legal_name=candidate.legal_name, score=score
                    )
                )
            else:
                hidden += 1
        shown.sort(key=lambda c: (-c.score, c.account_id))
        return shown, hidden

    async def check_account(
        self,
        legal_name: str,
        *,
        account_id: int | None,
        reason: str | None,
        owner_ids: OwnerScope,
    ) -> bool:
        """Before an account is created (``account_id`` None) or renamed: 409
        ``possible-duplicate`` when accounts with a name alike exist, unless ``reason`` says
        why this one is another company (then the reason is audited, on the account once it
        has an id: :meth:`record_override`). The same credit code is the accounts domain's
        own uniqueness rule (``duplicate``), not checked here. True: likely duplicates
        exist and the reason overrides them."""
        shown, hidden = await self.likely_duplicates(legal_name, account_id, owner_ids)
        if not shown and not hidden:
            return False
        if reason:
            return True
        names = ", ".join(f"{c.legal_name} ({c.account_id})" for c in shown[:5])
        detail = f"{len(shown) + hidden} account(s) with a name alike exist"
        detail += f": {names}" if names else ""
        raise PossibleDuplicate(
            detail + f"; send {DUPLICATE_REASON} to create it anyway",
            extra={
                "duplicates": [c.model_dump(mode="json") for c in shown],
                "hidden_duplicates": hidden,
            },
        )

    async def check_contact(
        self, account_id: int, data: AccountContactCreate, owner_ids: OwnerScope
    ) -> bool:
        """Before a contact is added to an account: 409 ``possible-duplicate`` when a
        contact with the same phone, e-mail or name is linked to an account of the same
        group (top parent and everything below it), unless ``duplicate_reason`` is sent.
        Contacts at accounts the caller does not see are only counted; none is shown with
        its personal data. True: likely duplicates exist and the reason overrides them."""
        group = await self.repository.group_of(account_id)
        phone = "".join(ch for ch in data.phone or "" if ch.isdigit()) or None
        found = await self.repository.contact_candidates(
            group, data.name, phone, data.email, _reading(owner_ids)
        )
        if not found:
            return False
        if data.duplicate_reason:
            return True
        shown = [
            {"contact_id": c.id, "name": c.name, "account_id": c.account_id,
             "matched_on": list(c.matched_on)}
            for c in found
            if c.visible
        ]  # fmt: skip
        hidden = len({c.id for c in found if not c.visible} - {c["contact_id"] for c in shown})
        raise PossibleDuplicate(
            f"{len(shown) + hidden} contact(s) in the account's group have the same phone, "
            f"e-mail or name; send {DUPLICATE_REASON} to add this one anyway",
            extra={"duplicates": shown, "hidden_duplicates": hidden},
        )

    def record_contact_override(
        self, account_id: int, contact_id: int, reason: str, actor_employee_id: int | None
    ) -> None:
        self.audit.record(
            entity=AuditEntity.CONTACT,
            entity_id=contact_id,
            account_id=account_id,
            action="duplicate_override",
            actor_employee_id=actor_employee_id,
            after={DUPLICATE_REASON: reason},
        )

    async def row_problem(self, legal_name: str, owner_ids: OwnerScope) -> str | None:
        """What an import row with this name is told when accounts with a name alike exist
        (None: none do): those the caller sees by id and name, the others as a count."""
        shown, hidden = await self.likely_duplicates(legal_name, None, owner_ids)
        if not shown and not hidden:
            return None
        parts = [f"account {c.account_id} {c.legal_name} (score {c.score})" for c in shown[:5]]
        if hidden:
            parts.append(f"{hidden} account(s) you cannot see")
        return (
            f"likely a duplicate of {'; '.join(parts)}; fill {DUPLICATE_REASON} to create it anyway"
        )

    def record_override(
        self, account_id: int, legal_name: str, reason: str, actor_employee_id: int | None
    ) -> None:
        """Audit that the duplicate check was overridden, and why."""
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=account_id,
            account_id=account_id,
            action="duplicate_override",
            actor_employee_id=actor_employee_id,
            after={"legal_name": legal_name, DUPLICATE_REASON: reason},
        )

    async def report(self, owner_ids: OwnerScope, min_score: int | None) -> DuplicateReport:
        """Pairs of accounts (not archived) with names alike, best first; a pair with an
        account the caller does not see is only counted."""
        threshold = self.threshold if min_score is None else min_score
        rows = await self.repository.report_rows(_reading(owner_ids))
        keys = [NameKey.of(row[1]) for row in rows]
        pairs: list[DuplicatePair] = []
        hidden = 0
        cores = [k.core for k in keys]
        sounds = [k.sounds for k in keys]
        for i, key in enumerate(keys):
            # Only the accounts after this one: each pair once (rapidfuzz's C loop).
            alike = {
                i + 1 + j
                for choices, query in ((cores[i + 1 :], key.core), (sounds[i + 1 :], key.sounds))
                if query
                for _, _, j in process.extract(
                    query, choices, scorer=fuzz.ratio, score_cutoff=threshold, limit=None
                )
            }
            for j in sorted(alike):
                score = similarity(key, keys[j])
                if score < threshold:
                    continue
                a_id, a_name, a_seen = rows[i]
                b_id, b_name, b_seen = rows[j]
                if not (a_seen and b_seen):
                    hidden += 1
                    continue
                pairs.append(
                    DuplicatePair(
                        account_id=a_id, legal_name=a_name,
                        other_account_id=b_id, other_legal_name=b_name, score=score,
                    )
                )  # fmt: skip
        pairs.sort(key=lambda p: (-p.score, p.account_id, p.other_account_id))
        return DuplicateReport(items=pairs, hidden_pairs=hidden, min_score=threshold)

    # ---- merges ----------------------------------------------------------------------

    async def merge(
        self,
        data: MergeCreate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> AccountMerge:
        """Merge ``loser_id`` into ``survivor_id``: every row referencing the loser (found
        in the catalogue) points at the survivor, the loser's row is kept in the merge and
        deleted, and GET of the loser redirects. ``If-Match`` is the survivor's ETag,
        ``loser_etag`` the loser's."""
        _not_into_itself("account", data)
        survivor = await self.accounts.visible(data.survivor_id, owner_ids, for_update=True)
        loser = await self.accounts.visible(data.loser_id, owner_ids, for_update=True)
        _check_versions("account", data, if_match, survivor.version, loser.version)
        for account in (survivor, loser):
            if account.status == AccountStatus.ARCHIVED:
                raise RecordClosed(f"account {account.id} is archived; restore it first")
        assert survivor.id is not None and loser.id is not None
        if loser.id in await self.accounts.ancestors(survivor.id):
            raise HierarchyCycle(
                f"account {survivor.id} is below account {loser.id} in its group; merge the "
                "group parent into the subsidiary is not possible, merge the other way round",
                extra={"reason": "hierarchy_cycle"},
            )
        loser_row, moved, _ = await self._absorb(ACCOUNTS, loser, survivor.id, keep_both=False)
        survivor.version += 1
        await self.accounts.add(survivor)
        merge = AccountMerge(**self._merge_fields(data, actor_employee_id, loser_row, moved))
        await self._record(merge)
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=survivor.id,
            account_id=survivor.id,
            action="merge",
            actor_employee_id=actor_employee_id,
            before={"loser_id": loser.id, "loser_legal_name": loser_row.get("legal_name")},
            after=_merge_summary(merge, data.reason),
        )
        return merge

    async def merge_contacts(
        self,
        data: MergeCreate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> ContactMerge:
        """Merge contact ``loser_id`` into ``survivor_id``, as :meth:`merge` does accounts;
        a row of the loser that the survivor holds already (the same account linked to
        both, the same key contact of an opportunity) is set aside, the survivor's kept."""
        _not_into_itself("contact", data)
        survivor = await self._contact(data.survivor_id, owner_ids)
        loser = await self._contact(data.loser_id, owner_ids)
        _check_versions("contact", data, if_match, survivor.version, loser.version)
        assert survivor.id is not None and loser.id is not None
        loser_row, moved, set_aside = await self._absorb(
            CONTACTS, loser, survivor.id, keep_both=True
        )
        survivor.version += 1
        await self.contacts.add(survivor)
        merge = ContactMerge(
            **self._merge_fields(data, actor_employee_id, loser_row, moved), set_aside=set_aside
        )
        await self._record(merge)
        self.audit.record(
            entity=AuditEntity.CONTACT,
            entity_id=survivor.id,
            account_id=None,
            action="merge",
            actor_employee_id=actor_employee_id,
            before={"loser_id": loser.id, "loser_name": loser_row.get("name")},
            after=_merge_summary(merge, data.reason)
            | {"set_aside": {key: len(rows) for key, rows in set_aside.items()}},
        )
        return merge

    async def _contact(self, contact_id: int, owner_ids: OwnerScope) -> Contact:
        """A contact the caller sees (the contacts' read rule), locked; else 404."""
        contact = await self.contacts.get_contact(contact_id, owner_ids=owner_ids, for_update=True)
        if contact is None:
            raise NotFound(f"contact {contact_id} does not exist")
        return contact

    async def _absorb(
        self, target: str, loser: Account | Contact, survivor_id: int, *, keep_both: bool
    ) -> tuple[dict[str, Any], Moved, SetAside]:
        """Point every reference onto the ``loser`` row of ``target`` at ``survivor_id``
        and delete the loser: its row, the moved rows' keys, and (``keep_both``) the
        loser's rows that clashed with the survivor's and were set aside. All or nothing."""
        assert loser.id is not None
        loser_row = await self.repository.row_of(target, loser.id)
        moved: Moved = {}
        set_aside: SetAside = {}
        try:
            async with self.repository.session.begin_nested():
                for reference in await self.repository.references(target, LISTED_AS[target]):
                    if not reference.primary_key:
                        raise UnmetPrerequisite(
                            f"table {reference.schema}.{reference.table} has no primary key;"
                            " its rows cannot be moved back by an undo"
                        )
                    aside: list[dict[str, Any]] = []
                    if reference.array:
                        keys = await self._move_in_lists(reference, loser.id, survivor_id)
                    elif keep_both:
                        keys, aside = await self.repository.move_apart(
                            reference, loser.id, survivor_id
                        )
                    else:
                        keys = await self.repository.move(reference, loser.id, survivor_id)
                    if keys:
                        moved[reference.key] = keys
                    if aside:
                        set_aside[reference.key] = aside
                await self.repository.delete_record(target, loser)
        except IntegrityError as exc:
            raise UnmetPrerequisite(
                f"{target} {survivor_id} and {loser.id} both hold a record that may exist "
                f"only once per record ({_constraint(exc)}); remove one of them first"
            ) from exc
        return loser_row, moved, set_aside

    async def _move_in_lists(
        self, reference: Reference, loser: int, survivor: int
    ) -> list[list[Any]]:
        """The loser replaced by the survivor in every list of ``reference`` naming it;
        per row changed ``[key, before, after]`` for an undo."""
        changes: list[list[Any]] = []
        for key, before in await self.repository.lists_holding(reference, loser):
            after = merged_list(before, loser, survivor)
            await self.repository.set_list(reference, key, after)
            changes.append([key, before, after])
        return changes

    def _merge_fields(
        self,
        data: MergeCreate,
        actor_employee_id: int | None,
        loser_row: dict[str, Any],
        moved: Moved,
    ) -> dict[str, Any]:
        return {
            "survivor_id": data.survivor_id,
            "loser_id": data.loser_id,
            "reason": data.reason,
            "actor_employee_id": actor_employee_id,
            "loser_row": loser_row,
            "moved": moved,
            "undo_until": self.now() + self.undo_period,
        }

    async def _record(self, merge: MergeRecord) -> None:
        self.repository.add(merge)
        await self.repository.flush()
        assert merge.id is not None

    async def get_merge(self, merge_id: int, owner_ids: OwnerScope) -> AccountMerge:
        merge = await self.repository.get_merge(AccountMerge, merge_id)
        if merge is None or not await self._sees_merge(merge, owner_ids):
            raise _merge_missing("account", merge_id)
        return merge

    async def get_contact_merge(self, merge_id: int, owner_ids: OwnerScope) -> ContactMerge:
        merge = await self.repository.get_merge(ContactMerge, merge_id)
        if merge is None or not await self._sees_contact_merge(merge, owner_ids):
            raise _merge_missing("contact", merge_id)
        return merge

    async def undo(
        self,
        merge_id: int,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> AccountMerge:
        """Bring the loser back with its own row and move back exactly the rows the merge
        moved (those still pointing at the survivor), within the undo period."""
        merge = await self.repository.get_merge(AccountMerge, merge_id, for_update=True)
        if merge is None or not await self._sees_merge(merge, owner_ids):
            raise _merge_missing("account", merge_id)
        now = self._check_undoable(merge, if_match)
        locked = await self.repository.lock_accounts(merge.survivor_id)
        survivor = locked.get(merge.survivor_id)
        if survivor is None:
            raise UnmetPrerequisite(
                f"account {merge.survivor_id} was merged on; undo that merge first"
            )
        try:
            await self._restore(ACCOUNTS, merge, {})
        except IntegrityError as exc:
            raise UnmetPrerequisite(
                f"account {merge.loser_id} cannot come back ({_constraint(exc)}); another "
                "account took its credit code or a record that may exist only once"
            ) from exc
        restored = (await self.repository.lock_accounts(merge.loser_id))[merge.loser_id]
        restored.version += 1
        await self.accounts.add(restored)
        survivor.version += 1
        await self.accounts.add(survivor)
        await self._close(merge, now, actor_employee_id)
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=merge.survivor_id,
            account_id=merge.survivor_id,
            action="merge_undo",
            actor_employee_id=actor_employee_id,
            before={"merge_id": merge.id, "loser_id": merge.loser_id},
            after={"restored_account_id": merge.loser_id},
        )
        return merge

    async def undo_contact_merge(
        self,
        merge_id: int,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> ContactMerge:
        """Bring the loser contact back, move back exactly the rows the merge moved (still
        on the survivor) and insert again the rows it set aside, within the undo period."""
        merge = await self.repository.get_merge(ContactMerge, merge_id, for_update=True)
        if merge is None or not await self._sees_contact_merge(merge, owner_ids):
            raise _merge_missing("contact", merge_id)
        now = self._check_undoable(merge, if_match)
        survivor = await self.repository.lock_contact(merge.survivor_id)
        if survivor is None:
            raise UnmetPrerequisite(
                f"contact {merge.survivor_id} was merged on; undo that merge first"
            )
        try:
            await self._restore(CONTACTS, merge, merge.set_aside)
        except IntegrityError as exc:
            raise UnmetPrerequisite(
                f"contact {merge.loser_id} cannot come back ({_constraint(exc)}); a record "
                "that may exist only once was made again since"
            ) from exc
        restored = await self.repository.lock_contact(merge.loser_id)
        assert restored is not None
        for contact in (restored, survivor):
            contact.version += 1
            await self.contacts.add(contact)
        await self._close(merge, now, actor_employee_id)
        self.audit.record(
            entity=AuditEntity.CONTACT,
            entity_id=merge.survivor_id,
            account_id=None,
            action="merge_undo",
            actor_employee_id=actor_employee_id,
            before={"merge_id": merge.id, "loser_id": merge.loser_id},
            after={"restored_contact_id": merge.loser_id},
        )
        return merge

    def _check_undoable(self, merge: MergeRecord, if_match: str | None) -> datetime:
        """409 when the merge is undone already or its undo period is over; now."""
        check_if_match(if_match, merge.version)
        if merge.undone_at is not None:
            raise InvalidTransition(
                f"merge {merge.id} is undone already", extra={"current_status": "undone"}
            )
        now = self.now()
        if now > merge.undo_until:
            raise InvalidTransition(
                f"merge {merge.id} can no longer be undone (the period ended "
                f"{merge.undo_until.isoformat()})",
                extra={"current_status": "merged"},
            )
        return now

    async def _restore(self, target: str, merge: MergeRecord, set_aside: SetAside) -> None:
        """The loser's row back in ``target``, the moved rows (still on the survivor) back
        at it, and the rows set aside inserted again. All or nothing."""
        found = await self.repository.references(target, LISTED_AS[target])
        references = {r.key: r for r in found}
        async with self.repository.session.begin_nested():
            await self.repository.reinsert(target, merge.loser_row)
            for key, rows in merge.moved.items():
                reference = references.get(key)
                if reference is None:  # the table or its column is gone since
                    continue
                if reference.array:
                    await self.repository.move_back_in_arrays(reference, rows)
                    continue
                await self.repository.move_back(reference, rows, merge.survivor_id, merge.loser_id)
            for key, whole_rows in set_aside.items():
                reference = references.get(key)
                if reference is None:
                    continue
                for row in whole_rows:
                    await self.repository.reinsert(reference.qualified_table, row)

    async def _close(self, merge: MergeRecord, now: datetime, actor: int | None) -> None:
        merge.undone_at = now
        merge.undone_by = actor
        merge.version += 1
        self.repository.add(merge)
        await self.repository.flush()

    async def _sees_merge(self, merge: AccountMerge, owner_ids: OwnerScope) -> bool:
        """A merge is seen by those who see its survivor (where the loser's rows went)."""
        if owner_ids is None:
            return True
        survivor = await self.accounts.get(merge.survivor_id, owner_ids=_reading(owner_ids))
        return survivor is not None

    async def _sees_contact_merge(self, merge: ContactMerge, owner_ids: OwnerScope) -> bool:
        if owner_ids is None:
            return True
        survivor = await self.contacts.get_contact(merge.survivor_id, owner_ids=owner_ids)
        return survivor is not None

    async def redirect(self, account_id: int) -> int | None:
        """The survivor a merged account now lives in, or None."""
        return await self.repository.merged_into(AccountMerge, account_id)

    async def contact_redirect(self, contact_id: int, owner_ids: OwnerScope) -> int | None:
        """The contact a merged contact now lives on in, when the caller sees it; else
        None."""
        survivor = await self.repository.merged_into(ContactMerge, contact_id)
        if survivor is None:
            return None
        seen = await self.contacts.get_contact(survivor, owner_ids=owner_ids)
        return survivor if seen is not None else None


Moved = dict[str, list[list[Any]]]
# Where the merged records' ids are held in lists too (integer arrays named so: a visit's
# ``contact_ids``); an account's id is never held in a list.
LISTED_AS: dict[str, str | None] = {ACCOUNTS: None, CONTACTS: "contact_ids"}
SetAside = dict[str, list[dict[str, Any]]]


def _not_into_itself(kind: str, data: MergeCreate) -> None:
    if data.survivor_id == data.loser_id:
        raise UnprocessableContent(
            f"a {kind} cannot be merged into itself",
            extra={"errors": [{"loc": ["body", "loser_id"], "msg": "same as survivor_id",
                               "type": "value_error"}]},
        )  # fmt: skip


def _check_versions(
    kind: str, data: MergeCreate, if_match: str | None, survivor: int, loser: int
) -> None:
    """``If-Match`` against the survivor's version, ``loser_etag`` against the loser's."""
    check_if_match(if_match, survivor)
    if data.loser_etag != etag_for(loser):
        raise PreconditionFailed(
            f"{kind} {data.loser_id} changed since you read it (loser_etag); reload it",
            extra={"current_etag": etag_for(loser)},
        )


def _merge_summary(merge: MergeRecord, reason: str) -> dict[str, Any]:
    return {
        "merge_id": merge.id,
        "reason": reason,
        "moved": {key: len(rows) for key, rows in merge.moved.items()},
    }


def _reading(owner_ids: OwnerScope) -> OwnerScope:
    reading = getattr(owner_ids, "reading", None)
    return reading() if callable(reading) else owner_ids


def _merge_missing(kind: str, merge_id: int) -> NotFound:
    return NotFound(f"{kind} merge {merge_id} does not exist")


def _constraint(exc: IntegrityError) -> str:
    name = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
    return str(name) if name else "a unique constraint"
