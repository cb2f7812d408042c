"""The 销售机会报表 as an XLSX workbook: the opportunities, then the forecast per owner.
No database here; text is always written as text (never a formula)."""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from services.clients.pipeline.schemas import ForecastRow, OpportunityReport, ReportLine
from shared.sheet_language import SheetLanguage

LINE_COLUMNS = (
    ("id", "编号"), ("account_name", "客户名称"), ("name", "机会名称"), ("owner_name", "负责人"),
    ("stage_name", "阶段"), ("status", "状态"), ("probability", "赢率(%)"), ("amount", "金额"),
    ("currency", "币种"), ("amount_base", "本位币金额"), ("weighted_base", "加权金额"),
    ("expected_close_month", "预计成交月份"), ("days_in_stage", "停留天数"),
)  # fmt: skip
FORECAST_COLUMNS = (
    ("group_name", "负责人"), ("month", "月份"), ("open_count", "在途机会数"),
    ("pipeline", "管道金额"), ("weighted", "加权金额"), ("best_case", "乐观预测"),
    ("commit", "承诺预测"), ("won_count", "赢单数"), ("won", "赢单金额"),
    ("lost_count", "输单数"), ("win_rate", "赢单率"), ("target", "销售目标"),
    ("attainment", "目标达成率"), ("coverage", "管道覆盖率"),
)  # fmt: skip
STATUS_LABELS = {"open": "跟进中", "won": "赢单", "lost": "输单"}


def _cell(sheet: Any, value: Any) -> Any:
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str):
        cell.data_type = "s"  # never a formula
    elif isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        cell.number_format = "0." + "0" * places if places else "0"
    return cell


def _line_values(line: ReportLine, lang: SheetLanguage) -> dict[str, Any]:
    chinese = lang is SheetLanguage.ZH_CN
    return {
        **line.model_dump(exclude={"amount", "amount_base", "weighted_base"}),
        "account_name": line.account_name if chinese else line.account_id,
        "owner_name": (line.owner_name or line.owner_id) if chinese else line.owner_id,
        "stage_name": line.stage_name if chinese else line.stage_code,
        "status": STATUS_LABELS.get(line.status, line.status) if chinese else line.status,
        "amount": line.amount.amount,
        "currency": line.amount.currency,
        "amount_base": line.amount_base.amount if line.amount_base else None,
        "weighted_base": line.weighted_base.amount if line.weighted_base else None,
    }


def _forecast_values(row: ForecastRow, lang: SheetLanguage) -> dict[str, Any]:
    values = row.model_dump()
    for key in ("pipeline", "weighted", "best_case", "commit", "won", "target"):
        money = getattr(row, key)
        values[key] = None if money is None else money.amount
    if lang is SheetLanguage.EN or row.group_name is None:
        values["group_name"] = row.group_id if row.group_id is not None else ""
    return values


def _header(columns: Sequence[tuple[str, str]], lang: SheetLanguage) -> list[str]:
    return [title if lang is SheetLanguage.ZH_CN else code for code, title in columns]


def report_xlsx(report: OpportunityReport, lang: SheetLanguage) -> Iterator[bytes]:
    """The workbook's bytes, in 64 KiB chunks."""
    workbook = Workbook(write_only=True)
    lines = workbook.create_sheet(
        "销售机会报表" if lang is SheetLanguage.ZH_CN else "opportunities"
    )
    lines.append([_cell(lines, title) for title in _header(LINE_COLUMNS, lang)])
    for line in report.lines:
        values = _line_values(line, lang)
        lines.append([_cell(lines, values[code]) for code, _ in LINE_COLUMNS])
    forecast = workbook.create_sheet("销售预测" if lang is SheetLanguage.ZH_CN else "forecast")
    forecast.append([_cell(forecast, title) for title in _header(FORECAST_COLUMNS, lang)])
    for row in report.forecast.rows:
        values = _forecast_values(row, lang)
        forecast.append([_cell(forecast, values[code]) for code, _ in FORECAST_COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    while chunk := buffer.read(64 * 1024):
        yield chunk
