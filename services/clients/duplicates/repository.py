"""Every query of duplicate detection and of merges, nothing else.

The tables a merge moves are not listed anywhere in the code: they are read from the
catalogue (``pg_constraint``), every single-column foreign key onto ``clients.accounts(id)``
in any schema, so a table another domain adds later moves with the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, func, or_, text
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import OwnerScope, visible_accounts
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.search_keys import search_term
from services.clients.contacts.models import AccountContact, Contact
from services.clients.duplicates.models import AccountMerge

ACCOUNTS = "clients.accounts"

_REFERENCES = text(
    """
    SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
           ARRAY(
               SELECT pa.attname::text
               FROM pg_index i
               JOIN pg_attribute pa ON pa.attrelid = i.indrelid AND pa.attnum = ANY(i.indkey)
               WHERE i.indrelid = c.oid AND i.indisprimary
               ORDER BY array_position(i.indkey::int2[], pa.attnum)
           ) AS primary_key
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
    WHERE con.contype = 'f'
      AND con.confrelid = CAST(:target AS regclass)
      AND cardinality(con.conkey) = 1
    ORDER BY 1, 2, 3
    """
)


def _quoted(name: str) -> str:
    """An identifier from the catalogue, quoted (the statements below are built from
    catalogue names, never from input)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Reference:
    """A column holding an account id, with its table's primary key columns."""

    schema: str
    table: str
    column: str
    primary_key: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.table}.{self.column}"

    @property
    def qualified_table(self) -> str:
        return f"{_quoted(self.schema)}.{_quoted(self.table)}"

    @property
    def row_key(self) -> str:
        return "jsonb_build_array(" + ", ".join(_quoted(c) for c in self.primary_key) + ")"


@dataclass(frozen=True, slots=True)
class NameCandidate:
    id: int
    legal_name: str
    owner_id: int
    visible: bool


@dataclass(frozen=True, slots=True)
class ContactCandidate:
    id: int
    name: str
    account_id: int
    visible: bool
    matched_on: tuple[str, ...]


class DuplicateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _execute(self, statement: Any, params: dict[str, Any] | None = None) -> Any:
        """Run a Core statement on the session's connection, after flushing the session so
        the statement sees every pending change."""
        await self.session.flush()
        connection = await self.session.connection()
        return await connection.execute(statement, params or {})

    # ---- detection -------------------------------------------------------------------

    async def name_candidates(
        self,
        pinyin: str,
        core: str,
        exclude_id: int | None,
        owner_ids: OwnerScope,
        limit: int = 200,
    ) -> list[NameCandidate]:
        """Accounts (not archived) whose search column is near ``pinyin`` or holds
        ``core`` — a wide net under the trigram index; the rules decide which are alike.
        ``visible`` says whether the caller may see each (the access rule of GET)."""
        seen = visible_accounts(col(Account.id), owner_ids)
        table = Account.__table__  # type: ignore[attr-defined]
        conditions = [table.c.search_text.contains(search_term(core), autoescape=True)]
        if pinyin:
            conditions.append(
                text("CAST(:pinyin AS text) <% clients.accounts.search_text").bindparams(
                    pinyin=pinyin
                )
            )
        query = (
            select(col(Account.id), col(Account.legal_name), col(Account.owner_id), seen)
            .where(or_(*conditions), col(Account.status) != "archived")
            .order_by(col(Account.id))
            .limit(limit)
        )
        if exclude_id is not None:
            query = query.where(col(Account.id) != exclude_id)
        rows = (await self.session.exec(query)).all()
        return [NameCandidate(r[0] or 0, r[1], r[2], bool(r[3])) for r in rows]

    async def group_of(self, account_id: int) -> list[int]:
        """The account's group: its top parent and every account below it (or itself)."""
        accounts = AccountRepository(self.session)
        top = (await accounts.ancestors(account_id))[-1]
        members = await accounts.group_members(top, owner_ids=None)
        return [top, *(a.id for a in members if a.id is not None)]

    async def contact_candidates(
        self,
        account_ids: list[int],
        name: str,
        phone_digits: str | None,
        email: str | None,
        owner_ids: OwnerScope,
    ) -> list[ContactCandidate]:
        """Contacts linked to ``account_ids`` with the same phone digits, e-mail (any case)
        or name (spaces ignored); ``visible``: the caller sees the account it is linked to."""
        contacts = Contact.__table__  # type: ignore[attr-defined]
        links = AccountContact.__table__  # type: ignore[attr-defined]
        phone_key = func.regexp_replace(contacts.c.phone, r"\D", "", "g")
        name_key = func.replace(contacts.c.name, " ", "")
        matches = [name_key == name.replace(" ", "")]
        if phone_digits:
            matches.append(phone_key == phone_digits)
        if email:
            matches.append(func.lower(contacts.c.email) == email.lower())
        query = (
            core_select(
                contacts.c.id, contacts.c.name, links.c.account_id,
                visible_accounts(links.c.account_id, owner_ids),
                name_key == name.replace(" ", ""),
                phone_key == (phone_digits or ""),
                func.lower(contacts.c.email) == (email or "").lower(),
            )
            .join(links, links.c.contact_id == contacts.c.id)
            .where(links.c.account_id.in_(account_ids), or_(*matches))
            .order_by(contacts.c.id, links.c.account_id)
            .limit(100)
        )  # fmt: skip
        rows = (await self._execute(query)).all()
        found: list[ContactCandidate] = []
        for r in rows:
            on = [what for what, hit in zip(("name", "phone", "email"), r[4:7], strict=True) if hit]
            found.append(ContactCandidate(r[0], r[1], r[2], bool(r[3]), tuple(on)))
        return found

    async def report_rows(self, owner_ids: OwnerScope) -> list[tuple[int, str, bool]]:
        """Every account not archived: id, legal name, and whether the caller sees it."""
        seen = visible_accounts(col(Account.id), owner_ids)
        query = (
            select(col(Account.id), col(Account.legal_name), seen)
            .where(col(Account.status) != "archived")
            .order_by(col(Account.id))
        )
        rows = (await self.session.exec(query)).all()
        return [(r[0] or 0, str(r[1]), bool(r[2])) for r in rows]

    # ---- merges ----------------------------------------------------------------------

    async def references(self) -> list[Reference]:
        rows = (await self._execute(_REFERENCES, {"target": ACCOUNTS})).all()
        return [Reference(r[0], r[1], r[2], tuple(r[3])) for r in rows]

    async def lock_accounts(self, *account_ids: int) -> dict[int, Account]:
        """The accounts (in id order, locked FOR UPDATE), by id."""
        query = (
            select(Account)
            .where(col(Account.id).in_(sorted(account_ids)))
            .order_by(col(Account.id))
            .with_for_update()
        )
        found = (await self.session.exec(query)).all()
        return {a.id: a for a in found if a.id is not None}

    async def account_row(self, account_id: int) -> dict[str, Any]:
        """The account's row as JSON (every column, including ones added later)."""
        result = await self._execute(
            text("SELECT to_jsonb(a) FROM clients.accounts a WHERE a.id = :id"), {"id": account_id}
        )
        value = result.scalar()
        assert isinstance(value, dict)
        return value

    async def move(self, reference: Reference, source: int, target: int) -> list[list[Any]]:
        """Point ``reference`` from ``source`` to ``target``; the moved rows' keys."""
        statement = text(
            f"UPDATE {reference.qualified_table} SET {_quoted(reference.column)} = :target "  # noqa: S608
            f"WHERE {_quoted(reference.column)} = :source RETURNING {reference.row_key}"
        )
        rows = (await self._execute(statement, {"source": source, "target": target})).all()
        return [list(row[0]) for row in rows]

    async def move_back(
        self, reference: Reference, keys: list[list[Any]], survivor: int, loser: int
    ) -> int:
        """Point the rows with ``keys`` (still on ``survivor``) back at ``loser``."""
        if not keys:
            return 0
        statement = text(
            f"UPDATE {reference.qualified_table} SET {_quoted(reference.column)} = :loser "  # noqa: S608
            f"WHERE {_quoted(reference.column)} = :survivor AND {reference.row_key} IN "
            "(SELECT jsonb_array_elements(:keys))"
        ).bindparams(bindparam("keys", type_=JSONB))
        result = await self._execute(
            statement, {"loser": loser, "survivor": survivor, "keys": keys}
        )
        return int(result.rowcount)

    async def delete_account(self, account: Account) -> None:
        self.session.expunge(account)
        await self._execute(text("DELETE FROM clients.accounts WHERE id = :id"), {"id": account.id})

    async def reinsert_account(self, row: dict[str, Any]) -> None:
        await self._execute(
            text(
                "INSERT INTO clients.accounts SELECT * FROM "
                "jsonb_populate_record(NULL::clients.accounts, CAST(:row AS jsonb))"
            ),
            {"row": json.dumps(row)},
        )

    async def count_references(self, reference: Reference, account_id: int) -> int:
        statement = text(
            f"SELECT count(*) FROM {reference.qualified_table} "  # noqa: S608
            f"WHERE {_quoted(reference.column)} = :id"
        )
        return int((await self._execute(statement, {"id": account_id})).scalar() or 0)

    def add(self, merge: AccountMerge) -> None:
        self.session.add(merge)

    async def flush(self) -> None:
        await self.session.flush()

    async def get_merge(self, merge_id: int, *, for_update: bool = False) -> AccountMerge | None:
        query = select(AccountMerge).where(col(AccountMerge.id) == merge_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def merged_into(self, account_id: int) -> int | None:
        """The survivor an account was merged into (following later merges), or None."""
        current, hops = account_id, 0
        while hops < 20:
            query = (
                select(col(AccountMerge.survivor_id))
                .where(
                    col(AccountMerge.loser_id) == current,
                    col(AccountMerge.undone_at).is_(None),
                )
                .order_by(col(AccountMerge.id).desc())
                .limit(1)
            )
            survivor = (await self.session.exec(query)).first()
            if survivor is None:
                return None if current == account_id else current
            current, hops = survivor, hops + 1
        return current
