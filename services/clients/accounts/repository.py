"""Every query on accounts. Each read that a person can trigger takes ``owner_ids``: the
caller's data scope (None = unrestricted), applied in the SQL, so an account outside it
behaves exactly like one that does not exist."""

from __future__ import annotations

import builtins
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

import sqlalchemy
from sqlalchemy import ColumnElement, Row, Table, case, literal, or_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import scope_member, visible, visible_accounts
from services.clients.accounts.models import Account, AccountStatusChange
from services.clients.accounts.rules import Grade
from services.clients.accounts.schemas import AccountQuery, AccountSort
from services.clients.accounts.search_keys import search_term
from services.clients.db import Repository
from services.clients.org.repository import reporting_subtree_ids
from shared.errors import BadRequest
from shared.pagination import MAX_ID

OwnerScope = Collection[int] | None

ARCHIVED = "archived"

ACCOUNTS = cast(Table, Account.__table__)  # type: ignore[attr-defined]
_Query = TypeVar("_Query", bound=sqlalchemy.Select[Any])

# Get account by id (the router reads it with shared.row_reads.fetch_row): $1 the id, $2
# the owners in the caller's scope or NULL for all, $3 the caller (for the account teams
# he is on; the same branches as access.visible_accounts for a read).
ONE_ACCOUNT = (
    "SELECT * FROM clients.accounts WHERE id = $1"
    " AND ($2::integer[] IS NULL OR owner_id = ANY($2::integer[])"
    " OR id IN (SELECT account_id FROM clients.account_team_members WHERE employee_id = $3))"
)

MERGED_INTO = """
WITH RECURSIVE chain(id, depth) AS (
    SELECT survivor_id, 1 FROM clients.account_merges
    WHERE loser_id = $1 AND undone_at IS NULL
    UNION
    SELECT m.survivor_id, c.depth + 1 FROM clients.account_merges m
    JOIN chain c ON m.loser_id = c.id
    WHERE m.undone_at IS NULL AND c.depth < 20
)
SELECT id FROM chain ORDER BY depth DESC LIMIT 1
"""
"""The account a merged account lives on in (following later merges), for the router's
redirect (``$1``: the merged account's id; asyncpg style, shared.row_reads). The merges
themselves are services.clients.duplicates'."""


_SORT_COLUMNS: dict[str, Any] = {
    "id": Account.id,
    "legal_name": Account.legal_name,
    "created_at": ACCOUNTS.c.created_at,
    "updated_at": ACCOUNTS.c.updated_at,
    # best first: S, A, B, C (not the letters' order)
    "grade": case(*((col(Account.grade) == g.value, i) for i, g in enumerate(Grade)), else_=99),
    "credit_score": Account.credit_score,
}


def _scoped(query: _Query, owner_ids: OwnerScope) -> _Query:
    if owner_ids is None:
        return query
    return query.where(visible_accounts(col(Account.id), owner_ids))


def _single_owner(filters: AccountQuery, owner_ids: OwnerScope) -> int | None:
    """The one owner every row of this list has, when the filter and scope fix one."""
    if filters.team_of is not None:
        return None
    if scope_member(owner_ids) is not None and not filters.owner_ids:
        return None  # the accounts of his teams have other owners
    owners = set(filters.owner_ids or ()) or (set(owner_ids) if owner_ids is not None else None)
    if owners is None or len(owners) != 1:
        return None
    if owner_ids is not None and not owners <= set(owner_ids):
        return None
    return next(iter(owners))


def _filtered(query: _Query, filters: AccountQuery) -> _Query:
    conditions: list[ColumnElement[bool]] = []
    if filters.ids:
        conditions.append(col(Account.id).in_(filters.ids))
    if filters.owner_ids:
        conditions.append(col(Account.owner_id).in_(filters.owner_ids))
    if filters.team_of is not None:
        conditions.append(col(Account.owner_id).in_(reporting_subtree_ids(filters.team_of)))
    if filters.grades:
        conditions.append(col(Account.grade).in_(filters.grades))
    if filters.content_classes:
        conditions.append(col(Account.content_class).in_(filters.content_classes))
    if filters.trade_classes:
        conditions.append(col(Account.trade_class).in_(filters.trade_classes))
    if filters.industry is not None:
        conditions.append(col(Account.industry) == filters.industry)
    if filters.region is not None:
        conditions.append(col(Account.region) == filters.region)
    if filters.tags:
        conditions.append(col(Account.tags).contains(filters.tags))
    if filters.statuses:
        conditions.append(col(Account.status).in_(filters.statuses))
    else:
        conditions.append(col(Account.status) != ARCHIVED)
    if filters.parent_id is not None:
        conditions.append(col(Account.parent_id) == filters.parent_id)
    if filters.text:
        term = search_term(filters.text)
        escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(col(Account.search_text).like(f"%{escaped}%", escape="\\"))
    return query.where(*conditions)


