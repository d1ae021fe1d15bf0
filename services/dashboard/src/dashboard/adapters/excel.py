"""The dashboard's tables as Excel workbooks (headers in Chinese and English)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font


def workbook(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    caption: str | None = None,
) -> bytes:
    """One sheet: the headers in bold, then the rows. With ``caption`` (an export as of a moment:
    "以下为 … 时的数据"), a first row says it, and the print header repeats it."""
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    if caption is not None:
        sheet.append([caption])
        sheet["A1"].font = Font(bold=True)
        sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=max(1, len(headers)))
        sheet.oddHeader.center.text = caption
        book.properties.title = caption
    sheet.append(list(headers))
    header_row = 2 if caption is not None else 1
    for cell in sheet[header_row]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(list(row))
    for column in sheet.iter_cols(min_row=header_row):
        width = max(len(str(c.value or "")) for c in column)
        sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, width * 1.6))
    sheet.freeze_panes = f"A{header_row + 1}"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
