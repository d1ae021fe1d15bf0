"""A year-end summary as Word (.docx) and Excel (.xlsx), in Chinese (工作总结导出)."""

from __future__ import annotations

import io
from typing import Any

from docx import Document
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from ztc_shared.contracts.tracking import SummaryDrafted

FIGURE_ROWS: tuple[tuple[str, str], ...] = (
    ("roadshows_held", "举办路演场次"),
    ("results_collected", "征集成果数"),
    ("longlisted", "初筛入围项目数"),
    ("on_stage", "路演项目数"),
    ("audience", "参会企业/人数"),
    ("meetings_held", "一对一对接场次"),
    ("intents", "对接意向数"),
    ("deals", "签约项目数"),
    ("deal_amount_wan", "签约金额（万元）"),
    ("landed", "落地项目数"),
    ("landed_investment_wan", "落地投资（万元）"),
    ("industrialised", "产业化项目数"),
)
NARRATIVE_SECTIONS: tuple[tuple[str, str], ...] = (
    ("experience", "一、工作经验"),
    ("results", "二、工作成效"),
    ("shortfalls", "三、存在不足"),
    ("suggestions", "四、意见建议"),
)
STATUS_ROW = "审核状态"


def _title(draft: SummaryDrafted) -> str:
    host = draft.host_name or draft.host_id
    return f"{host} {draft.year}年度科技成果直通车工作总结"


def summary_docx(draft: SummaryDrafted, status_name: str) -> bytes:
    document = Document()
    document.add_heading(_title(draft), level=0)
    document.add_paragraph(f"承办单位：{draft.host_name or draft.host_id}")
    document.add_paragraph(
        f"报送截止日期：{draft.deadline.isoformat()}　{STATUS_ROW}：{status_name}"
    )
    document.add_heading("年度工作数据", level=1)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    header = table.rows[0].cells
    header[0].text, header[1].text = "指标", "数值"
    figures: dict[str, Any] = draft.figures.model_dump(mode="json")
    for key, label in FIGURE_ROWS:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, str(figures[key])
    narrative = draft.narrative.model_dump()
    for key, heading in NARRATIVE_SECTIONS:
        document.add_heading(heading, level=1)
        for paragraph in (narrative[key] or "（未填写）").splitlines() or ["（未填写）"]:
            document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def summary_xlsx(draft: SummaryDrafted, status_name: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "年度工作数据"
    sheet.append([_title(draft)])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["承办单位", draft.host_name or draft.host_id])
    sheet.append(["年度", draft.year])
    sheet.append([STATUS_ROW, status_name])
    sheet.append([])
    sheet.append(["指标", "数值"])
    for cell in sheet[6]:
        cell.font = Font(bold=True)
    figures: dict[str, Any] = draft.figures.model_dump(mode="json")
    for key, label in FIGURE_ROWS:
        value = figures[key]
        sheet.append([label, float(value) if key.endswith("_wan") else value])
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 60
    words = workbook.create_sheet("总结正文")
    words.append(["部分", "内容"])
    narrative = draft.narrative.model_dump()
    for key, heading in NARRATIVE_SECTIONS:
        words.append([heading, narrative[key]])
    for row in words.iter_rows(min_row=2):
        row[1].alignment = Alignment(wrap_text=True, vertical="top")
    words.column_dimensions["A"].width = 16
    words.column_dimensions["B"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
