"""Streaming CSV exports of the clients service's lists (visits, tickets, contracts …).

A streamed body is produced after the request's session has closed, so each export reads
with its own session from the app's session factory, batch by batch: ``fetch`` gets the
last row's id of the previous batch (None first) and pages on it in the list's own order.

In Chinese (the default, DESIGN "Spreadsheets and languages") the headers are the seeds'
Chinese titles and the account and people columns carry names (the account's legal name,
the person's name from the org copy) instead of ids; in English, column codes and ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from services.clients.accounts.repository import AccountRepository
from services.clients.accounts.spreadsheet import CSV_MEDIA_TYPE, csv_chunk
from services.clients.org.repository import OrgRepository
from shared.sheet_language import SheetLanguage

EXPORT_BATCH = 500
Fetch = Callable[[AsyncSession, int | None, int], Awaitable[Sequence[Any]]]
"""Reads one batch: ``(session, last id of the previous batch or None, batch size)``."""
Cells = Callable[[Any], Sequence[Any]]

CSV_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The CSV file.",
        "content": {CSV_MEDIA_TYPE: {"schema": {"type": "string"}}},
    }
}


ZH_HEADERS = {
    "id": "编号", "account_id": "客户名称", "owner_id": "负责人", "status": "状态",
    "created_at": "创建时间", "updated_at": "更新时间", "created_by": "创建人",
    "note": "备注", "kind": "类型", "channel": "渠道", "currency": "币种",
    # collection tasks (催收任务)
    "invoice_id": "发票编号", "invoice_line_id": "发票行编号", "line_no": "行号",
    "line_due_date": "到期日", "open_amount": "未收金额", "level": "催收级别",
    "days_overdue": "逾期天数", "escalated_to": "升级至", "triggered_on": "触发日期",
    "due_on": "应办日期", "closed_at": "关闭时间", "done_by": "办理人",
    # contracts (合同)
    "number": "合同编号", "title": "标题", "amount": "金额", "amount_base": "本位币金额",
    "base_currency": "本位币", "signed_on": "签订日期", "start_date": "开始日期",
    "end_date": "结束日期", "renewal_of_id": "续签自合同", "signed_by": "签订人",
    "terminated_on": "终止日期", "termination_reason": "终止原因",
    # surveys (满意度调查)
    "period": "期间", "score": "评分", "surveyed_on": "调查日期",
    "respondent_contact_id": "受访联系人编号", "comments": "意见",
    # tickets (工单)
    "category": "分类", "severity": "严重程度", "handler_id": "处理人",
    "grade_at_open": "受理时客户分级", "opened_at": "受理时间",
    "first_response_at": "首次响应时间", "respond_by": "响应时限", "resolve_by": "解决时限",
    "resolved_at": "解决时间", "reopen_count": "重开次数", "response_breached": "响应超时",
    "resolution_breached": "解决超时", "breached": "已超时", "escalated_at": "升级时间",
    "satisfaction_score": "满意度",
    # visits and the contact schedule (拜访 / 联络计划)
    "planned_on": "计划日期", "visited_on": "拜访日期", "visited_by": "拜访人",
    "contact_ids": "联系人编号", "contact_id": "联系人编号", "purpose": "目的",
    "outcome": "结果", "next_step": "下一步", "next_visit_on": "下次拜访日期",
    "source": "来源", "cancel_reason": "取消原因", "overdue": "已逾期", "done_on": "完成日期",
    # assessments (需求分析 / 关系评估)
    "assessed_on": "评估日期", "assessed_by": "评估人", "overall_score": "总分",
    "summary": "摘要",
}  # fmt: skip
"""The Chinese header of each export column (a column missing here keeps its code)."""

ACCOUNT_COLUMNS = frozenset({"account_id"})
"""Columns holding an account id: its legal name in Chinese exports."""
PERSON_COLUMNS = frozenset(
    {"owner_id", "handler_id", "escalated_to", "done_by", "signed_by", "created_by",
     "visited_by", "assessed_by"}
)  # fmt: skip
"""Columns holding an employee id: the person's name in Chinese exports."""


def header_row(columns: Sequence[str], lang: SheetLanguage) -> list[str]:
    """The header of an export in ``lang``."""
    if lang is SheetLanguage.EN:
        return list(columns)
    return [ZH_HEADERS.get(column, column) for column in columns]


@dataclass(frozen=True)
class NameBook:
    """Names of the accounts and people some export rows refer to."""

    accounts: dict[int, str]
    people: dict[int, str]


def _ids_in(
    columns: Sequence[str], rows: Sequence[Sequence[Any]], named: frozenset[str]
) -> set[int]:
    at = [i for i, column in enumerate(columns) if column in named]
    return {row[i] for row in rows for i in at if isinstance(row[i], int)}


async def name_book(
    session: AsyncSession, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> NameBook:
    """The names the rows' account and person columns refer to (one query each)."""
    accounts = await AccountRepository(session).legal_names(_ids_in(columns, rows, ACCOUNT_COLUMNS))
    people = await OrgRepository(session).names(_ids_in(columns, rows, PERSON_COLUMNS))
    return NameBook(accounts, {key: name for key, (name, _no) in people.items()})


def named_cells(columns: Sequence[str], cells: Sequence[Any], names: NameBook) -> list[Any]:
    """A row with account and person ids replaced by names (an unknown id stays an id)."""
    named: list[Any] = []
    for column, value in zip(columns, cells, strict=True):
        if isinstance(value, bool):
            named.append("是" if value else "否")
        elif isinstance(value, int) and column in ACCOUNT_COLUMNS:
            named.append(names.accounts.get(value, value))
        elif isinstance(value, int) and column in PERSON_COLUMNS:
            named.append(names.people.get(value, value))
        else:
            named.append(value)
    return named


def csv_cell(value: Any) -> Any:
    """One value as a CSV cell: lists joined with ';', dates in ISO form, None empty;
    amounts stay numbers (``csv_chunk`` neutralises text that would start a formula)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(csv_cell(item)) for item in value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    return value


def attribute_cells(columns: Sequence[str]) -> Cells:
    """Cells of a row read as the attributes named by ``columns``."""
    return lambda row: [getattr(row, column) for column in columns]


async def csv_stream(
    factory: async_sessionmaker[AsyncSession],
    columns: Sequence[str],
    fetch: Fetch,
    cells: Cells | None = None,
    lang: SheetLanguage = SheetLanguage.ZH_CN,
) -> AsyncIterator[bytes]:
    """The CSV file (UTF-8 with BOM so Excel reads the Chinese), chunk by chunk.

    Each row becomes ``cells(row)``; by default the attributes named by ``columns``; in
    Chinese with names for ids (:func:`named_cells`).
    """
    to_cells = cells or attribute_cells(columns)
    yield "\ufeff".encode() + csv_chunk([header_row(columns, lang)])
    async with factory() as session:
        last_id: int | None = None
        while True:
            rows = await fetch(session, last_id, EXPORT_BATCH)
            if not rows:
                return
            batch = [list(to_cells(row)) for row in rows]
            if lang is SheetLanguage.ZH_CN:
                names = await name_book(session, columns, batch)
                batch = [named_cells(columns, row, names) for row in batch]
            yield csv_chunk([[csv_cell(cell) for cell in row] for row in batch])
            if len(rows) < EXPORT_BATCH:
                return
            last_id = rows[-1].id
