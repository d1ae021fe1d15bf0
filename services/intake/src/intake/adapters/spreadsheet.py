"""The import spreadsheet (openpyxl and csv): the template people fill in, and reading a file.

The template (:func:`template_xlsx`, :func:`template_csv`) is written from the columns of
:mod:`intake.domain.import_rows`: Chinese headers, an example row, a sheet of instructions.
:func:`read_table` reads an .xlsx or .csv file into the rows the bulk import checks; a file that
cannot be read at all is refused whole (:func:`unreadable`, HTTP 422) before any row is looked at.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from functools import cache
from typing import Any, Literal

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from intake.application.bulk_import import ParsedFile
from intake.domain.import_rows import (
    ACHIEVEMENT_TYPE_NAMES,
    COLUMNS,
    EXAMPLE,
    HEADERS,
    SheetRow,
    fold,
)
from ztc_shared.contracts.taxonomy import FIELD_NAMES
from ztc_shared.domain import DomainError

# Rows of one file, at most; a bigger file is refused whole, before anything is imported.
MAX_ROWS = 5000
# Bytes of one upload, at most (a full 5000-row sheet with long abstracts stays well below).
MAX_BYTES = 20 * 1024 * 1024

DATA_SHEET = "成果信息"
HELP_SHEET = "填写说明"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"


# ── the template ────────────────────────────────────────────────────────────────────────────────


def _example_cell(key: str) -> str | int:
    value = EXAMPLE[key]
    return int(value) if key in ("trl", "asking_price_wan") else value


@cache
def template_xlsx() -> bytes:
    """The .xlsx template: headers and an example row on 成果信息, every column explained on 填写说明.

    Required headers are shaded darker; 所属领域, 成果类型 and 技术就绪度 offer drop-down lists so
    that most mistakes cannot be typed in the first place.
    """
    book = Workbook()
    sheet = book.active
    sheet.title = DATA_SHEET
    required = PatternFill("solid", fgColor="F4B183")
    optional = PatternFill("solid", fgColor="DDEBF7")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.zh)
        cell.font = Font(bold=True)
        cell.fill = required if column.required else optional
        cell.alignment = Alignment(horizontal="center", vertical="center")
        sheet.cell(row=2, column=index, value=_example_cell(column.key))
        width = 40 if column.key in ("abstract", "ip_items") else max(12, len(column.zh) * 2 + 4)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"

    def dropdown(key: str, options: Sequence[str]) -> None:
        letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(options) + '"',
            allow_blank=True,
            showErrorMessage=False,
        )
        sheet.add_data_validation(validation)
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")

    dropdown("field", [n["zh"] for n in FIELD_NAMES.values()])
    dropdown("achievement_type", list(ACHIEVEMENT_TYPE_NAMES.values()))
    dropdown("trl", [str(n) for n in range(1, 10)])

    help_sheet = book.create_sheet(HELP_SHEET)
    notes = (
        "填写说明 Instructions",
        "1. 第一行为表头，请勿修改；每行填写一项国家科技计划成果，第二行为示例，请覆盖或删除"
        "（与示例完全相同的行不会导入）。",
        f"2. 深色表头为必填列；单次最多导入 {MAX_ROWS} 行，也可另存为 CSV（UTF-8）后导入。",
        "3. 所属领域、细分领域、成果类型、转化方式、知识产权状态可填中文名称，也可填括号中的代码。",
        "4. 同一计划名称和项目编号（未填项目编号时为整行内容）只导入一次；再次导入同一文件不会重复创建，"
        "已导入的成果不会被文件中的新内容覆盖，请在系统中修改。",
        "5. 有误的行不会导入，导入结果会逐行列出原因；改正后重新导入整个文件即可。",
        "One result per row; dark headers are required; Chinese names or the codes in brackets are "
        "accepted; re-importing a file creates nothing twice; bad rows are listed with the reasons.",
    )
    for index, note in enumerate(notes, start=1):
        help_sheet.cell(row=index, column=1, value=note).font = Font(bold=index == 1)
    top = len(notes) + 2
    titles = ("列名", "是否必填", "填写要求", "可选值（中文名称或代码）", "示例", "English")
    for index, title in enumerate(titles, start=1):
        help_sheet.cell(row=top, column=index, value=title).font = Font(bold=True)
    for offset, column in enumerate(COLUMNS, start=1):
        values = (
            column.zh,
            "必填" if column.required else "选填",
            column.help_zh,
            column.allowed_zh,
            EXAMPLE[column.key],
            f"{column.en}{' (required)' if column.required else ''}: {column.help_en}",
        )
        for index, value in enumerate(values, start=1):
            cell = help_sheet.cell(row=top + offset, column=index, value=value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (18, 10, 50, 60, 30, 60), strict=True):
        help_sheet.column_dimensions[letter].width = width

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@cache
def template_csv() -> bytes:
    """The .csv template: UTF-8 with a byte-order mark, without which Excel shows the Chinese garbled."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADERS)
    writer.writerow([EXAMPLE[c.key] for c in COLUMNS])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# ── reading a file ──────────────────────────────────────────────────────────────────────────────


