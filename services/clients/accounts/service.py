"""Rules of key-account records. Never commits: the request owns the transaction.

Every method that reads or changes an account takes ``owner_ids``, the caller's data scope
(None = unrestricted); an account outside it is reported exactly like a missing one.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.exc import IntegrityError

from services.clients.access import require_assignable, sees_owner
from services.clients.accounts.models import Account, AccountStatusChange
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.rules import Grade, parent_would_cycle
from services.clients.accounts.schemas import (
    AccountCreate,
    AccountStatus,
    AccountUpdate,
    GroupSummary,
)
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import AuditTrail, changed_fields, snapshot
from services.clients.org.service import OrgService, owner_problem
from shared.concurrency import check_if_match
from shared.errors import (
    Duplicate,
    HierarchyCycle,
    InvalidTransition,
    RecordClosed,
    UnprocessableContent,
)
from shared.money import Money

OwnerScope = Collection[int] | None


def field_problem(field: str, message: str, kind: str) -> dict[str, Any]:
    """``extra`` for a 422 that names the offending body field."""
    return {"errors": [{"loc": ["body", field], "msg": message, "type": kind}]}


class ContractValues(Protocol):
    """Trailing-12-month signed contract value per account (grading answers it)."""

    currency: str
    today: Callable[[], date]

    async def contract_value(
        self, account_ids: Collection[int], as_of: date
    ) -> dict[int, Decimal]: ...


class DuplicateCheck(Protocol):
    """Likely duplicates of an account's name (services.clients.duplicates)."""

    async def check_account(
        self,
        legal_name: str,
        *,
        account_id: int | None,
        reason: str | None,
        owner_ids: OwnerScope,
    ) -> bool: ...

    def record_override(
        self, account_id: int, legal_name: str, reason: str, actor_employee_id: int | None
    ) -> None: ...

    async def row_problem(self, legal_name: str, owner_ids: OwnerScope) -> str | None: ...


OnAccountCreated = Callable[[Account, int | None], Awaitable[None]]
"""What follows an account's creation elsewhere (services.clients.reactions)."""


@dataclass(frozen=True)
class ClaimOpened:
    """What answered an account's creation in place of the account: the ownership dispute
    opened (services.clients.disputes), as the caller may see it."""

    record_id: int
    location: str
    etag: str
    body: dict[str, Any]


OnCodeTaken = Callable[[Account, int, int | None], Awaitable[ClaimOpened]]
"""What creating an account whose credit code another manager's account (``holder``, out
of the caller's scope) holds does instead, given the would-be owner and the actor: an
ownership dispute, answered in place of the account."""


