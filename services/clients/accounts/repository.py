"""Every query on accounts. Each read that a person can trigger takes ``owner_ids``: the
caller's data scope (None = unrestricted), applied in the SQL, so an account outside it
behaves exactly like one that does not exist."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

import sqlalchemy
from sqlalchemy import (
    ColumnElement,
    Integer,
    Row,
    String,
    Table,
    any_,
    bindparam,
    case,
    literal,
    or_,
    tuple_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import (
    scope_member,
    scope_parameters,
    visible,
    visible_accounts,
    visible_accounts_bound,
)
from services.clients.accounts.models import Account, AccountStatusChange
from services.clients.accounts.rules import Grade
from services.clients.accounts.schemas import AccountQuery, AccountRead, AccountSort
from services.clients.accounts.search_keys import search_term
from services.clients.db import Repository
from services.clients.org.repository import reporting_subtree_ids
from shared.errors import BadRequest
from shared.pagination import MAX_ID
from shared.row_reads import StatementShapes

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


def _any(name: str, item: Any) -> Any:
    return any_(bindparam(name, type_=ARRAY(item)))


# Each filter of the list as a condition on named bind parameters (its values:
# _filter_values), so one statement per combination of filters serves every caller.
_CONDITIONS: dict[str, Callable[[], ColumnElement[bool]]] = {
    "ids": lambda: col(Account.id) == _any("ids", Integer),
    # One owner as an equality: PostgreSQL then walks that owner's (owner_id, id) range.
    "owner": lambda: col(Account.owner_id) == bindparam("owner", type_=Integer),
    "owner_ids": lambda: col(Account.owner_id) == _any("owner_ids", Integer),
    "team_of": lambda: col(Account.owner_id).in_(
        reporting_subtree_ids(bindparam("team_of", type_=Integer))
    ),
    "grades": lambda: col(Account.grade) == _any("grades", String),
    "content_classes": lambda: col(Account.content_class) == _any("content_classes", String),
    "trade_classes": lambda: col(Account.trade_class) == _any("trade_classes", String),
    "industry": lambda: col(Account.industry) == bindparam("industry", type_=String),
    "region": lambda: col(Account.region) == bindparam("region", type_=String),
    "tags": lambda: col(Account.tags).contains(bindparam("tags", type_=ARRAY(String))),
    "statuses": lambda: col(Account.status) == _any("statuses", String),
    "not_archived": lambda: col(Account.status) != ARCHIVED,
    "parent_id": lambda: col(Account.parent_id) == bindparam("parent_id", type_=Integer),
    "text": lambda: col(Account.search_text).like(bindparam("text", type_=String), escape="\\"),
}


def _filter_values(filters: AccountQuery) -> tuple[tuple[str, ...], dict[str, Any]]:
    """The filters given (names of :data:`_CONDITIONS`) and their parameters' values."""
    owners = set(filters.owner_ids or ())
    given: dict[str, Any] = {
        "ids": filters.ids or None,
        "owner": next(iter(owners)) if len(owners) == 1 else None,
        "owner_ids": filters.owner_ids if len(owners) > 1 else None,
        "team_of": filters.team_of,
        "grades": filters.grades or None,
        "content_classes": filters.content_classes or None,
        "trade_classes": filters.trade_classes or None,
        "industry": filters.industry,
        "region": filters.region,
        "tags": filters.tags or None,
        "statuses": filters.statuses or None,
        "parent_id": filters.parent_id,
        "text": _contains_pattern(filters.text) if filters.text else None,
    }
    values = {name: value for name, value in given.items() if value is not None}
    names = tuple(values) if "statuses" in values else (*values, "not_archived")
    return names, values


def _contains_pattern(text: str) -> str:
    term = search_term(text)
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@dataclass(frozen=True)
class PageShape:
    """What decides a page's statement; the values are its bind parameters."""

    filters: tuple[str, ...]
    scoped: bool  # restricted to the caller's scope
    member: bool  # … including the accounts of the teams he is on
    sort: AccountSort
    after: bool  # a cursor's page
    by_owner: bool  # one owner's rows: ordered by (owner_id, id)


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


