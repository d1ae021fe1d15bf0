"""Bulk import of national-programme results (国家科技计划成果批量导入) from .xlsx and .csv.

Provinces and the Torch Center receive the results of national programmes as spreadsheets, hundreds
or thousands of rows at a time. This module owns everything about those files: the template people
fill in (Chinese headers, an example row, a sheet of instructions), reading .xlsx or .csv, checking
every row and saying in Chinese (and English) what is wrong with each bad one, and importing the good
ones through intake's own command handlers, so that the aggregate's rules apply exactly as they do to
an achievement drafted by hand.

Importing the same file twice must not create anything twice. Each row therefore gets a deterministic
stream id: a UUIDv5 of the programme and project number when the project number is given, otherwise of
the row's normalised content. A second import finds the stream and counts the row as already imported;
a row drafted but not yet submitted (the first import stopped between the two) is submitted then.
"""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from functools import cache
from typing import Any, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from intake.domain.commands import DraftAchievement, SubmitAchievement
from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.contracts.intake import (
    AchievementType,
    Channel,
    IpStatus,
    TransferMode,
)
from ztc_shared.contracts.taxonomy import FIELD_NAMES, SUB_FIELDS, IndustryField
from ztc_shared.domain import DomainError, Forbidden, StateConflict
from ztc_shared.eventstore.ports import ConcurrencyConflict

# Rows of one file, at most; a bigger file is refused whole, before anything is imported.
MAX_ROWS = 5000
# Bytes of one upload, at most (a full 5000-row sheet with long abstracts stays well below).
MAX_BYTES = 20 * 1024 * 1024
# Rows imported at the same time: enough to share the event store's round trips (group commit),
# few enough not to crowd out the requests of people working in the platform meanwhile.
CONCURRENCY = 16
# Fixed forever: changing it would make every earlier import look new.
IMPORT_NAMESPACE = uuid.UUID("629c058c-500e-4ea1-ad89-1922f9f78967")

DATA_SHEET = "成果信息"
HELP_SHEET = "填写说明"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"

ACHIEVEMENT_TYPE_NAMES: dict[AchievementType, str] = {
    AchievementType.PATENT: "专利",
    AchievementType.SOFTWARE_COPYRIGHT: "软件著作权",
    AchievementType.PLANT_VARIETY: "植物新品种",
    AchievementType.IC_LAYOUT: "集成电路布图设计",
    AchievementType.KNOW_HOW: "技术秘密",
    AchievementType.OTHER: "其他",
}
TRANSFER_MODE_NAMES: dict[TransferMode, str] = {
    TransferMode.TRANSFER: "技术转让",
    TransferMode.LICENSE: "技术许可",
    TransferMode.EQUITY: "作价入股",
    TransferMode.JOINT_DEVELOPMENT: "合作开发",
    TransferMode.TECHNICAL_SERVICE: "技术服务",
}
IP_STATUS_NAMES: dict[IpStatus, str] = {
    IpStatus.APPLIED: "申请中",
    IpStatus.GRANTED: "已授权",
    IpStatus.LAPSED: "已失效",
}
# What people actually write in these columns besides the official names.
_ALIASES: dict[str, str] = {
    "发明专利": "patent",
    "实用新型": "patent",
    "实用新型专利": "patent",
    "外观设计": "patent",
    "外观设计专利": "patent",
    "软著": "software_copyright",
    "计算机软件著作权": "software_copyright",
    "布图设计": "ic_layout",
    "转让": "transfer",
    "许可": "license",
    "许可使用": "license",
    "入股": "equity",
    "技术入股": "equity",
    "合作": "joint_development",
    "联合开发": "joint_development",
    "授权": "granted",
    "已授予": "granted",
    "有效": "granted",
    "在审": "applied",
    "审查中": "applied",
    "已受理": "applied",
    "失效": "lapsed",
}
_NEGOTIABLE = frozenset({"面议", "待定", "协商", "议价"})
_IP_KINDS = frozenset(
    {
        AchievementType.PATENT,
        AchievementType.SOFTWARE_COPYRIGHT,
        AchievementType.PLANT_VARIETY,
        AchievementType.IC_LAYOUT,
    }
)

