"""Import and export of accounts (客户档案导入导出). Never commits.

An import is validated completely before anything is written: one bad row and nothing is
imported, and every row's errors come back together. A good file is written in the
request's one transaction. Rows match existing accounts by credit code, else by legal
name, so importing the same file twice changes nothing the second time. A row may only
touch the caller's own accounts and name as owner someone the caller may assign; a row
whose credit code another manager's account (out of the caller's scope) holds opens an
ownership dispute for its owner instead (撞单, as creating the account does), reported
per row.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.access import may_assign, sees_owner
from services.clients.accounts.models import Account
from services.clients.accounts.repository import AccountRepository, sort_value
from services.clients.accounts.schemas import (
    AccountCreate,
    AccountFields,
    AccountQuery,
    AccountRead,
    AccountSort,
    ContentClass,
    EmployeeId,
    Name,
    TradeClass,
)
from services.clients.accounts.service import AccountService
from services.clients.accounts.spreadsheet import (
    CLASSIFICATION,
    DUPLICATE_REASON,
    IMPORT_COLUMNS,
    FileFormat,
    FileRow,
    FileUnreadable,
    UnknownColumns,
    XlsxBuilder,
    csv_chunk,
    csv_header,
    export_cells,
    read_rows,
    split_classification,
    split_tags,
    value_code,
)
from services.clients.audit.schemas import AuditEntity
from services.clients.audit.service import changed_fields, snapshot
from services.clients.org.repository import OrgRepository
from shared.errors import DisputeOpen, UnprocessableContent
from shared.sheet_language import SheetLanguage

MAX_IMPORT_ROWS = 5000
EXPORT_BATCH = 500


class AccountImportRow(AccountFields):
    """One row of an import file, after blank cells became None."""

    model_config = ConfigDict(extra="ignore")

    legal_name: Name
    content_class: ContentClass = ContentClass.PROJECT_SINGLE
    trade_class: TradeClass = TradeClass.PROSPECT
    owner_id: EmployeeId

    @field_validator("tags", mode="before")
    @classmethod
    def _split_tags(cls, value: object) -> object:
        return split_tags(value) if isinstance(value, str) else value


class ImportRowOutcome(StrEnum):
    """What became of a row that neither created nor updated an account."""

    DISPUTE_OPENED = "dispute_opened"


class ImportRowDispute(BaseModel):
    """A row whose credit code another manager's account (out of the caller's scope) holds:
    an ownership dispute was opened for the row's owner instead of a second account, as
    creating the account does (撞单). Nothing else of the row was applied."""

    row: int = Field(description="The row's number in the file (the header is row 1).")
    outcome: ImportRowOutcome = ImportRowOutcome.DISPUTE_OPENED
    ownership_dispute_id: int = Field(
        description="The dispute (GET /v1/clients/ownership-disputes/{id}); it names the "
        "account only to those who may see it."
    )


class ImportResult(BaseModel):
    """What an import did."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "rows": 121,
                    "created": 118,
                    "updated": 2,
                    "unchanged": 0,
                    "disputes": [
                        {"row": 7, "outcome": "dispute_opened", "ownership_dispute_id": 31}
                    ],
                }
            ]
        }
    )

    rows: int
    created: int
    updated: int
    unchanged: int = Field(description="Rows that matched an account and changed nothing.")
    disputes: list[ImportRowDispute] = Field(
        default_factory=list,
        description="Rows that opened an ownership dispute instead (撞单), in file order.",
    )


@dataclass
class _Checked:
    row: FileRow
    data: AccountImportRow
    match: Account | None = None
    duplicate_reason: str | None = None
    likely_duplicate: bool = False
    claim_on: Account | None = None  # 撞单: another manager's account holds the row's code


def _row_error(row: int, field: str, message: str, kind: str) -> dict[str, Any]:
    return {"loc": ["body", row, field], "msg": message, "type": kind}


def _out_of_scope(row: int, field: str) -> dict[str, Any]:
    """A row matching an account the caller may not write: that one exists, nothing more."""
    return _row_error(
        row,
        field,
        f"an account with this {field} already exists and is not one you may change",
        "exists_out_of_scope",
    )


