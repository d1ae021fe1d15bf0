"""The host's workbook of one-to-one meetings (openpyxl): 总表, 企业日程 and 未安排."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from roadshow.domain.scheduling import (
    PRIORITY_NAMES,
    SIDE_NAMES,
    STATUS_NAMES,
    Meeting,
    MeetingStatus,
    Problem,
    Reason,
    Schedule,
    Stage,
)

__all__ = ["export_xlsx"]


def _status_text(m: Meeting) -> str:
    text = STATUS_NAMES[m.status]
    if m.absent:
        text += "（" + "、".join(SIDE_NAMES[s] for s in m.absent) + "）"
    return text


def export_xlsx(problem: Problem, schedule: Schedule) -> bytes:
    """The host's workbook: 总表 (slot × table), 企业日程 (per company), 未安排 (with reasons)."""
    cname = {c.credit_code: c.name for c in problem.companies}
    ptitle = {p.achievement_id: p.title for p in problem.projects}
    bold = Font(bold=True)
    wb = Workbook()
    grid = wb.active
    grid.title = "总表"
    stage = "正式日程" if schedule.stage is Stage.FINAL else "暂定日程"
    grid.append([f"时段（{stage}）", *(f"{t}号桌" for t in range(1, problem.tables + 1))])
    cells: dict[tuple[int, int], Meeting] = {
        (m.slot, m.table): m for m in schedule.meetings if m.active
    }
    for s, label in enumerate(problem.slots):
        row: list[str] = [label]
        for t in range(1, problem.tables + 1):
            m = cells.get((s, t))
            if m is None:
                row.append("")
            else:
                text = f"{ptitle[m.project]}\n{cname[m.company]}"
                if m.status is not MeetingStatus.SCHEDULED:
                    text += f"\n{_status_text(m)}"
                row.append(text)
        grid.append(row)
    for cell in grid[1]:
        cell.font = bold
    for row_cells in grid.iter_rows(min_row=2):
        for cell in row_cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    grid.freeze_panes = "B2"

    listing = wb.create_sheet("企业日程")
    listing.append(
        ["统一社会信用代码", "企业名称", "时段", "桌号", "项目编号", "项目名称", "优先级", "状态"]
    )
    order = {c.credit_code: i for i, c in enumerate(problem.companies)}
    for m in sorted(schedule.meetings, key=lambda m: (order[m.company], m.slot, m.table)):
        listing.append(
            [
                m.company,
                cname[m.company],
                problem.slots[m.slot],
                m.table,
                m.project,
                ptitle[m.project],
                PRIORITY_NAMES[m.priority],
                _status_text(m),
            ]
        )
    for cell in listing[1]:
        cell.font = bold
    listing.freeze_panes = "A2"

    missing = wb.create_sheet("未安排")
    missing.append(["统一社会信用代码", "企业名称", "项目编号", "项目名称", "优先级", "原因"])
    for u in schedule.unplaced:
        missing.append(
            [
                u.company,
                cname.get(u.company, ""),
                u.project,
                ptitle.get(u.project, ""),
                "—" if u.reason is Reason.BLOCKED else PRIORITY_NAMES[u.priority],
                u.detail,
            ]
        )
    for cell in missing[1]:
        cell.font = bold

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