def unreadable(reason_zh: str, reason_en: str) -> DomainError:
    return DomainError(
        "import_file_unreadable",
        f"无法读取导入文件：{reason_zh}",
        f"The import file cannot be read: {reason_en}",
    )


def _header_key(text: str) -> str:
    folded = re.sub(r"\s+", "", fold(text)).strip("*")
    return folded.removesuffix("(必填)").removesuffix("(选填)").lower()


_HEADER_KEYS: dict[str, str] = {
    alias: column.key
    for column in COLUMNS
    for alias in (_header_key(column.zh), _header_key(column.en), column.key)
}


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def read_table(data: bytes, filename: str | None = None) -> ParsedFile:
    """Read an .xlsx or .csv file (told apart by content first, then by name) into rows.

    Raises ``DomainError`` (HTTP 422) when the file cannot be read, has no header row with the
    required columns, or holds more than ``MAX_ROWS`` rows.
    """
    name = (filename or "").lower()
    if not data.strip():
        raise unreadable("文件为空", "the file is empty")
    if len(data) > MAX_BYTES:
        raise unreadable(
            f"文件超过 {MAX_BYTES // (1024 * 1024)} MB",
            f"it exceeds {MAX_BYTES // (1024 * 1024)} MB",
        )
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise unreadable(
            "不支持旧版 Excel（.xls）格式，请另存为 .xlsx 或 CSV 后导入",
            "the old Excel format (.xls) is not supported; save it as .xlsx or CSV",
        )
    if data.startswith(b"PK\x03\x04"):
        return _tabulate("xlsx", _xlsx_rows(data))
    if name.endswith((".xlsx", ".xlsm")):
        raise unreadable("文件不是有效的 .xlsx 文件", "it is not a valid .xlsx file")
    return _tabulate("csv", _csv_rows(data))


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise unreadable(
            "文件已损坏或不是 Excel 工作簿", f"it is damaged or not a workbook ({error})"
        ) from error
    try:
        sheet = book[DATA_SHEET] if DATA_SHEET in book.sheetnames else book.worksheets[0]
        for number, cells in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1):
            yield number, [_cell_text(v) for v in cells]
    except DomainError:
        raise
    except Exception as error:  # a damaged sheet fails only while it is read
        raise unreadable("工作表内容已损坏", f"a sheet is damaged ({error})") from error
    finally:
        book.close()


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    text: str | None = None
    # UTF-8 first (with or without BOM); Excel on Chinese Windows saves CSV as GBK (GB 18030).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise unreadable(
            "CSV 文件编码无法识别，请保存为 UTF-8 编码", "the CSV encoding is not UTF-8 or GB 18030"
        )
    if "\x00" in text:
        raise unreadable(
            "文件既不是 .xlsx 工作簿，也不是文本格式的 CSV",
            "it is neither an .xlsx workbook nor CSV text",
        )
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), 1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise unreadable(f"CSV 格式错误（{error}）", f"bad CSV ({error})") from error


def _tabulate(kind: Literal["xlsx", "csv"], lines: Iterable[tuple[int, list[str]]]) -> ParsedFile:
    header: dict[int, str] | None = None
    rows: list[SheetRow] = []
    warnings_zh: list[str] = []
    warnings_en: list[str] = []
    for number, cells in lines:
        if not any(cells):
            continue
        if header is None:
            header = _read_header(cells, warnings_zh, warnings_en)
            continue
        if len(rows) >= MAX_ROWS:
            raise DomainError(
                "import_too_many_rows",
                f"文件超过单次导入上限 {MAX_ROWS} 行，请拆分为多个文件后分别导入",
                f"The file has more than {MAX_ROWS} rows, the most one import takes; split it",
            )
        values = {column.key: "" for column in COLUMNS}
        for index, key in header.items():
            if index < len(cells):
                values[key] = cells[index]
        rows.append(SheetRow(number=number, values=values))
    if header is None:
        raise unreadable("文件中没有内容", "it holds no rows")
    return ParsedFile(kind, tuple(rows), tuple(warnings_zh), tuple(warnings_en))


def _read_header(
    cells: list[str], warnings_zh: list[str], warnings_en: list[str]
) -> dict[int, str]:
    header: dict[int, str] = {}
    unknown: list[str] = []
    for index, cell in enumerate(cells):
        if not cell:
            continue
        key = _HEADER_KEYS.get(_header_key(cell))
        if key is None:
            unknown.append(cell)
        elif key in header.values():
            raise unreadable(f"表头“{cell}”重复", f"the header {cell} appears twice")
        else:
            header[index] = key
    missing = [c for c in COLUMNS if c.required and c.key not in header.values()]
    if missing:
        raise unreadable(
            "第一行应为表头，缺少必填列："
            + "、".join(c.zh for c in missing)
            + "（请使用导入模板）",
            "the first row must be the header; missing required columns: "
            + ", ".join(f"{c.zh} ({c.en})" for c in missing),
        )
    if unknown:
        warnings_zh.append("以下列不在模板中，已忽略：" + "、".join(unknown))
        warnings_en.append("Columns not in the template were ignored: " + ", ".join(unknown))
    return header