class AccountImporter:
    """Validates a whole file, then creates or updates every row."""

    def __init__(self, accounts: AccountService) -> None:
        self.accounts = accounts
        self.repository: AccountRepository = accounts.repository

    async def _resolve_owners(self, rows: Sequence[FileRow], errors: list[dict[str, Any]]) -> None:
        """Each row's owner as an id in ``owner_id``, from the first of its 工号, id and name
        cells that is filled (a name must be one active employee's; digits are an id)."""
        numbers = {r.cells["owner_no"] for r in rows if r.cells.get("owner_no")}
        names = {
            r.cells["owner_name"]
            for r in rows
            if r.cells.get("owner_name") and not r.cells["owner_name"].isdigit()
        }
        org = OrgRepository(self.repository.session)
        by_number = await org.ids_by_number(numbers)
        by_name = await org.ids_by_name(names)
        for row in rows:
            number, name = row.cells.get("owner_no"), row.cells.get("owner_name")
            if number:
                if number in by_number:
                    row.cells["owner_id"] = str(by_number[number])
                else:
                    errors.append(
                        _row_error(
                            row.number,
                            "owner_no",
                            f"no employee has 工号 {number}",
                            "unknown_employee_no",
                        )
                    )
                    row.cells["owner_id"] = ""
            elif row.cells.get("owner_id") or not name:
                continue
            elif name.isdigit():
                row.cells["owner_id"] = name
            elif len(by_name.get(name, [])) == 1:
                row.cells["owner_id"] = str(by_name[name][0])
            else:
                found = len(by_name.get(name, []))
                message = (
                    f"{found} active employees are named {name}; give the 工号"
                    if found
                    else f"no active employee is named {name}"
                )
                errors.append(
                    _row_error(row.number, "owner_name", message, "unknown_employee_name")
                )
                row.cells["owner_id"] = ""

    def _parse(self, rows: Sequence[FileRow], errors: list[dict[str, Any]]) -> list[_Checked]:
        checked: list[_Checked] = []
        for row in rows:
            cells: dict[str, Any] = {
                k: (v if v != "" else None) for k, v in row.cells.items() if k in IMPORT_COLUMNS
            }
            if cells.get("tags") is None:
                cells["tags"] = []
            axes, unknown = split_classification(row.cells.get(CLASSIFICATION, ""))
            for part in unknown:
                errors.append(
                    _row_error(
                        row.number,
                        CLASSIFICATION,
                        f"{part} is no 客户分类",
                        "unknown_classification",
                    )
                )
            for key in ("content_class", "trade_class"):
                if cells.get(key) is None and key in axes:
                    cells[key] = axes[key]
                if cells.get(key) is None:
                    cells.pop(key, None)
                else:
                    cells[key] = value_code(key, cells[key])
            reason = row.cells.get(DUPLICATE_REASON, "").strip()[:500] or None
            try:
                checked.append(_Checked(row, AccountImportRow.model_validate(cells), None, reason))
            except ValidationError as exc:
                for error in exc.errors():
                    field = str(error["loc"][0]) if error["loc"] else "row"
                    errors.append(_row_error(row.number, field, error["msg"], error["type"]))
        return checked

    def _check_duplicates(self, rows: list[_Checked], errors: list[dict[str, Any]]) -> None:
        first_by_key: dict[str, int] = {}
        for item in rows:
            code = item.data.credit_code
            key, field = (
                (f"code:{code}", "credit_code")
                if code
                else (
                    f"name:{item.data.legal_name}",
                    "legal_name",
                )
            )
            if key in first_by_key:
                errors.append(
                    _row_error(
                        item.row.number,
                        field,
                        f"the same account as row {first_by_key[key]}",
                        "duplicate_row",
                    )
                )
            else:
                first_by_key[key] = item.row.number

    async def _check_owners(
        self, rows: list[_Checked], scope: Collection[int] | None, errors: list[dict[str, Any]]
    ) -> None:
        assignable = [r for r in rows if may_assign(scope, r.data.owner_id)]
        reasons = await self.accounts.org.inactive_reasons({r.data.owner_id for r in assignable})
        for item in rows:
            owner_id = item.data.owner_id
            if not may_assign(scope, owner_id):
                message = f"employee {owner_id} is not someone you may make an owner"
                errors.append(_row_error(item.row.number, "owner_id", message, "not_assignable"))
                continue
            reason = reasons.get(owner_id)
            if reason is not None:
                errors.append(
                    _row_error(
                        item.row.number,
                        "owner_id",
                        f"employee {owner_id} is "
                        f"{'not known in the organisation' if reason == 'unknown' else reason}",
                        "inactive_employee",
                    )
                )

    async def _match(
        self, rows: list[_Checked], scope: Collection[int] | None, errors: list[dict[str, Any]]
    ) -> None:
        """Match rows to existing accounts. A row may update only an account the caller may
        write; one matching another's account is refused saying only that it exists
        (DESIGN "Revealing": never its id, name, owner or credit code)."""
        codes = {r.data.credit_code for r in rows if r.data.credit_code}
        names = {r.data.legal_name for r in rows}
        existing = await self.repository.find_for_import(codes, names)
        by_code = {a.credit_code: a for a in existing if a.credit_code}
        by_name: dict[str, list[Account]] = {}
        for account in existing:
            by_name.setdefault(account.legal_name, []).append(account)
        for item in rows:
            code = item.data.credit_code
            if code and code in by_code:
                holder = by_code[code]
                if sees_owner(scope, holder.owner_id):
                    item.match = holder
                elif self.accounts.on_code_taken and holder.owner_id != item.data.owner_id:
                    item.claim_on = holder  # 撞单: a dispute, as creating it would open
                else:
                    errors.append(_out_of_scope(item.row.number, "credit_code"))
                continue
            namesakes = by_name.get(item.data.legal_name, [])
            if not namesakes:
                continue
            if len(namesakes) > 1:
                errors.append(
                    _row_error(
                        item.row.number,
                        "legal_name",
                        f"{len(namesakes)} accounts have this name; give the credit code",
                        "ambiguous_match",
                    )
                )
                continue
            [namesake] = namesakes
            if not sees_owner(scope, namesake.owner_id):
                errors.append(_out_of_scope(item.row.number, "legal_name"))
            elif code and namesake.credit_code and namesake.credit_code != code:
                errors.append(
                    _row_error(
                        item.row.number,
                        "credit_code",
                        f"account {namesake.id} has this name with credit code "
                        f"{namesake.credit_code}",
                        "conflicting_match",
                    )
                )
            else:
                item.match = namesake

    async def _check_likely_duplicates(
        self, rows: list[_Checked], scope: Collection[int] | None, errors: list[dict[str, Any]]
    ) -> None:
        """A row that would create an account whose name is alike an existing one's is
        refused (``possible_duplicate``) unless its ``duplicate_reason`` cell says why it
        is another company; accounts outside the caller's scope are only counted."""
        refused = {int(e["loc"][1]) for e in errors}
        for item in rows:
            if item.match is not None or item.claim_on is not None or item.row.number in refused:
                continue
            problem = await self.accounts.duplicates.row_problem(item.data.legal_name, scope)
            if problem is None:
                continue
            if item.duplicate_reason:
                item.likely_duplicate = True
            else:
                errors.append(
                    _row_error(item.row.number, "legal_name", problem, "possible_duplicate")
                )

    async def import_file(
        self,
        content: bytes,
        file_format: FileFormat,
        scope: Collection[int] | None,
        actor_employee_id: int | None,
    ) -> ImportResult:
        """Create and update accounts from a file; ``scope`` (from
        :func:`services.clients.access.account_scope`) bounds whose accounts a row may
        update and whom it may name as owner."""
        try:
            rows = read_rows(content, file_format)
        except UnknownColumns as exc:
            raise UnprocessableContent(str(exc), extra={"unknown_columns": exc.headers}) from exc
        except FileUnreadable as exc:
            raise UnprocessableContent(str(exc)) from exc
        if not rows:
            raise UnprocessableContent("the file has a header but no data rows")
        if len(rows) > MAX_IMPORT_ROWS:
            raise UnprocessableContent(
                f"the file has {len(rows)} rows; at most {MAX_IMPORT_ROWS} are imported at once"
            )
        errors: list[dict[str, Any]] = []
        await self._resolve_owners(rows, errors)
        checked = self._parse(rows, errors)
        self._check_duplicates(checked, errors)
        await self._check_owners(checked, scope, errors)
        await self._match(checked, scope, errors)
        await self._check_likely_duplicates(checked, scope, errors)
        if errors:
            bad_rows = sorted({int(e["loc"][1]) for e in errors})
            raise UnprocessableContent(
                f"{len(bad_rows)} of {len(rows)} rows are invalid; nothing was imported",
                extra={"errors": errors, "invalid_rows": bad_rows},
            )
        created = updated = unchanged = 0
        disputes = await self._claim(checked, actor_employee_id)
        for item in checked:
            if item.claim_on is not None:
                continue
            if item.match is None:
                account = await self.accounts.insert(
                    AccountCreate.model_validate(item.data.model_dump()), actor_employee_id
                )
                if item.likely_duplicate and item.duplicate_reason and account.id is not None:
                    self.accounts.duplicates.record_override(
                        account.id, account.legal_name, item.duplicate_reason, actor_employee_id
                    )
                created += 1
            elif await self._update(item.match, item.data, actor_employee_id):
                updated += 1
            else:
                unchanged += 1
        return ImportResult(
            rows=len(rows),
            created=created,
            updated=updated,
            unchanged=unchanged,
            disputes=disputes,
        )

    async def _claim(
        self, rows: list[_Checked], actor_employee_id: int | None
    ) -> list[ImportRowDispute]:
        """Open the rows' ownership disputes, first of all writes. A claim on an account
        that already has one pending is refused like any invalid row (the whole import
        with it; the request's transaction is rolled back): nothing is imported."""
        claim = self.accounts.on_code_taken
        opened: list[ImportRowDispute] = []
        errors: list[dict[str, Any]] = []
        for item in rows:
            if item.claim_on is None:
                continue
            assert claim is not None
            try:
                dispute = await claim(item.claim_on, item.data.owner_id, actor_employee_id)
            except DisputeOpen as exc:
                errors.append(
                    _row_error(
                        item.row.number,
                        "credit_code",
                        str(exc.detail),
                        "dispute_open",
                    )
                )
                continue
            opened.append(
                ImportRowDispute(row=item.row.number, ownership_dispute_id=dispute.record_id)
            )
        if errors:
            bad_rows = sorted({int(e["loc"][1]) for e in errors})
            raise UnprocessableContent(
                f"{len(bad_rows)} of {len(rows)} rows are invalid; nothing was imported",
                extra={"errors": errors, "invalid_rows": bad_rows},
            )
        return opened

    async def _update(
        self, account: Account, data: AccountImportRow, actor_employee_id: int | None
    ) -> bool:
        """Apply a row's descriptive fields; the owner moves only by transfer."""
        before = snapshot(account)
        values = data.model_dump(mode="json", exclude={"owner_id"})
        if account.credit_code and not data.credit_code:
            values.pop("credit_code")
        for field, value in values.items():
            setattr(account, field, value)
        old, new = changed_fields(before, snapshot(account))
        if not new:
            return False
        account.version += 1
        await self.repository.add(account)
        assert account.id is not None
        self.accounts.audit.record(
            entity=AuditEntity.ACCOUNT,
            entity_id=account.id,
            account_id=account.id,
            action="import",
            actor_employee_id=actor_employee_id,
            before=old,
            after=new,
        )
        return True


