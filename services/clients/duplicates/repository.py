"""Every query of duplicate detection and of merges, nothing else.

The tables a merge moves are not listed anywhere in the code: they are read from the
catalogue (``pg_constraint``), every single-column foreign key onto the merged table
(``clients.accounts`` or ``clients.contacts``) in any schema, so a table another domain adds
later moves with the rest.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import bindparam, func, or_, text
from sqlalchemy import select as core_select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import OwnerScope, visible_accounts
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.search_keys import search_term
from services.clients.contacts.models import AccountContact, Contact
from services.clients.duplicates.models import AccountMerge, ContactMerge, MergeRecord

Merge = TypeVar("Merge", AccountMerge, ContactMerge)

ACCOUNTS = "clients.accounts"
CONTACTS = "clients.contacts"
UNIQUE_VIOLATION = "23505"

_PRIMARY_KEY = """
           ARRAY(
               SELECT pa.attname::text
               FROM pg_index i
               JOIN pg_attribute pa ON pa.attrelid = i.indrelid AND pa.attnum = ANY(i.indkey)
               WHERE i.indrelid = c.oid AND i.indisprimary
               ORDER BY array_position(i.indkey::int2[], pa.attnum)
           ) AS primary_key"""

_REFERENCES = text(
    f"""
    SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
           {_PRIMARY_KEY}
    FROM pg_constraint con
    JOIN pg_class c ON c.oid = con.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1]
    WHERE con.contype = 'f'
      AND con.confrelid = CAST(:target AS regclass)
      AND cardinality(con.conkey) = 1
    ORDER BY 1, 2, 3
    """  # noqa: S608
)

# Lists of ids cannot have a foreign key: an integer array column named for the merged
# record (``contact_ids``) in any table is a reference too (a visit's contacts).
_ARRAY_REFERENCES = text(
    f"""
    SELECT n.nspname AS schema_name, c.relname AS table_name, a.attname AS column_name,
           {_PRIMARY_KEY}
    FROM pg_attribute a
    JOIN pg_class c ON c.oid = a.attrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p')
      AND a.attnum > 0 AND NOT a.attisdropped
      AND a.attname = :column
      AND a.atttypid IN (CAST('int4[]' AS regtype), CAST('int8[]' AS regtype))
      AND n.nspname NOT IN ('pg_catalog', 'information_schema')
    ORDER BY 1, 2, 3
    """  # noqa: S608
)


def _quoted(name: str) -> str:
    """An identifier from the catalogue, quoted (the statements below are built from
    catalogue names, never from input)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class Reference:
    """A column holding a merged record's id, with its table's primary key columns."""

    schema: str
    table: str
    column: str
    primary_key: tuple[str, ...]
    array: bool = False

    @property
    def key(self) -> str:
        return f"{self.schema}.{self.table}.{self.column}"

    @property
    def qualified_table(self) -> str:
        return f"{_quoted(self.schema)}.{_quoted(self.table)}"

    @property
    def row_key(self) -> str:
        return self.key_of("")

    def key_of(self, alias: str) -> str:
        """The row's primary key as a JSON array (columns of ``alias``, when given)."""
        prefix = f"{_quoted(alias)}." if alias else ""
        return "jsonb_build_array(" + ", ".join(prefix + _quoted(c) for c in self.primary_key) + ")"


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

    async def references(
        self, target: str = ACCOUNTS, array_column: str | None = None
    ) -> list[Reference]:
        """Every single-column foreign key onto ``target`` (a schema-qualified table), and
        every integer array column named ``array_column`` (lists of its ids)."""
        rows = (await self._execute(_REFERENCES, {"target": target})).all()
        found = [Reference(r[0], r[1], r[2], tuple(r[3])) for r in rows]
        if array_column:
            listed = (await self._execute(_ARRAY_REFERENCES, {"column": array_column})).all()
            found += [Reference(r[0], r[1], r[2], tuple(r[3]), array=True) for r in listed]
        return found

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

    async def lock_contact(self, contact_id: int) -> Contact | None:
        query = select(Contact).where(col(Contact.id) == contact_id).with_for_update()
        return (await self.session.exec(query)).first()

    async def row_of(self, target: str, record_id: int) -> dict[str, Any]:
        """The record's row of ``target`` as JSON (every column, including ones added
        later)."""
        result = await self._execute(
            text(f"SELECT to_jsonb(r) FROM {target} r WHERE r.id = :id"),  # noqa: S608
            {"id": record_id},
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

    async def move_apart(
        self, reference: Reference, source: int, target: int
    ) -> tuple[list[list[Any]], list[dict[str, Any]]]:
        """Like :meth:`move`, but a row that would clash with one ``target`` holds already
        (a unique constraint: the same account linked to both contacts) is deleted instead,
        and returned whole (for an undo to insert again): the target's row is kept. One
        statement when nothing clashes, else row by row, each under its own savepoint."""
        try:
            async with self.session.begin_nested():
                return await self.move(reference, source, target), []
        except IntegrityError as exc:
            if _sqlstate(exc) != UNIQUE_VIOLATION:
                raise
        where = (
            f"{_quoted(reference.column)} = :source AND {reference.row_key} = CAST(:key AS jsonb)"
        )
        moved: list[list[Any]] = []
        set_aside: list[dict[str, Any]] = []
        listed = text(
            f"SELECT {reference.row_key} FROM {reference.qualified_table} "  # noqa: S608
            f"WHERE {_quoted(reference.column)} = :source ORDER BY 1"
        )
        for (key,) in (await self._execute(listed, {"source": source})).all():
            params = {"source": source, "target": target, "key": json.dumps(key)}
            try:
                async with self.session.begin_nested():
                    update = text(
                        f"UPDATE {reference.qualified_table} "  # noqa: S608
                        f"SET {_quoted(reference.column)} = :target WHERE {where} "
                        f"RETURNING {reference.row_key}"
                    )
                    moved.extend(list(r[0]) for r in (await self._execute(update, params)).all())
                    continue
            except IntegrityError as exc:
                if _sqlstate(exc) != UNIQUE_VIOLATION:
                    raise
            delete = text(
                f"DELETE FROM {reference.qualified_table} AS r WHERE {where} "  # noqa: S608
                "RETURNING to_jsonb(r)"
            )
            set_aside.extend(r[0] for r in (await self._execute(delete, params)).all())
        return moved, set_aside

    async def lists_holding(
        self, reference: Reference, record_id: int
    ) -> list[tuple[list[Any], list[int]]]:
        """The rows (locked) whose array ``reference`` holds ``record_id``: key, array."""
        statement = text(
            f"SELECT {reference.row_key}, {_quoted(reference.column)} "  # noqa: S608
            f"FROM {reference.qualified_table} "
            f"WHERE :id = ANY({_quoted(reference.column)}) ORDER BY 1 FOR UPDATE"
        )
        rows = (await self._execute(statement, {"id": record_id})).all()
        return [(list(row[0]), list(row[1])) for row in rows]

    async def set_list(self, reference: Reference, key: list[Any], ids: list[int]) -> None:
        statement = text(
            f"UPDATE {reference.qualified_table} SET {_quoted(reference.column)} = :ids "  # noqa: S608
            f"WHERE {reference.row_key} = CAST(:key AS jsonb)"
        )
        await self._execute(statement, {"ids": ids, "key": json.dumps(key)})

    async def move_back_in_arrays(self, reference: Reference, changes: list[list[Any]]) -> int:
        """Put back the arrays a merge changed (``[key, before, after]`` each), where they
        are still as it left them (a list edited since stays as it is)."""
        if not changes:
            return 0
        column = _quoted(reference.column)
        statement = text(
            f"UPDATE {reference.qualified_table} AS t SET {column} = ARRAY("  # noqa: S608
            "SELECT CAST(v AS bigint) FROM jsonb_array_elements_text(e.value -> 1) AS v) "
            "FROM jsonb_array_elements(:changes) AS e "
            f"WHERE {reference.key_of('t')} = e.value -> 0 "
            f"AND to_jsonb(t.{column}) = e.value -> 2"
        ).bindparams(bindparam("changes", type_=JSONB))
        result = await self._execute(statement, {"changes": changes})
        return int(result.rowcount)

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

    async def delete_record(self, target: str, record: Account | Contact) -> None:
        """Delete the merged loser's row of ``target``."""
        self.session.expunge(record)
        await self._execute(
            text(f"DELETE FROM {target} WHERE id = :id"),  # noqa: S608
            {"id": record.id},
        )

    async def reinsert(self, table: str, row: dict[str, Any]) -> None:
        """Insert ``row`` (as read with ``to_jsonb``) into ``table`` again, ids and all."""
        await self._execute(
            text(
                f"INSERT INTO {table} SELECT * FROM "  # noqa: S608
                f"jsonb_populate_record(NULL::{table}, CAST(:row AS jsonb))"
            ),
            {"row": json.dumps(row)},
        )

    async def count_references(self, reference: Reference, record_id: int) -> int:
        held = (
            f":id = ANY({_quoted(reference.column)})"
            if reference.array
            else (f"{_quoted(reference.column)} = :id")
        )
        statement = text(
            f"SELECT count(*) FROM {reference.qualified_table} WHERE {held}"  # noqa: S608
        )
        return int((await self._execute(statement, {"id": record_id})).scalar() or 0)

    def add(self, merge: MergeRecord) -> None:
        self.session.add(merge)

    async def flush(self) -> None:
        await self.session.flush()

    async def get_merge(
        self, kind: type[Merge], merge_id: int, *, for_update: bool = False
    ) -> Merge | None:
        query = select(kind).where(col(kind.id) == merge_id)
        if for_update:
            query = query.with_for_update()
        return (await self.session.exec(query)).first()

    async def merged_into(
        self, kind: type[AccountMerge] | type[ContactMerge], record_id: int
    ) -> int | None:
        """The survivor a record was merged into (following later merges), or None."""
        current, hops = record_id, 0
        while hops < 20:
            query = (
                select(col(kind.survivor_id))
                .where(col(kind.loser_id) == current, col(kind.undone_at).is_(None))
                .order_by(col(kind.id).desc())
                .limit(1)
            )
            survivor = (await self.session.exec(query)).first()
            if survivor is None:
                return None if current == record_id else current
            current, hops = survivor, hops + 1
        return current


def _sqlstate(exc: IntegrityError) -> str | None:
    cause = getattr(exc.orig, "__cause__", None)
    return getattr(cause, "sqlstate", None) or getattr(exc.orig, "sqlstate", None)
