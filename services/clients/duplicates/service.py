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
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.schemas import AccountStatus
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail
from services.clients.contacts.schemas import AccountContactCreate
from services.clients.duplicates.models import AccountMerge
from services.clients.duplicates.repository import DuplicateRepository
from services.clients.duplicates.rules import NameKey, similarity
from services.clients.duplicates.schemas import (
    AccountMergeCreate,
    DuplicateCandidate,
    DuplicatePair,
    DuplicateReport,
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
        audit: AuditTrail,
        *,
        threshold: int,
        undo_period: timedelta,
        now: Callable[[], datetime],
    ) -> None:
        self.repository = repository
        self.accounts = accounts
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
        data: AccountMergeCreate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> AccountMerge:
        """Merge ``loser_id`` into ``survivor_id``: every row referencing the loser (found
        in the catalogue) points at the survivor, the loser's row is kept in the merge and
        deleted, and GET of the loser redirects. ``If-Match`` is the survivor's ETag,
        ``loser_etag`` the loser's."""
        if data.survivor_id == data.loser_id:
            raise UnprocessableContent(
                "an account cannot be merged into itself",
                extra={"errors": [{"loc": ["body", "loser_id"], "msg": "same as survivor_id",
                                   "type": "value_error"}]},
            )  # fmt: skip
        survivor = await self.accounts.visible(data.survivor_id, owner_ids, for_update=True)
        loser = await self.accounts.visible(data.loser_id, owner_ids, for_update=True)
        check_if_match(if_match, survivor.version)
        if data.loser_etag != etag_for(loser.version):
            raise PreconditionFailed(
                f"account {data.loser_id} changed since you read it (loser_etag); reload it",
                extra={"current_etag": etag_for(loser.version)},
            )
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
        loser_row = await self.repository.account_row(loser.id)
        moved: dict[str, list[list[Any]]] = {}
        try:
            async with self.repository.session.begin_nested():
                for reference in await self.repository.references():
                    if not reference.primary_key:
                        raise UnmetPrerequisite(
                            f"table {reference.schema}.{reference.table} has no primary key;"
                            " its rows cannot be moved back by an undo"
                        )
                    keys = await self.repository.move(reference, loser.id, survivor.id)
                    if keys:
                        moved[reference.key] = keys
                await self.repository.delete_account(loser)
        except IntegrityError as exc:
            raise UnmetPrerequisite(
                f"accounts {survivor.id} and {loser.id} both hold a record that may exist "
                f"only once per account ({_constraint(exc)}); remove one of them first"
            ) from exc
        survivor.version += 1
        await self.accounts.add(survivor)
        merge = AccountMerge(
            survivor_id=survivor.id,
            loser_id=loser.id,
            reason=data.reason,
            actor_employee_id=actor_employee_id,
            loser_row=loser_row,
            moved=moved,
            undo_until=self.now() + self.undo_period,
        )
        self.repository.add(merge)
        await self.repository.flush()
        assert merge.id is not None
        summary = {key: len(rows) for key, rows in moved.items()}
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=survivor.id,
            account_id=survivor.id,
            action="merge",
            actor_employee_id=actor_employee_id,
            before={"loser_id": loser.id, "loser_legal_name": loser_row.get("legal_name")},
            after={"merge_id": merge.id, "reason": data.reason, "moved": summary},
        )
        return merge

    async def get_merge(self, merge_id: int, owner_ids: OwnerScope) -> AccountMerge:
        merge = await self.repository.get_merge(merge_id)
        if merge is None or not await self._sees_merge(merge, owner_ids):
            raise _merge_missing(merge_id)
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
        merge = await self.repository.get_merge(merge_id, for_update=True)
        if merge is None or not await self._sees_merge(merge, owner_ids):
            raise _merge_missing(merge_id)
        check_if_match(if_match, merge.version)
        if merge.undone_at is not None:
            raise InvalidTransition(
                f"merge {merge_id} is undone already", extra={"current_status": "undone"}
            )
        now = self.now()
        if now > merge.undo_until:
            raise InvalidTransition(
                f"merge {merge_id} can no longer be undone (the period ended "
                f"{merge.undo_until.isoformat()})",
                extra={"current_status": "merged"},
            )
        locked = await self.repository.lock_accounts(merge.survivor_id)
        survivor = locked.get(merge.survivor_id)
        if survivor is None:
            raise UnmetPrerequisite(
                f"account {merge.survivor_id} was merged on; undo that merge first"
            )
        references = {r.key: r for r in await self.repository.references()}
        try:
            async with self.repository.session.begin_nested():
                await self.repository.reinsert_account(merge.loser_row)
                for key, rows in merge.moved.items():
                    reference = references.get(key)
                    if reference is None:  # the table or its column is gone since
                        continue
                    await self.repository.move_back(
                        reference, rows, merge.survivor_id, merge.loser_id
                    )
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
        merge.undone_at = now
        merge.undone_by = actor_employee_id
        merge.version += 1
        self.repository.add(merge)
        await self.repository.flush()
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

    async def _sees_merge(self, merge: AccountMerge, owner_ids: OwnerScope) -> bool:
        """A merge is seen by those who see its survivor (where the loser's rows went)."""
        if owner_ids is None:
            return True
        survivor = await self.accounts.get(merge.survivor_id, owner_ids=_reading(owner_ids))
        return survivor is not None

    async def redirect(self, account_id: int) -> int | None:
        """The survivor a merged account now lives in, or None."""
        return await self.repository.merged_into(account_id)


def _reading(owner_ids: OwnerScope) -> OwnerScope:
    reading = getattr(owner_ids, "reading", None)
    return reading() if callable(reading) else owner_ids


def _merge_missing(merge_id: int) -> NotFound:
    return NotFound(f"account merge {merge_id} does not exist")


def _constraint(exc: IntegrityError) -> str:
    name = getattr(getattr(exc.orig, "__cause__", None), "constraint_name", None)
    return str(name) if name else "a unique constraint"
