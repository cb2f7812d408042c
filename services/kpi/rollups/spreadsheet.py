"""The cycle export as an XLSX workbook, built row by row in openpyxl's write-only mode.

No database here. Text is always written as text (a name starting with ``=`` never
becomes a formula); decimals stay numbers and show their places (``87.00``).
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(sheet: Any, value: Any) -> Any:
    if isinstance(value, str):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # never a formula
        return cell
    if isinstance(value, Decimal):
        cell = WriteOnlyCell(sheet, value=value)
        exponent = value.as_tuple().exponent
        places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        cell.number_format = "0." + "0" * places if places else "0"
        return cell
    return value


def xlsx_chunks(
    sheet_name: str,
    header: Sequence[str],
    rows: Iterable[Sequence[Any]],
    chunk_size: int = 64 * 1024,
) -> Iterator[bytes]:
    """The workbook's bytes: one sheet, the header, then ``rows`` (``None`` is an empty cell).

    An XLSX is a zip, complete only at the end: the rows are written without keeping them
    in memory, then the file is yielded in chunks.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_name)
    sheet.append([_cell(sheet, title) for title in header])
    for row in rows:
        sheet.append([_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    while chunk := buffer.read(chunk_size):
        yield chunk