def _sort_bound(column: str, value: Any) -> Any:
    """The cursor's sort value as the column's type; a tampered value is a 400."""
    if column in ("created_at", "updated_at"):
        try:
            return datetime.fromisoformat(value)
        except (TypeError, ValueError) as exc:
            raise BadRequest("cursor is not valid") from exc
    if column == "legal_name" and not isinstance(value, str):
        raise BadRequest("cursor is not valid")
    if column == "grade":  # the cursor holds the letter; the order is its rank
        try:
            return list(Grade).index(Grade(value))
        except ValueError as exc:
            raise BadRequest("cursor is not valid") from exc
    if column == "credit_score":  # a score may be 0 or negative: it travels as text
        try:
            score = int(value)
        except (TypeError, ValueError) as exc:
            raise BadRequest("cursor is not valid") from exc
        if abs(score) > MAX_ID:
            raise BadRequest("cursor is not valid")
        return score
    return value


def sort_value(account: Account | Row[Any], sort: AccountSort) -> Any:
    """The value of the sort column of ``account`` (for the next cursor)."""
    value = getattr(account, sort.value.lstrip("-"))
    if sort.value.lstrip("-") == "credit_score":
        return str(value)
    return value.isoformat() if isinstance(value, datetime) else value


class AccountRepository(Repository):
    """Queries for accounts, bound to the request's session."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(
        self, account_id: int, *, owner_ids: OwnerScope = None, for_update: bool = False
    ) -> Account | None:
        query = _scoped(select(Account).where(col(Account.id) == account_id), owner_ids)
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.first()

    async def visible(
        self, account_id: int, owner_ids: OwnerScope, *, for_update: bool = False
    ) -> Account:
        """The account within the caller's scope, or ``access.account_missing`` (404)."""
        return visible(
            await self.get(account_id, owner_ids=owner_ids, for_update=for_update), account_id
        )

    async def get_many(
        self,
        account_ids: Collection[int],
        *,
        owner_ids: OwnerScope = None,
        for_update: bool = False,
    ) -> Sequence[Account]:
        query = _scoped(
            select(Account).where(col(Account.id).in_(list(account_ids))), owner_ids
        ).order_by(col(Account.id))
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.all()

    async def legal_names(self, account_ids: Collection[int]) -> dict[int, str]:
        """The legal name of each account among ``account_ids`` (for exports; the rows
        exported are already scoped)."""
        if not account_ids:
            return {}
        result = await self.session.exec(
            select(col(Account.id), col(Account.legal_name)).where(
                col(Account.id).in_(list(account_ids))
            )
        )
        return {int(cast(int, row[0])): row[1] for row in result.all()}

    async def owned_by(self, owner_id: int, *, for_update: bool = False) -> Sequence[Account]:
        """Every account of one owner, archived ones included (nothing may be orphaned)."""
        query = select(Account).where(col(Account.owner_id) == owner_id).order_by(col(Account.id))
        if for_update:
            query = query.with_for_update().execution_options(populate_existing=True)
        result = await self.session.exec(query)
        return result.all()

    async def get_by_credit_code(self, credit_code: str) -> Account | None:
        result = await self.session.exec(
            select(Account).where(col(Account.credit_code) == credit_code)
        )
        return result.first()

    async def find_for_import(
        self, credit_codes: Collection[str], legal_names: Collection[str]
    ) -> Sequence[Account]:
        """Accounts matching any of the credit codes or legal names (import matching)."""
        if not credit_codes and not legal_names:
            return []
        result = await self.session.exec(
            select(Account).where(
                or_(
                    col(Account.credit_code).in_(list(credit_codes)),
                    col(Account.legal_name).in_(list(legal_names)),
                )
            )
        )
        return result.all()

    async def list(
        self,
        filters: AccountQuery,
        *,
        owner_ids: OwnerScope,
        sort: AccountSort,
        after: tuple[Any, int] | None,
        limit: int,
    ) -> Sequence[Row[Any]]:
        """One keyset page: rows after the (sort value, id) of the last row seen.

        Rows, not ORM objects: a page of 50 accounts hydrated as objects measured a fifth
        of the list's CPU (bench.scenarios), and the page is only read.
        """
        descending = sort.value.startswith("-")
        sort_column = _SORT_COLUMNS[sort.value.lstrip("-")]
        id_column = col(Account.id)
        query = _filtered(_scoped(sqlalchemy.select(ACCOUNTS), owner_ids), filters)
        if after is not None:
            value, last_id = after
            value = _sort_bound(sort.value.lstrip("-"), value)
            if sort_column is Account.id:
                condition = id_column < last_id if descending else id_column > last_id
            else:
                position = tuple_(sort_column, id_column)
                condition = (
                    position < (value, last_id)
                    if descending
                    else position
                    > (
                        value,
                        last_id,
                    )
                )
            query = query.where(condition)
        # One owner's rows in id order are one range of (owner_id, id): ordering by both
        # (the same order, the owner being fixed) walks that range. Ordered by id alone,
        # PostgreSQL may walk the primary key instead and filter, and an owner whose
        # accounts are spread over a million ids cost 69,000 rows for a deep page (measured).
        leading = (
            [col(Account.owner_id)]
            if sort_column is Account.id and _single_owner(filters, owner_ids) is not None
            else []
        )
        if descending:
            query = query.order_by(
                *(c.desc() for c in leading), sort_column.desc(), id_column.desc()
            )
        else:
            query = query.order_by(*leading, sort_column, id_column)
        connection = await self.session.connection()  # Core, in the session's transaction
        result = await connection.execute(query.limit(limit))
        return result.all()

    async def count(self, filters: AccountQuery, *, owner_ids: OwnerScope) -> int:
        """How many accounts the list's filters match in the caller's scope."""
        query = _filtered(
            _scoped(sqlalchemy.select(sqlalchemy.func.count()).select_from(ACCOUNTS), owner_ids),
            filters,
        )
        connection = await self.session.connection()
        return int((await connection.execute(query)).scalar_one())

    async def ancestors(self, account_id: int) -> builtins.list[int]:
        """``account_id`` and every account above it in its group, nearest first."""
        accounts = ACCOUNTS
        chain = (
            select(accounts.c.id, accounts.c.parent_id, literal(0).label("depth"))
            .where(accounts.c.id == account_id)
            .cte("ancestors", recursive=True)
        )
        chain = chain.union(
            select(accounts.c.id, accounts.c.parent_id, (chain.c.depth + 1).label("depth")).join(
                chain, accounts.c.id == chain.c.parent_id
            )
        )
        result = await self.session.exec(select(chain.c.id).order_by(chain.c.depth))
        return [account_id for account_id in result.all() if account_id is not None]

    def _descendants(self, account_id: int) -> Any:
        accounts = ACCOUNTS
        tree = (
            select(accounts.c.id)
            .where(accounts.c.parent_id == account_id)
            .cte("descendants", recursive=True)
        )
        return tree.union(select(accounts.c.id).join(tree, accounts.c.parent_id == tree.c.id))

    async def group_members(self, account_id: int, *, owner_ids: OwnerScope) -> Sequence[Account]:
        """Every account below ``account_id`` (all levels) within the scope."""
        tree = self._descendants(account_id)
        query = _scoped(select(Account).where(col(Account.id).in_(select(tree.c.id))), owner_ids)
        result = await self.session.exec(query.order_by(col(Account.id)))
        return result.all()

    async def ids_after(self, after_id: int, limit: int) -> builtins.list[int]:
        """A batch of ids of accounts that are not archived (for bulk recomputation)."""
        result = await self.session.exec(
            select(col(Account.id))
            .where(col(Account.id) > after_id, col(Account.status) != ARCHIVED)
            .order_by(col(Account.id))
            .limit(limit)
        )
        return [account_id for account_id in result.all() if account_id is not None]

    def add_status_change(self, change: AccountStatusChange) -> None:
        """Record a change of working status (written with the account's own change)."""
        self.session.add(change)