_LIST_SEPARATORS = re.compile(r"[、,，;；\n]+")
_MODE_SEPARATORS = re.compile(r"[、,，;；/／\n]+")
_IP_SEPARATORS = re.compile(r"[;；\n]+")
_IP_PARTS = re.compile(r"[:：]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")

E = TypeVar("E", bound=StrEnum)


def _allowed(names: Mapping[Any, str]) -> str:
    return "、".join(f"{zh}（{code}）" for code, zh in names.items())


@dataclass(frozen=True)
class Column:
    """One column of the template: its Chinese header, what it means and what it accepts."""

    key: str
    zh: str
    en: str
    required: bool
    help_zh: str
    help_en: str
    allowed_zh: str = ""


def _sub_field_help() -> str:
    return "\n".join(
        f"{FIELD_NAMES[f]['zh']}：" + "、".join(f"{zh}（{code}）" for code, zh in subs.items())
        for f, subs in SUB_FIELDS.items()
    )


COLUMNS: tuple[Column, ...] = (
    Column("title", "成果名称", "Title", True, "2–200 个字", "2–200 characters"),
    Column("abstract", "成果简介", "Abstract", True, "10–5000 个字", "10–5000 characters"),
    Column(
        "field",
        "所属领域",
        "Field",
        True,
        "战略性新兴产业领域，填中文名称或代码",
        "A strategic emerging industry, by Chinese name or code",
        _allowed({f: n["zh"] for f, n in FIELD_NAMES.items()}),
    ),
    Column(
        "sub_field",
        "细分领域",
        "Sub-field",
        False,
        "须属于所填的所属领域，填中文名称或代码",
        "Must belong to the field; Chinese name or code",
        _sub_field_help(),
    ),
    Column(
        "keywords",
        "关键词",
        "Keywords",
        False,
        "最多 20 个，用顿号、逗号或分号分隔",
        "Up to 20, separated by 、 , or ;",
    ),
    Column(
        "trl",
        "技术就绪度",
        "TRL",
        True,
        "1 到 9 的整数（GB/T 22900）",
        "An integer from 1 to 9 (GB/T 22900)",
        "1、2、3、4、5、6、7、8、9",
    ),
    Column(
        "achievement_type",
        "成果类型",
        "Type",
        False,
        "不填时为“其他”",
        "Other when left empty",
        _allowed(ACHIEVEMENT_TYPE_NAMES),
    ),
    Column(
        "ip_items",
        "知识产权",
        "IP",
        False,
        "每项写成“编号:状态”，多项用分号分隔，如 ZL202310000001.X:已授权; CN202410000002.3:申请中；"
        "类型默认取成果类型（非专利、软件著作权、植物新品种、集成电路布图设计时按专利），"
        "也可写成“类型:编号:状态”",
        "Each item as number:status, items separated by ; — the kind is the row's type "
        "(a patent unless the type is an IP right), or write kind:number:status",
        "状态：" + _allowed(IP_STATUS_NAMES),
    ),
    Column(
        "transfer_modes",
        "转化方式",
        "Transfer modes",
        False,
        "可多选，用顿号、逗号、分号或斜杠分隔",
        "One or more, separated by 、 , ; or /",
        _allowed(TRANSFER_MODE_NAMES),
    ),
    Column(
        "asking_price_wan",
        "意向价格（万元）",
        "Asking price (10k CNY)",
        False,
        "以万元为单位的非负数，最多 4 位小数；可填“面议”或留空",
        "A non-negative number in 10,000 CNY, at most 4 decimals; “面议” or empty if negotiable",
    ),
    Column("holder_name", "成果持有人", "Holder", True, "最多 100 个字", "Up to 100 characters"),
    Column("institution", "所属单位", "Institution", True, "最多 200 个字", "Up to 200 characters"),
    Column(
        "contact_name",
        "联系人",
        "Contact",
        False,
        "填写联系电话或电子邮箱时必填",
        "Required when a phone or e-mail is given",
    ),
    Column("contact_phone", "联系电话", "Phone", False, "最多 30 个字符", "Up to 30 characters"),
    Column(
        "contact_email", "电子邮箱", "E-mail", False, "如 name@example.cn", "e.g. name@example.cn"
    ),
    Column(
        "programme",
        "计划名称",
        "Programme",
        False,
        "国家科技计划名称，如 国家重点研发计划；与项目编号同填或同空",
        "The national programme; give it together with the project number, or neither",
    ),
    Column(
        "project_number",
        "项目编号",
        "Project number",
        False,
        "计划项目的编号；同一计划下的同一编号只导入一次",
        "The project's number; one programme and number is imported once",
    ),
    Column(
        "application_scenarios",
        "应用场景",
        "Application scenarios",
        False,
        "最多 5000 个字",
        "Up to 5000 characters",
    ),
    Column(
        "market_prospects",
        "市场前景",
        "Market prospects",
        False,
        "最多 5000 个字",
        "Up to 5000 characters",
    ),
    Column(
        "competitor_comparison",
        "与同类技术比较",
        "Comparison with similar technologies",
        False,
        "与国内外同类技术的比较，最多 5000 个字",
        "Compared with similar technologies at home and abroad; up to 5000 characters",
    ),
)
HEADERS: tuple[str, ...] = tuple(c.zh for c in COLUMNS)
_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}