def sort_value(account: Account | Row[Any] | Mapping[str, Any], sort: AccountSort) -> Any:
    """The value of the sort column of ``account`` (for the next cursor)."""
    name = sort.value.lstrip("-")
    value = account[name] if isinstance(account, Mapping) else getattr(account, name)
    if sort.value.lstrip("-") == "credit_score":
        return str(value)
    return value.isoformat() if isinstance(value, datetime) else value


PAGE_FIELDS = tuple(AccountRead.model_fields)
PAGE_COLUMNS = [ACCOUNTS.c[name] for name in PAGE_FIELDS]
"""What a page reads: the fields of ``AccountRead``, in its order."""


def page_query(
    filters: AccountQuery,
    *,
    owner_ids: OwnerScope,
    sort: AccountSort,
    after: tuple[Any, int] | None,
    limit: int,
) -> tuple[PageShape, dict[str, Any]]:
    """One keyset page of the list: rows after the (sort value, id) of the last row seen,
    as the statement's shape (:data:`PAGE_STATEMENTS`) and its parameters' values."""
    names, values = _filter_values(filters)
    member = scope_member(owner_ids) is not None
    if owner_ids is not None:
        values |= scope_parameters(owner_ids)
    if after is not None:
        values["after_value"] = _sort_bound(sort.value.lstrip("-"), after[0])
        values["after_id"] = after[1]
    values["limit"] = limit
    by_owner = sort.value.lstrip("-") == "id" and _single_owner(filters, owner_ids) is not None
    shape = PageShape(names, owner_ids is not None, member, sort, after is not None, by_owner)
    return shape, values


def _page_statement(shape: PageShape) -> sqlalchemy.Select[Any]:
    descending = shape.sort.value.startswith("-")
    sort_column = _SORT_COLUMNS[shape.sort.value.lstrip("-")]
    id_column = col(Account.id)
    query = sqlalchemy.select(*PAGE_COLUMNS)
    if shape.scoped:
        query = query.where(visible_accounts_bound(id_column, member=shape.member))
    query = query.where(*(_CONDITIONS[name]() for name in shape.filters))
    if shape.after:
        last_id = bindparam("after_id", type_=Integer)
        if sort_column is Account.id:
            query = query.where(id_column < last_id if descending else id_column > last_id)
        else:
            position = tuple_(sort_column, id_column)
            bound = tuple_(bindparam("after_value", type_=sort_column.type), last_id)
            query = query.where(position < bound if descending else position > bound)
    # One owner's rows in id order are one range of (owner_id, id): ordering by both
    # (the same order, the owner being fixed) walks that range. Ordered by id alone,
    # PostgreSQL may walk the primary key instead and filter, and an owner whose
    # accounts are spread over a million ids cost 69,000 rows for a deep page (measured).
    leading = [col(Account.owner_id)] if shape.by_owner else []
    if descending:
        query = query.order_by(*(c.desc() for c in leading), sort_column.desc(), id_column.desc())
    else:
        query = query.order_by(*leading, sort_column, id_column)
    return query.limit(bindparam("limit", type_=Integer))


PAGE_STATEMENTS = StatementShapes(_page_statement)
"""The list's statements, compiled once per shape (the router runs them on asyncpg)."""


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
        """One keyset page (as :func:`page_query`), in the session's transaction."""
        shape, values = page_query(
            filters, owner_ids=owner_ids, sort=sort, after=after, limit=limit
        )
        connection = await self.session.connection()
        result = await connection.execute(_page_statement(shape), values)
        rows: Sequence[Row[Any]] = result.all()
        return rows

    async def count(self, filters: AccountQuery, *, owner_ids: OwnerScope) -> int:
        """How many accounts the list's filters match in the caller's scope."""
        names, values = _filter_values(filters)
        query = _scoped(
            sqlalchemy.select(sqlalchemy.func.count()).select_from(ACCOUNTS), owner_ids
        ).where(*(_CONDITIONS[name]() for name in names))
        connection = await self.session.connection()
        return int((await connection.execute(query, values)).scalar_one())

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
