"""Account files: the columns, reading CSV/XLSX into rows, writing rows out.

No database here. Files use the English column codes below as headers (an exported file
imports again as it is); the Chinese headers people type in Excel are accepted as well.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from openpyxl import Workbook, load_workbook

CSV_MEDIA_TYPE = "text/csv"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"

    @property
    def media_type(self) -> str:
        return CSV_MEDIA_TYPE if self is FileFormat.CSV else XLSX_MEDIA_TYPE


EXPORT_COLUMNS = (
    "id", "legal_name", "short_name", "credit_code", "industry", "region", "address",
    "source", "content_class", "trade_class", "status", "grade", "credit_score", "owner_id",
    "parent_id", "tags", "created_at", "updated_at",
)  # fmt: skip
"""Columns of an export, in order."""

IMPORT_COLUMNS = (
    "legal_name", "short_name", "credit_code", "industry", "region", "address", "source",
    "content_class", "trade_class", "owner_id", "tags",
)  # fmt: skip
"""Columns an import reads; any other column (id, grade, …) is ignored."""

HEADER_ALIASES = {
    "客户名称": "legal_name", "法定名称": "legal_name", "单位名称": "legal_name",
    "简称": "short_name", "客户简称": "short_name",
    "统一社会信用代码": "credit_code", "信用代码": "credit_code",
    "行业": "industry", "区域": "region", "地区": "region", "地址": "address",
    "来源": "source", "客户来源": "source",
    "内容分类": "content_class", "客户类型": "content_class",
    "交易分类": "trade_class",
    "负责人": "owner_id", "负责人工号": "owner_id", "客户经理": "owner_id",
    "标签": "tags",
}  # fmt: skip

TAG_SEPARATORS = re.compile(r"[;；,，、|]")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a cell as a formula (OWASP "CSV injection")."""
_ESCAPED_STARTS = (*FORMULA_STARTS, "'")


def neutralised_cell(value: Any) -> Any:
    """A value as a written cell: text that would start a formula gets a leading ``'``.

    Text already starting with ``'`` gets one too, so :func:`restored_cell` can strip
    exactly one and a round trip is lossless. Numbers (negative ones too) stay numbers.
    """
    if isinstance(value, str) and value.startswith(_ESCAPED_STARTS):
        return "'" + value
    return value


def restored_cell(text: str) -> str:
    """A read cell's text with the ``'`` that :func:`neutralised_cell` added removed."""
    if text.startswith("'") and text[1:].startswith(_ESCAPED_STARTS):
        return text[1:]
    return text


class FileUnreadable(ValueError):
    """The file is not a CSV or XLSX we can read; the message says why."""


@dataclass(frozen=True)
class FileRow:
    """One data row: its number as a spreadsheet shows it (header = 1) and its cells."""

    number: int
    cells: dict[str, str]


def column_for(header: str) -> str:
    """The column code a header names (case and surrounding spaces ignored)."""
    text = header.strip().lstrip("\ufeff")
    return HEADER_ALIASES.get(text, text.lower())


def split_tags(text: str) -> list[str]:
    """Tags from one cell, separated by ; , 、 or | (full-width too), blanks dropped."""
    return [tag.strip() for tag in TAG_SEPARATORS.split(text) if tag.strip()]


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    return restored_cell(str(value).strip())


def _rows(header: Sequence[Any], body: Iterable[Sequence[Any]]) -> list[FileRow]:
    columns = [column_for(_cell_text(h)) for h in header]
    if "legal_name" not in columns:
        raise FileUnreadable("the header row has no legal_name (客户名称) column")
    duplicates = sorted({c for c in columns if c and columns.count(c) > 1})
    if duplicates:
        raise FileUnreadable(f"the header row repeats the columns {', '.join(duplicates)}")
    rows = []
    for offset, values in enumerate(body, start=2):
        cells = {
            column: _cell_text(value)
            for column, value in zip(columns, values, strict=False)
            if column
        }
        if nul := next((column for column, text in cells.items() if "\x00" in text), None):
            raise FileUnreadable(f"row {offset}, column {nul}: text must not contain NUL")
        if any(cells.values()):
            rows.append(FileRow(number=offset, cells=cells))
    return rows


def read_csv(content: bytes) -> list[FileRow]:
    """Rows of a CSV file in UTF-8 (with or without BOM) or GB18030 (Chinese Excel)."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise FileUnreadable("the CSV file is neither UTF-8 nor GB18030 text")
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise FileUnreadable(f"the CSV file is malformed: {exc}") from exc
    if not records:
        raise FileUnreadable("the file is empty")
    return _rows(records[0], records[1:])


def read_xlsx(content: bytes) -> list[FileRow]:
    """Rows of the first sheet of an XLSX workbook (values, not formulas)."""
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken zip/xml
        raise FileUnreadable(f"the file is not a readable XLSX workbook: {exc}") from exc
    try:
        sheet = workbook.worksheets[0]
        values = list(sheet.iter_rows(values_only=True))
    finally:
        workbook.close()
    if not values:
        raise FileUnreadable("the first sheet is empty")
    return _rows(values[0], values[1:])


def read_rows(content: bytes, file_format: FileFormat) -> list[FileRow]:
    """Rows of an uploaded file."""
    return read_csv(content) if file_format is FileFormat.CSV else read_xlsx(content)


def export_cells(record: dict[str, Any]) -> list[Any]:
    """One account as export cells, in ``EXPORT_COLUMNS`` order."""
    cells: list[Any] = []
    for column in EXPORT_COLUMNS:
        value = record.get(column)
        if column == "tags":
            value = ";".join(value or [])
        elif isinstance(value, datetime):
            value = value.isoformat()
        cells.append("" if value is None else value)
    return cells


def csv_chunk(rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV lines for some rows, every cell neutralised (:func:`neutralised_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralised_cell(cell) for cell in row] for row in rows)
    return buffer.getvalue().encode("utf-8")


def csv_header() -> bytes:
    """The header line, with a BOM so Excel opens the Chinese text as UTF-8."""
    return "\ufeff".encode() + csv_chunk([EXPORT_COLUMNS])


class XlsxBuilder:
    """An XLSX workbook built row by row in write-only mode (rows are not kept in memory).

    An XLSX is a zip, complete only at the end: ``chunks`` yields it once assembled.
    """

    def __init__(self) -> None:
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet("客户档案")
        self._sheet.append(list(EXPORT_COLUMNS))

    def append(self, rows: Iterable[Sequence[Any]]) -> None:
        """Add rows; text is never a formula (:func:`neutralised_cell`), numbers stay
        numbers."""
        for row in rows:
            self._sheet.append([neutralised_cell(cell) for cell in row])

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        buffer = io.BytesIO()
        self._workbook.save(buffer)
        buffer.seek(0)
        while chunk := buffer.read(size):
            yield chunk