# The template's example row; a row identical to it is skipped, so that an unchanged template
# imports nothing.
EXAMPLE: dict[str, str] = {
    "title": "高比能固态锂电池电解质材料",
    "abstract": "硫化物固态电解质，室温离子电导率达 10 mS/cm，已完成百公斤级中试，可用于高安全动力电池。",
    "field": "新能源汽车",
    "sub_field": "动力电池",
    "keywords": "固态电池、硫化物电解质、动力电池",
    "trl": "6",
    "achievement_type": "专利",
    "ip_items": "ZL202310000001.X:已授权; CN202410000002.3:申请中",
    "transfer_modes": "技术许可、作价入股",
    "asking_price_wan": "500",
    "holder_name": "李四",
    "institution": "示例大学",
    "contact_name": "李四",
    "contact_phone": "020-12345678",
    "contact_email": "lisi@example.edu.cn",
    "programme": "国家重点研发计划",
    "project_number": "2023YFB0000000",
    "application_scenarios": "电动汽车动力电池、电化学储能电站",
    "market_prospects": "固态电池是下一代动力电池的主要方向，预计 2030 年市场规模超过千亿元。",
    "competitor_comparison": "离子电导率与国际先进水平相当，空气稳定性优于同类硫化物电解质。",
}


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
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

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


@dataclass(frozen=True)
class SheetRow:
    """One row of data: its number as the spreadsheet shows it, and each column's text."""

    number: int
    values: dict[str, str]


@dataclass(frozen=True)
class ParsedFile:
    format: Literal["xlsx", "csv"]
    rows: tuple[SheetRow, ...]
    warnings_zh: tuple[str, ...] = ()
    warnings_en: tuple[str, ...] = ()


def unreadable(reason_zh: str, reason_en: str) -> DomainError:
    return DomainError(
        "import_file_unreadable",
        f"无法读取导入文件：{reason_zh}",
        f"The import file cannot be read: {reason_en}",
    )