class AccountService:
    """Create, read, change, archive and list key accounts."""

    def __init__(
        self,
        repository: AccountRepository,
        org: OrgService,
        contract_values: ContractValues,
        audit: AuditTrail,
        *,
        on_created: OnAccountCreated,
        duplicates: DuplicateCheck,
        on_code_taken: OnCodeTaken | None = None,
    ) -> None:
        self.duplicates = duplicates
        self.repository = repository
        self.org = org
        self.contract_values = contract_values
        self.on_created = on_created
        self.on_code_taken = on_code_taken
        self.audit = audit

    async def get(self, account_id: int, owner_ids: OwnerScope = None) -> Account:
        account = await self.repository.visible(account_id, owner_ids)
        return account

    async def require_active_owner(self, owner_id: int, field: str = "owner_id") -> None:
        """Refuse (422) an owner who is unknown, on leave or departed in the org copy."""
        reasons = await self.org.inactive_reasons([owner_id])
        if reasons:
            raise UnprocessableContent(
                owner_problem(owner_id, reasons[owner_id]),
                extra=field_problem(field, "not an active employee", "inactive_employee"),
            )

    async def _require_parent(self, parent_id: int, owner_ids: OwnerScope) -> Account:
        parent = await self.repository.get(parent_id, owner_ids=owner_ids)
        if parent is None:
            raise UnprocessableContent(
                f"parent account {parent_id} does not exist",
                extra=field_problem("parent_id", "unknown account", "reference"),
            )
        if parent.status == AccountStatus.ARCHIVED:
            raise UnprocessableContent(
                f"parent account {parent_id} is archived",
                extra=field_problem("parent_id", "archived account", "reference"),
            )
        return parent

    async def _require_unique_code(
        self, credit_code: str | None, account_id: int | None, owner_ids: OwnerScope
    ) -> None:
        if not credit_code:
            return
        holder = await self.repository.get_by_credit_code(credit_code)
        if holder is None or holder.id == account_id:
            return
        if not sees_owner(owner_ids, holder.owner_id):
            # DESIGN "Revealing": that one exists, never which one or whose.
            raise Duplicate(f"credit code {credit_code} already belongs to another account")
        raise Duplicate(
            f"credit code {credit_code} already belongs to account {holder.id}",
            extra={"account_id": holder.id},
        )

    async def insert(self, data: AccountCreate, actor_employee_id: int | None) -> Account:
        """Insert an already-checked account with its first grade and owner history."""
        account = Account.model_validate(data.model_dump(mode="json", exclude={"duplicate_reason"}))
        try:
            account = await self.repository.add(account)
        except IntegrityError as exc:  # a concurrent create with the same code
            raise Duplicate(
                f"credit code {data.credit_code} already belongs to an account"
            ) from exc
        await self.on_created(account, actor_employee_id)
        assert account.id is not None
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=account.id,
            account_id=account.id,
            action="create",
            actor_employee_id=actor_employee_id,
            after=snapshot(account),
        )
        return account

    async def create(
        self, data: AccountCreate, owner_ids: OwnerScope, actor_employee_id: int | None
    ) -> Account | ClaimOpened:
        """The new account; or, when its credit code is another manager's account's (撞单),
        the ownership dispute opened instead (``on_code_taken``)."""
        require_assignable(owner_ids, data.owner_id, "owner_id")
        await self.require_active_owner(data.owner_id)
        if data.parent_id is not None:
            await self._require_parent(data.parent_id, owner_ids)
        claim = await self._claim_if_code_taken(data, owner_ids, actor_employee_id)
        if claim is not None:
            return claim
        await self._require_unique_code(data.credit_code, None, owner_ids)
        reason = data.duplicate_reason
        overridden = await self.duplicates.check_account(
            data.legal_name, account_id=None, reason=reason, owner_ids=owner_ids
        )
        account = await self.insert(data, actor_employee_id)
        if overridden and reason and account.id is not None:
            self.duplicates.record_override(
                account.id, account.legal_name, reason, actor_employee_id
            )
        return account

    async def _claim_if_code_taken(
        self, data: AccountCreate, owner_ids: OwnerScope, actor_employee_id: int | None
    ) -> ClaimOpened | None:
        """撞单: the credit code belongs to an account of another manager, outside the
        caller's scope: a claim on it instead of a second record. None when the code is free,
        or its holder is the would-be owner's or one the caller sees (a duplicate, 409)."""
        if not data.credit_code or self.on_code_taken is None:
            return None
        holder = await self.repository.get_by_credit_code(data.credit_code)
        if holder is None or holder.owner_id == data.owner_id:
            return None
        if sees_owner(owner_ids, holder.owner_id):
            return None
        return await self.on_code_taken(holder, data.owner_id, actor_employee_id)

    async def update(
        self,
        account_id: int,
        data: AccountUpdate,
        if_match: str | None,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
    ) -> Account:
        account = await self.repository.visible(account_id, owner_ids, for_update=True)
        check_if_match(if_match, account.version)
        if account.status == AccountStatus.ARCHIVED:
            raise RecordClosed(f"account {account_id} is archived; restore it before changing it")
        changes = data.model_dump(mode="json", exclude_unset=True)
        reason = changes.pop("duplicate_reason", None)
        for required in ("legal_name", "content_class", "trade_class", "status", "tags"):
            if required in changes and changes[required] is None:
                raise UnprocessableContent(
                    f"{required} cannot be null",
                    extra=field_problem(required, "cannot be null", "null"),
                )
        if changes.get("parent_id") is not None:
            parent_id = changes["parent_id"]
            await self._require_parent(parent_id, owner_ids)
            if parent_would_cycle(account_id, await self.repository.ancestors(parent_id)):
                why = (
                    "it is the account itself"
                    if parent_id == account_id
                    else "it is below the account in its own group"
                )
                raise HierarchyCycle(
                    f"account {parent_id} cannot be the parent of account {account_id}: "
                    f"{why}; that would make a cycle in the group hierarchy",
                    extra={"reason": "hierarchy_cycle"},
                )
        if "credit_code" in changes:
            await self._require_unique_code(changes["credit_code"], account_id, owner_ids)
        overridden = False
        if changes.get("legal_name") and changes["legal_name"] != account.legal_name:
            overridden = await self.duplicates.check_account(
                changes["legal_name"], account_id=account_id, reason=reason, owner_ids=owner_ids
            )
        before = snapshot(account)
        for field, value in changes.items():
            setattr(account, field, value)
        after = snapshot(account)
        old, new = changed_fields(before, after)
        if not new:
            return account
        account.version += 1
        try:
            account = await self.repository.add(account)
        except IntegrityError as exc:
            raise Duplicate(
                f"credit code {data.credit_code} already belongs to an account"
            ) from exc
        if "status" in new:
            self.repository.add_status_change(
                AccountStatusChange(
                    account_id=account_id,
                    from_status=old["status"],
                    to_status=new["status"],
                    owner_id=account.owner_id,
                    actor_employee_id=actor_employee_id,
                )
            )
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=account_id,
            account_id=account_id,
            action="update",
            actor_employee_id=actor_employee_id,
            before=old,
            after=new,
        )
        if overridden and reason:
            self.duplicates.record_override(
                account_id, account.legal_name, reason, actor_employee_id
            )
        return account

    async def _set_archived(
        self,
        account_id: int,
        archived: bool,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
        if_match: str | None,
    ) -> Account:
        account = await self.repository.visible(account_id, owner_ids, for_update=True)
        check_if_match(if_match, account.version)
        is_archived = account.status == AccountStatus.ARCHIVED
        if archived == is_archived:
            state = "archived" if archived else "not archived"
            raise InvalidTransition(f"account {account_id} is already {state}")
        before_status, before_archived_at = account.status, account.archived_at
        account.status = AccountStatus.ARCHIVED if archived else AccountStatus.ACTIVE
        account.archived_at = datetime.now(UTC) if archived else None
        account.version += 1
        account = await self.repository.add(account)
        self.repository.add_status_change(
            AccountStatusChange(
                account_id=account_id,
                from_status=before_status,
                to_status=account.status,
                owner_id=account.owner_id,
                actor_employee_id=actor_employee_id,
            )
        )
        self.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=account_id,
            account_id=account_id,
            action="archive" if archived else "restore",
            actor_employee_id=actor_employee_id,
            before={"status": before_status, "archived_at": _iso(before_archived_at)},
            after={"status": account.status, "archived_at": _iso(account.archived_at)},
        )
        return account

    async def archive(
        self,
        account_id: int,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
        if_match: str | None = None,
    ) -> Account:
        """Soft delete: the account leaves the default lists but keeps every fact."""
        return await self._set_archived(account_id, True, owner_ids, actor_employee_id, if_match)

    async def restore(
        self,
        account_id: int,
        owner_ids: OwnerScope,
        actor_employee_id: int | None,
        if_match: str | None = None,
    ) -> Account:
        """Undo an archive; the account comes back as active."""
        return await self._set_archived(account_id, False, owner_ids, actor_employee_id, if_match)

    async def group_summary(self, account_id: int, owner_ids: OwnerScope) -> GroupSummary:
        """Roll-up at a group parent over its subsidiaries (all levels) in scope."""
        parent = await self.get(account_id, owner_ids)
        members = await self.repository.group_members(account_id, owner_ids=owner_ids)
        group = [parent, *members]
        values = await self.contract_values.contract_value(
            [a.id for a in group if a.id is not None], self.contract_values.today()
        )
        grades = Counter(a.grade for a in group)
        best = max((Grade(letter) for letter in grades), key=lambda g: g.rank)
        return GroupSummary(
            account_id=account_id,
            direct_subsidiaries=sum(1 for a in members if a.parent_id == account_id),
            subsidiaries=len(members),
            active_subsidiaries=sum(1 for a in members if a.status == AccountStatus.ACTIVE),
            grade_distribution=dict(sorted(grades.items())),
            best_grade=best,
            owner_ids=sorted({a.owner_id for a in group}),
            contract_value_12m=Money.rounded(sum(values.values()), self.contract_values.currency),
        )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
