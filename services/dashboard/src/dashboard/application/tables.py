"""The dashboard's tables as rows people read, for the pages and the Excel exports alike."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dashboard.domain.funnel import STAGE_NAMES, STAGES
from dashboard.domain.regions import province_name

SUMMARY_NAMES = {
    "not_started": ("未开始", "Not started"),
    "drafted": ("起草中", "Drafting"),
    "submitted": ("已提交", "Submitted"),
    "accepted": ("已通过", "Accepted"),
    "returned": ("已退回", "Returned"),
}
CASE_STAGE_NAMES = {
    "pitched": ("路演完成", "Pitched"),
    "negotiating": ("意向洽谈", "Negotiating"),
    "signed": ("签约", "Signed"),
    "landed": ("落地", "Landed"),
    "industrialised": ("产业化", "Industrialised"),
    "terminated": ("终止", "Terminated"),
}


def _i(lang: str) -> int:
    return 0 if lang == "zh" else 1


def stage_headers(lang: str) -> list[str]:
    return [STAGE_NAMES[s]["zh" if lang == "zh" else "en"] for s in STAGES]


def breakdown_table(
    rows: list[dict[str, Any]], first: tuple[str, str], lang: str
) -> tuple[list[str], list[list[Any]]]:
    """A breakdown (by province, field, year or host): one row each, a column per stage, then
    the amounts of signing, landing and industrialisation in 万元."""
    i = _i(lang)
    headers = [first[i], *stage_headers(lang)]
    headers += (
        ["签约金额（万元）", "落地投资（万元）", "产业化年收入（万元）"]
        if lang == "zh"
        else ["Signed (10k CNY)", "Invested (10k CNY)", "Annual revenue (10k CNY)"]
    )
    body = []
    for row in rows:
        label = row.get("name_zh" if lang == "zh" else "name_en", row["key"])
        amounts = row["amounts_wan"]
        body.append(
            [
                label,
                *(row["counts"][s.value] for s in STAGES),
                amounts["signed"],
                amounts["landed"],
                amounts["industrialised"],
            ]
        )
    return headers, body


def funnel_table(funnel: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list[Any]]]:
    headers = ["环节", "数量", "金额（万元）"] if lang == "zh" else ["Stage", "Count", "10k CNY"]
    key = "name_zh" if lang == "zh" else "name_en"
    return headers, [[r[key], r["count"], r["amount_wan"]] for r in funnel]


def hosts_table(hosts: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list[Any]]]:
    i = _i(lang)
    headers = (
        ["年度", "承办单位", "省份", "年度工作总结", "是否逾期"]
        if lang == "zh"
        else ["Year", "Host", "Province", "Year-end summary", "Overdue"]
    )
    yes_no = ("是", "否") if lang == "zh" else ("yes", "no")
    rows = [
        [
            h["year"],
            h["name"],
            province_name(h["province"], lang),
            SUMMARY_NAMES.get(h["summary"], (h["summary"], h["summary"]))[i],
            yes_no[0] if h.get("summary_overdue") else yes_no[1],
        ]
        for h in hosts
    ]
    return headers, rows


def cases_table(cases: list[dict[str, Any]], lang: str) -> tuple[list[str], list[list[Any]]]:
    i = _i(lang)
    headers = (
        ["项目", "单位", "省份", "阶段", "跟踪逾期（天）", "停滞", "下次跟踪"]
        if lang == "zh"
        else ["Project", "Institution", "Province", "Stage", "Days overdue", "Stalled", "Next"]
    )
    yes_no = ("是", "否") if lang == "zh" else ("yes", "no")
    rows = [
        [
            c.get("title", ""),
            c.get("institution", ""),
            province_name(c.get("province", ""), lang),
            CASE_STAGE_NAMES.get(c["stage"], (c["stage"], c["stage"]))[i],
            c.get("days_overdue", 0) if c.get("overdue") else 0,
            yes_no[0] if c.get("stalled") else yes_no[1],
            c.get("next_follow_up", ""),
        ]
        for c in cases
    ]
    return headers, rows


def utc_offset(moment: datetime) -> str:
    """A moment's offset from UTC as ISO 8601 writes it: ``+08:00``."""
    offset = moment.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def moment_text(moment: datetime) -> str:
    """A moment as people read it, in its own time zone: ``2026-09-30 23:59 (UTC+08:00)``
    (seconds only when it has them)."""
    shown = moment.strftime("%Y-%m-%d %H:%M:%S" if moment.second else "%Y-%m-%d %H:%M")
    return f"{shown} (UTC{utc_offset(moment)})"


def as_of_caption(moment: datetime, lang: str) -> str:
    """What a page or an export as of a moment says first (时间回溯)."""
    shown = moment_text(moment)
    if lang == "zh":
        return f"以下为 {shown.replace(' (', '（').replace(')', '）')}时的数据"
    return f"Figures as of {shown}"


def as_of_sheet_title(title: str, moment: datetime, lang: str) -> str:
    """A sheet's title (at most 31 characters, no colons) naming the day of the moment."""
    day = moment.strftime("%Y-%m-%d")
    return (f"{title}（截至{day}）" if lang == "zh" else f"{title} (as of {day})")[:31]