def _fold(text: str) -> str:
    """For matching names and codes only, never for stored text: full-width forms become ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def _header_key(text: str) -> str:
    folded = re.sub(r"\s+", "", _fold(text)).strip("*")
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
    from openpyxl import load_workbook

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
        values = {key: "" for key in _BY_KEY}
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


# ── checking a row ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ValidRow:
    """A row that passed every check: the command to draft it, under its deterministic id."""

    number: int
    stream_id: str
    command: DraftAchievement
    by_project: bool


class RowOutcome(BaseModel):
    """A row imported now or found imported before."""

    row: int
    id: str
    title: str


class RejectedRow(BaseModel):
    """A row not imported, and every reason why, in Chinese and in English."""

    row: int
    title: str | None = None
    errors_zh: list[str]
    errors_en: list[str]


@dataclass
class _Problems:
    row: int
    zh: list[str] = field(default_factory=list)
    en: list[str] = field(default_factory=list)
    columns: set[str] = field(default_factory=set)

    def add(self, column: str, zh: str, en: str) -> None:
        self.columns.add(column)
        self.zh.append(f"第{self.row}行：{zh}")
        self.en.append(f"Row {self.row}: {en}")

    def rejected(self, title: str | None) -> RejectedRow:
        return RejectedRow(row=self.row, title=title or None, errors_zh=self.zh, errors_en=self.en)


def _code_key(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", _fold(text).lower())


def _lookup(kind: type[E], names: Mapping[E, str], text: str) -> E | None:
    """An enum value by its Chinese name, a common alias, or its code."""
    folded = _fold(text)
    for member, zh in names.items():
        if folded == _fold(zh):
            return member
    code = _ALIASES.get(folded, _code_key(folded))
    try:
        return kind(code)
    except ValueError:
        return None


def _lookup_sub_field(field_value: IndustryField | None, text: str) -> tuple[str | None, bool]:
    """The sub-field code, and whether it belongs to the field (unknown field: any field's will do)."""
    folded, code = _fold(text), _code_key(text)
    for owner, subs in SUB_FIELDS.items():
        for sub_code, zh in subs.items():
            if folded == _fold(zh) or code == sub_code:
                return sub_code, field_value is None or owner is field_value
    return None, False


def _split(pattern: re.Pattern[str], text: str) -> list[str]:
    return [part.strip() for part in pattern.split(text) if part.strip()]


def _canonical(amount: Decimal) -> Decimal:
    """500, 500.0 and 500.00 are one price (and one row content)."""
    amount = amount.normalize()
    return amount.quantize(Decimal(1)) if amount == amount.to_integral_value() else amount


def _quoted(text: str) -> str:
    return text if len(text) <= 30 else text[:30] + "…"


def validate_row(row: SheetRow) -> ValidRow | RejectedRow:
    """Check every column of a row and collect every problem; never stop at the first."""
    v = row.values
    problems = _Problems(row.number)
    draft: dict[str, Any] = {"channel": Channel.NATIONAL_PROGRAMME}

    for key in ("title", "abstract", "holder_name", "institution"):
        if v[key]:
            draft[key] = v[key]
    for key in ("application_scenarios", "market_prospects", "competitor_comparison"):
        draft[key] = v[key]
    for column in COLUMNS:
        if column.required and not v[column.key]:
            problems.add(
                column.key, f"{column.zh}为必填项", f"{column.en} ({column.zh}) is required"
            )

    field_value: IndustryField | None = None
    if v["field"]:
        field_value = _lookup(
            IndustryField, {f: n["zh"] for f, n in FIELD_NAMES.items()}, v["field"]
        )
        if field_value is None:
            problems.add(
                "field",
                f"所属领域“{_quoted(v['field'])}”不是战略性新兴产业领域"
                f"（可选：{'、'.join(n['zh'] for n in FIELD_NAMES.values())}）",
                f"Field “{v['field']}” is not a strategic emerging industry "
                f"(one of {', '.join(f.value for f in IndustryField)})",
            )
        else:
            draft["field"] = field_value
    if v["sub_field"]:
        sub_code, belongs = _lookup_sub_field(field_value, v["sub_field"])
        if sub_code is None:
            problems.add(
                "sub_field",
                f"细分领域“{_quoted(v['sub_field'])}”不存在",
                f"Sub-field “{v['sub_field']}” does not exist",
            )
        elif not belongs and field_value is not None:
            choices = "、".join(SUB_FIELDS[field_value].values())
            problems.add(
                "sub_field",
                f"细分领域“{v['sub_field']}”不属于所属领域“{FIELD_NAMES[field_value]['zh']}”"
                f"（可选：{choices}）",
                f"Sub-field “{v['sub_field']}” is not part of {field_value.value} "
                f"(one of {', '.join(SUB_FIELDS[field_value])})",
            )
        else:
            draft["sub_field"] = sub_code

    draft["keywords"] = list(dict.fromkeys(_split(_LIST_SEPARATORS, v["keywords"])))

    if v["trl"]:
        trl = _fold(v["trl"]).upper().removeprefix("TRL").strip()
        if trl.isdigit() and 1 <= int(trl) <= 9:
            draft["trl"] = int(trl)
        else:
            problems.add(
                "trl",
                f"技术就绪度必须是1到9的整数（当前为“{_quoted(v['trl'])}”）",
                f"TRL must be an integer from 1 to 9 (got “{v['trl']}”)",
            )

    kind = AchievementType.OTHER
    if v["achievement_type"]:
        found = _lookup(AchievementType, ACHIEVEMENT_TYPE_NAMES, v["achievement_type"])
        if found is None:
            problems.add(
                "achievement_type",
                f"成果类型“{_quoted(v['achievement_type'])}”无效"
                f"（可选：{'、'.join(ACHIEVEMENT_TYPE_NAMES.values())}）",
                f"Type “{v['achievement_type']}” is not one of "
                f"{', '.join(t.value for t in AchievementType)}",
            )
        else:
            kind = found
    draft["achievement_type"] = kind

    draft["ip_items"] = _ip_items(v["ip_items"], kind, problems)

    modes: list[TransferMode] = []
    for part in _split(_MODE_SEPARATORS, v["transfer_modes"]):
        mode = _lookup(TransferMode, TRANSFER_MODE_NAMES, part)
        if mode is None:
            problems.add(
                "transfer_modes",
                f"转化方式“{_quoted(part)}”无效（可选：{'、'.join(TRANSFER_MODE_NAMES.values())}）",
                f"Transfer mode “{part}” is not one of {', '.join(m.value for m in TransferMode)}",
            )
        elif mode not in modes:
            modes.append(mode)
    draft["transfer_modes"] = modes

    price = _fold(v["asking_price_wan"]).replace(",", "").removesuffix("万元").removesuffix("万")
    if price and price not in _NEGOTIABLE:
        try:
            amount = Decimal(price.strip())
            if not amount.is_finite() or amount < 0:
                raise InvalidOperation
            draft["asking_price_wan"] = _canonical(amount)
        except InvalidOperation:
            problems.add(
                "asking_price_wan",
                f"意向价格（万元）必须是不小于0的数字或“面议”（当前为“{_quoted(v['asking_price_wan'])}”）",
                f"Asking price must be a non-negative number or 面议 (got “{v['asking_price_wan']}”)",
            )

    if v["contact_name"] or v["contact_phone"] or v["contact_email"]:
        if not v["contact_name"]:
            problems.add(
                "contact_name",
                "填写了联系电话或电子邮箱时，联系人必填",
                "A contact name is required when a phone or e-mail is given",
            )
        if v["contact_email"] and not _EMAIL.match(v["contact_email"]):
            problems.add(
                "contact_email",
                f"电子邮箱格式不正确（当前为“{_quoted(v['contact_email'])}”）",
                f"E-mail is not an address (got “{v['contact_email']}”)",
            )
        draft["contact"] = {
            "name": v["contact_name"],
            "phone": v["contact_phone"] or None,
            "email": v["contact_email"] or None,
        }

    if v["programme"] and v["project_number"]:
        draft["national_programme"] = {
            "programme": v["programme"],
            "project_number": v["project_number"],
        }
    elif v["programme"] or v["project_number"]:
        given, missing = ("计划名称", "项目编号") if v["programme"] else ("项目编号", "计划名称")
        problems.add(
            "programme" if not v["programme"] else "project_number",
            f"填写了{given}时，{missing}也必填",
            "Programme and project number go together: give both or neither",
        )

    command = _command(draft, problems)
    title = v["title"] or None
    if problems.zh or command is None:
        return problems.rejected(title)
    return ValidRow(
        number=row.number,
        stream_id=stream_id_for(command),
        command=command,
        by_project=command.national_programme is not None,
    )


def _ip_items(text: str, kind: AchievementType, problems: _Problems) -> list[dict[str, str]]:
    default_kind = kind if kind in _IP_KINDS else AchievementType.PATENT
    items: list[dict[str, str]] = []
    for entry in _split(_IP_SEPARATORS, text):
        parts = [p.strip() for p in _IP_PARTS.split(entry)]
        item_kind: AchievementType | None = default_kind
        if len(parts) == 3:
            item_kind = _lookup(AchievementType, ACHIEVEMENT_TYPE_NAMES, parts[0])
            parts = parts[1:]
        if len(parts) != 2 or not parts[0] or not parts[1]:
            problems.add(
                "ip_items",
                f"知识产权“{_quoted(entry)}”格式不正确（应为“编号:状态”，如 ZL202310000001.X:已授权）",
                f"IP item “{entry}” must be number:status, e.g. ZL202310000001.X:已授权",
            )
            continue
        status = _lookup(IpStatus, IP_STATUS_NAMES, parts[1])
        if item_kind is None or item_kind not in _IP_KINDS:
            problems.add(
                "ip_items",
                f"知识产权“{_quoted(entry)}”的类型无效"
                "（可选：专利、软件著作权、植物新品种、集成电路布图设计）",
                f"IP item “{entry}” has no valid kind "
                "(patent, software_copyright, plant_variety, ic_layout)",
            )
        if status is None:
            problems.add(
                "ip_items",
                f"知识产权“{_quoted(entry)}”的状态无效（可选：{'、'.join(IP_STATUS_NAMES.values())}）",
                f"IP item “{entry}” has no valid status ({', '.join(s.value for s in IpStatus)})",
            )
        if item_kind is not None and status is not None:
            items.append({"kind": item_kind, "number": parts[0], "status": status})
    return items


_PYDANTIC_ZH: dict[str, str] = {
    "string_too_short": "太短（至少 {min_length} 个字）",
    "string_too_long": "太长（最多 {max_length} 个字）",
    "too_long": "太多（最多 {max_length} 项）",
    "string_pattern_mismatch": "格式不正确",
    "decimal_max_digits": "数字位数太多（最多 {max_digits} 位）",
    "decimal_max_places": "小数位太多（最多 {decimal_places} 位）",
    "greater_than_equal": "不能小于 {ge}",
}
# Where a model field's error shows: the column the value came from.
_COLUMN_OF: dict[tuple[str, ...], str] = {
    ("contact", "name"): "contact_name",
    ("contact", "phone"): "contact_phone",
    ("contact", "email"): "contact_email",
    ("national_programme", "programme"): "programme",
    ("national_programme", "project_number"): "project_number",
}


def _command(draft: dict[str, Any], problems: _Problems) -> DraftAchievement | None:
    """Build the command; what the model refuses (lengths, digits) is told by column in Chinese.

    Columns already reported are not reported again: their values were left out of ``draft``.
    """
    try:
        return DraftAchievement.model_validate(draft)
    except ValidationError as invalid:
        for error in invalid.errors():
            location = tuple(str(part) for part in error["loc"])
            key = _COLUMN_OF.get(location[:2], location[0] if location else "")
            if key not in _BY_KEY or key in problems.columns or error["type"] == "missing":
                continue
            column = _BY_KEY[key]
            template = _PYDANTIC_ZH.get(error["type"], "取值无效")
            try:
                reason = template.format(**(error.get("ctx") or {}))
            except (KeyError, IndexError):
                reason = "取值无效"
            problems.add(key, f"{column.zh}{reason}", f"{column.en}: {error['msg']}")
        if not problems.zh:  # a refusal with no column to show it under
            problems.add("", "内容无效", "the row is not valid")
        return None


def _identity(text: str) -> str:
    return re.sub(r"\s+", "", _fold(text)).upper()


def stream_id_for(command: DraftAchievement) -> str:
    """The row's achievement id, the same on every import of the same result.

    By programme and project number when known (a corrected abstract is still the same result),
    else by the whole normalised content.
    """
    if command.national_programme is not None:
        ref = command.national_programme
        key = f"{_identity(ref.programme)}|{_identity(ref.project_number)}"
    else:
        content = command.model_dump(mode="json")
        key = "content|" + json.dumps(content, sort_keys=True, ensure_ascii=False)
    return str(uuid.uuid5(IMPORT_NAMESPACE, key))


# ── importing ───────────────────────────────────────────────────────────────────────────────────


class ImportReport(BaseModel):
    """What an import did, row by row. In a dry run ``imported`` lists the rows that would be."""

    file_format: str
    dry_run: bool = False
    total_rows: int
    imported: list[RowOutcome]
    already_imported: list[RowOutcome]
    rejected: list[RejectedRow]
    warnings_zh: list[str]
    warnings_en: list[str]

    @property
    def complete(self) -> bool:
        """Every row is in intake now (imported or found there): nothing left to fix."""
        return not self.rejected

    def summarise_zh(self) -> str:
        if self.dry_run:
            return (
                f"校验完成（未导入）：共 {self.total_rows} 行，"
                f"可导入 {len(self.imported)} 行，有误 {len(self.rejected)} 行"
            )
        return (
            f"导入完成：共 {self.total_rows} 行，新导入 {len(self.imported)} 行，"
            f"已导入过 {len(self.already_imported)} 行，有误未导入 {len(self.rejected)} 行"
        )

    def summarise_en(self) -> str:
        if self.dry_run:
            return (
                f"Checked, nothing imported: {self.total_rows} rows, {len(self.imported)} valid, "
                f"{len(self.rejected)} with errors"
            )
        return (
            f"Import finished: {self.total_rows} rows, {len(self.imported)} imported, "
            f"{len(self.already_imported)} imported before, {len(self.rejected)} rejected"
        )


class Commands(Protocol):
    """What an import needs of intake: its command handlers (``Intake.handle``)."""

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult: ...


# Called after every row with (rows done, rows in the file).
Progress = Callable[[int, int], None]


class BulkImport:
    """One file's import: every row checked up front, then the good ones run through the handlers.

    ``report`` fills in while ``run`` goes, so that a caller showing progress can also show how
    many rows were refused so far.
    """

    def __init__(self, parsed: ParsedFile) -> None:
        self.parsed = parsed
        self.valid: list[ValidRow] = []
        self.report = ImportReport(
            file_format=parsed.format,
            total_rows=len(parsed.rows),
            imported=[],
            already_imported=[],
            rejected=[],
            warnings_zh=list(parsed.warnings_zh),
            warnings_en=list(parsed.warnings_en),
        )
        self.done = 0
        first_row: dict[str, int] = {}
        for row in parsed.rows:
            if row.values == EXAMPLE:
                self.report.total_rows -= 1
                self.report.warnings_zh.append(f"第{row.number}行与模板示例相同，已跳过")
                self.report.warnings_en.append(
                    f"Row {row.number} is the template's example and was skipped"
                )
                continue
            checked = validate_row(row)
            if isinstance(checked, RejectedRow):
                self.report.rejected.append(checked)
            elif checked.stream_id in first_row:
                self.report.rejected.append(_duplicate(checked, first_row[checked.stream_id]))
            else:
                first_row[checked.stream_id] = checked.number
                self.valid.append(checked)
        self.done = len(self.report.rejected)

    @classmethod
    def from_bytes(cls, data: bytes, filename: str | None = None) -> BulkImport:
        return cls(read_table(data, filename))

    @property
    def total(self) -> int:
        return self.report.total_rows

    def check_only(self) -> ImportReport:
        """The dry run: the rows that would be imported (or found imported before), the bad ones."""
        report = self.report.model_copy(deep=True)
        report.dry_run = True
        report.imported = [_outcome(row) for row in self.valid]
        return _sorted(report)

    async def run(
        self,
        intake: Commands,
        context: CommandContext,
        *,
        progress: Progress | None = None,
        concurrency: int = CONCURRENCY,
    ) -> ImportReport:
        """Import the good rows, ``concurrency`` at a time, and return the report in row order.

        Each row is drafted under its deterministic id and submitted. A failure of the
        infrastructure (the database gone) stops the import and propagates: importing the file
        again later completes it without doubling anything.
        """
        # The caller's Idempotency-Key names the whole upload, not each row's commands; the rows'
        # own ids already make them idempotent.
        row_context = replace(context, idempotency_key=None, request_fingerprint=None)
        if progress is not None:
            progress(self.done, self.total)
        pending = iter(self.valid)

        async def worker() -> None:
            for row in pending:  # one shared iterator: each row goes to exactly one worker
                await self._import_row(intake, row_context, row)
                self.done += 1
                if progress is not None:
                    progress(self.done, self.total)

        async with asyncio.TaskGroup() as group:
            for _ in range(max(1, min(concurrency, len(self.valid)))):
                group.create_task(worker())
        return _sorted(self.report)

    async def _import_row(self, intake: Commands, context: CommandContext, row: ValidRow) -> None:
        try:
            await intake.handle(row.command, context, row.stream_id)
        except StateConflict as conflict:
            if conflict.code != "already_drafted":
                self.report.rejected.append(_refused(row, conflict))
                return
        except ConcurrencyConflict:
            pass  # another import drafted it at the same moment; submitting settles it
        except DomainError as refusal:
            self.report.rejected.append(_refused(row, refusal))
            return
        for attempt in range(3):
            try:
                await intake.handle(SubmitAchievement(), context, row.stream_id)
            except StateConflict as conflict:
                if conflict.code != "not_a_draft":
                    self.report.rejected.append(_refused(row, conflict))
                    return
                self.report.already_imported.append(_outcome(row))
                return
            except Forbidden:
                # Drafted by another account's import and not yet submitted: theirs to submit.
                self.report.already_imported.append(_outcome(row))
                return
            except ConcurrencyConflict:
                if attempt == 2:
                    raise
                continue
            except DomainError as refusal:
                self.report.rejected.append(_refused(row, refusal))
                return
            self.report.imported.append(_outcome(row))
            return


def _outcome(row: ValidRow) -> RowOutcome:
    return RowOutcome(row=row.number, id=row.stream_id, title=row.command.title)


def _refused(row: ValidRow, refusal: DomainError) -> RejectedRow:
    return RejectedRow(
        row=row.number,
        title=row.command.title,
        errors_zh=[f"第{row.number}行：{refusal.message_zh}"],
        errors_en=[f"Row {row.number}: {refusal.message_en}"],
    )


def _duplicate(row: ValidRow, first: int) -> RejectedRow:
    if row.by_project:
        zh = f"与第{first}行的计划名称和项目编号相同，同一成果只导入一次"
        en = f"Same programme and project number as row {first}; a result is imported once"
    else:
        zh = f"与第{first}行内容完全相同，同一成果只导入一次"
        en = f"Same content as row {first}; a result is imported once"
    return RejectedRow(
        row=row.number,
        title=row.command.title,
        errors_zh=[f"第{row.number}行：{zh}"],
        errors_en=[f"Row {row.number}: {en}"],
    )


def _sorted(report: ImportReport) -> ImportReport:
    report.imported.sort(key=lambda r: r.row)
    report.already_imported.sort(key=lambda r: r.row)
    report.rejected.sort(key=lambda r: r.row)
    return report