async def export_batches(
    factory: async_sessionmaker[AsyncSession],
    filters: AccountQuery,
    owner_ids: Collection[int] | None,
    sort: AccountSort,
    lang: SheetLanguage,
) -> AsyncIterator[list[list[Any]]]:
    """The accounts of a list, batch by batch, as export rows in ``lang``; its own session,
    because a streamed body is produced after the request's session has closed."""
    async with factory() as session:
        repository = AccountRepository(session)
        after: tuple[Any, int] | None = None
        while True:
            rows = await repository.list(
                filters, owner_ids=owner_ids, sort=sort, after=after, limit=EXPORT_BATCH
            )
            if not rows:
                return
            owners: dict[int, tuple[str, str | None]] = {}
            if lang is SheetLanguage.ZH_CN:
                owners = await OrgRepository(session).names({row.owner_id for row in rows})
            yield [
                export_cells(
                    AccountRead.model_validate(row).model_dump(mode="json"),
                    lang,
                    owners.get(row.owner_id),
                )
                for row in rows
            ]
            if len(rows) < EXPORT_BATCH:
                return
            last = rows[-1]
            assert last.id is not None
            after = (sort_value(last, sort), last.id)


async def export_stream(
    factory: async_sessionmaker[AsyncSession],
    filters: AccountQuery,
    owner_ids: Collection[int] | None,
    sort: AccountSort,
    file_format: FileFormat,
    lang: SheetLanguage,
) -> AsyncIterator[bytes]:
    """The export file, chunk by chunk."""
    batches = export_batches(factory, filters, owner_ids, sort, lang)
    if file_format is FileFormat.CSV:
        yield csv_header(lang)
        async for batch in batches:
            yield csv_chunk(batch)
        return
    builder = XlsxBuilder(lang)
    async for batch in batches:
        builder.append(batch)
    for chunk in builder.chunks():
        yield chunk
