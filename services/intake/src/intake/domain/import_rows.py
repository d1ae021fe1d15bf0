"""Rows of a national-programme results file (国家科技计划成果): the columns, and checking a row.

What each column of the import template means and accepts (:data:`COLUMNS`, the template's
example row), and :func:`validate_row`: every column of one row checked, every problem said in
Chinese and English, and the good row turned into the :class:`DraftAchievement` it stands for,
under a deterministic id (:func:`stream_id_for`) so that importing a file again creates nothing
twice.

Why the domain: this is pure (no file, no database, no clock) and it is intake's own knowledge —
which values an achievement takes under which names people write, that programme and project
number go together, that one programme and number is one result. The spreadsheet adapter
(``intake.adapters.spreadsheet``) reads files into :class:`SheetRow` and writes the template from
:data:`COLUMNS`; the bulk import (``intake.application.bulk_import``) runs the valid rows through
the command handlers. Both depend on this module, never the other way round.
"""

from __future__ import annotations

import json
import re
import unicodedata
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from intake.domain.commands import DraftAchievement
from ztc_shared.contracts.intake import (
    AchievementType,
    Channel,
    IpStatus,
    TransferMode,
)
from ztc_shared.contracts.taxonomy import FIELD_NAMES, SUB_FIELDS, IndustryField

# Fixed forever: changing it would make every earlier import look new.
IMPORT_NAMESPACE = uuid.UUID("629c058c-500e-4ea1-ad89-1922f9f78967")

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


@dataclass(frozen=True)
class SheetRow:
    """One row of data: its number as the spreadsheet shows it, and each column's text."""

    number: int
    values: dict[str, str]


def fold(text: str) -> str:
    """For matching names and codes only, never for stored text: full-width forms become ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


# ── checking a row ──────────────────────────────────────────────────────────────────────────────


@dataclass(frozen=True)
class ValidRow:
    """A row that passed every check: the command to draft it, under its deterministic id."""

    number: int
    stream_id: str
    command: DraftAchievement
    by_project: bool


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
    return re.sub(r"[\s\-]+", "_", fold(text).lower())


def _lookup(kind: type[E], names: Mapping[E, str], text: str) -> E | None:
    """An enum value by its Chinese name, a common alias, or its code."""
    folded = fold(text)
    for member, zh in names.items():
        if folded == fold(zh):
            return member
    code = _ALIASES.get(folded, _code_key(folded))
    try:
        return kind(code)
    except ValueError:
        return None


def _lookup_sub_field(field_value: IndustryField | None, text: str) -> tuple[str | None, bool]:
    """The sub-field code, and whether it belongs to the field (unknown field: any field's will do)."""
    folded, code = fold(text), _code_key(text)
    for owner, subs in SUB_FIELDS.items():
        for sub_code, zh in subs.items():
            if folded == fold(zh) or code == sub_code:
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
        trl = fold(v["trl"]).upper().removeprefix("TRL").strip()
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

    price = fold(v["asking_price_wan"]).replace(",", "").removesuffix("万元").removesuffix("万")
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
    return re.sub(r"\s+", "", fold(text)).upper()


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
