"""Account files: the columns, reading CSV/XLSX into rows, writing rows out.

No database here. An export is Chinese by default (the seeds' headers, labels for the
classifications and the status, the owner's name and 工号) or English by parameter
(column codes, enum codes, ids); an import reads either, and any mix of them, so an
exported file imports again as it is. A header the import does not know is refused, never
silently dropped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from openpyxl import Workbook, load_workbook

from shared.sheet_language import SheetLanguage

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
"""Columns of an English export, in order."""

ZH_EXPORT_COLUMNS = tuple(
    column
    for code in EXPORT_COLUMNS
    for column in (("owner_name", "owner_no") if code == "owner_id" else (code,))
)
"""Columns of a Chinese export: the owner as name and 工号 instead of an id."""

ZH_TITLES = {
    "id": "编号", "legal_name": "客户名称", "short_name": "客户简称",
    "credit_code": "统一社会信用代码", "industry": "行业", "region": "区域", "address": "地址",
    "source": "客户来源", "content_class": "内容分类", "trade_class": "交易分类",
    "status": "状态", "grade": "客户分级", "credit_score": "信用分数",
    "owner_name": "负责人", "owner_no": "负责人工号", "parent_id": "上级客户编号",
    "tags": "标签", "created_at": "创建时间", "updated_at": "更新时间",
}  # fmt: skip
"""The Chinese header of each column of a Chinese export."""

IMPORT_COLUMNS = (
    "legal_name", "short_name", "credit_code", "industry", "region", "address", "source",
    "content_class", "trade_class", "owner_id", "tags",
)  # fmt: skip
"""Columns an import reads into an account."""

OWNER_COLUMNS = ("owner_no", "owner_id", "owner_name")
"""The ways a row names its owner, the first given one counting: 工号, id, name."""
CLASSIFICATION = "classification"
"""客户分类: one cell holding the content class, the trade class or both."""

DUPLICATE_REASON = "duplicate_reason"
"""Why a row is another company although accounts with a name alike exist (重复原因)."""

KNOWN_COLUMNS = frozenset(
    {*EXPORT_COLUMNS, *ZH_EXPORT_COLUMNS, *OWNER_COLUMNS, CLASSIFICATION, DUPLICATE_REASON}
)
"""Every column an import accepts; those not read (id, grade, status, …) are an export's
own and ignored, anything else is refused."""

HEADER_ALIASES = {
    **{title: code for code, title in ZH_TITLES.items()},
    "法定名称": "legal_name", "单位名称": "legal_name", "简称": "short_name",
    "信用代码": "credit_code", "地区": "region", "来源": "source",
    "客户类型": "content_class", "客户分类": CLASSIFICATION,
    "客户经理": "owner_name", "工号": "owner_no", "员工工号": "owner_no",
    "负责人编号": "owner_id", "分级": "grade", "重复原因": DUPLICATE_REASON,
}  # fmt: skip

CONTENT_CLASS_LABELS = {
    "resource_public": "行政事业", "resource_enterprise": "企业类",
    "project_single": "单项目", "project_multi": "多项目",
}  # fmt: skip
TRADE_CLASS_LABELS = {"existing": "已有客户", "prospect": "潜在客户"}
STATUS_LABELS = {"active": "活跃", "dormant": "休眠", "lost": "流失", "archived": "已归档"}
_LABELS = {
    "content_class": CONTENT_CLASS_LABELS,
    "trade_class": TRADE_CLASS_LABELS,
    "status": STATUS_LABELS,
}


def _label_aliases(
    labels: Mapping[str, str], family: str, extra: Mapping[str, str]
) -> dict[str, str]:
    aliases = {code: code for code in labels}
    for code, label in labels.items():
        aliases[label] = code
        for form in (f"{family}{label}", f"{family}-{label}", f"{family}（{label}）"):
            aliases[form] = code
    return {**aliases, **extra}


VALUE_ALIASES: dict[str, dict[str, str]] = {
    "content_class": {
        **_label_aliases(
            {k: v for k, v in CONTENT_CLASS_LABELS.items() if k.startswith("resource")},
            "资源类",
            {"行政事业类": "resource_public", "企业": "resource_enterprise"},
        ),
        **_label_aliases(
            {k: v for k, v in CONTENT_CLASS_LABELS.items() if k.startswith("project")},
            "项目类",
            {"单项目类": "project_single", "多项目类": "project_multi"},
        ),
    },
    "trade_class": _label_aliases(
        TRADE_CLASS_LABELS, "", {"已有": "existing", "现有客户": "existing", "潜在": "prospect"}
    ),
}
"""The values an import accepts for each classification: codes, the Chinese labels and
their usual spellings (潜在, 资源类-企业类 …)."""

TAG_SEPARATORS = re.compile(r"[;；,，、|]")
CLASSIFICATION_SEPARATORS = re.compile(r"[;；,，、|/／]")

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


class UnknownColumns(FileUnreadable):
    """The header names columns an import does not know (listed as written)."""

    def __init__(self, headers: Sequence[str]) -> None:
        self.headers = list(headers)
        super().__init__(
            f"the header row has columns this import does not know: {', '.join(self.headers)}"
            " (remove them or use the export's headers)"
        )


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
    titles = [_cell_text(h) for h in header]
    columns = [column_for(title) for title in titles]
    unknown = [t for t, c in zip(titles, columns, strict=True) if c and c not in KNOWN_COLUMNS]
    if unknown:
        raise UnknownColumns(unknown)
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


def value_code(column: str, text: str) -> str:
    """The code of a classification cell (a code, a Chinese label or a usual spelling);
    text it does not know stays as it is, for validation to refuse."""
    return VALUE_ALIASES.get(column, {}).get(text.strip(), text)


def split_classification(text: str) -> tuple[dict[str, str], list[str]]:
    """A 客户分类 cell read into its axes (``content_class``/``trade_class`` → code) and the
    parts it does not know."""
    axes: dict[str, str] = {}
    unknown: list[str] = []
    for part in (p.strip() for p in CLASSIFICATION_SEPARATORS.split(text)):
        if not part:
            continue
        axis = next((a for a, aliases in VALUE_ALIASES.items() if part in aliases), None)
        if axis is None:
            unknown.append(part)
        else:
            axes[axis] = VALUE_ALIASES[axis][part]
    return axes, unknown


def export_columns(lang: SheetLanguage) -> tuple[str, ...]:
    return EXPORT_COLUMNS if lang is SheetLanguage.EN else ZH_EXPORT_COLUMNS


def export_header(lang: SheetLanguage) -> list[str]:
    """The header row of an export in ``lang``."""
    if lang is SheetLanguage.EN:
        return list(EXPORT_COLUMNS)
    return [ZH_TITLES[column] for column in ZH_EXPORT_COLUMNS]


def export_cells(
    record: dict[str, Any],
    lang: SheetLanguage = SheetLanguage.EN,
    owner: tuple[str, str | None] | None = None,
) -> list[Any]:
    """One account (its JSON form) as export cells in ``lang``'s column order; in Chinese
    ``owner`` is the owner's name and 工号 from the org copy (None: unknown there, the id
    is written as the name)."""
    values = dict(record)
    if lang is SheetLanguage.ZH_CN:
        name, number = owner or (str(record["owner_id"]), None)
        values.update(owner_name=name, owner_no=number)
        for column, labels in _LABELS.items():
            values[column] = labels.get(values[column], values[column])
    cells: list[Any] = []
    for column in export_columns(lang):
        value = values.get(column)
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


def csv_header(lang: SheetLanguage) -> bytes:
    """The header line, with a BOM so Excel opens the Chinese text as UTF-8."""
    return "\ufeff".encode() + csv_chunk([export_header(lang)])


class XlsxBuilder:
    """An XLSX workbook built row by row in write-only mode (rows are not kept in memory).

    An XLSX is a zip, complete only at the end: ``chunks`` yields it once assembled.
    """

    def __init__(self, lang: SheetLanguage) -> None:
        self._workbook = Workbook(write_only=True)
        self._sheet = self._workbook.create_sheet("客户档案")
        self._sheet.append(export_header(lang))

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
