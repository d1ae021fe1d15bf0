"""Bulk import (批量导入) of national-programme results: the template, and the upload.

An upload is checked row by row and the good rows imported at once; the reply is 200 even when rows
were bad, because the import itself succeeded: it lists each bad row and why. Only a file that cannot
be read at all (or is too big) is refused whole, with 422.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile

from intake.adapters.spreadsheet import (
    CSV_MEDIA_TYPE,
    MAX_BYTES,
    XLSX_MEDIA_TYPE,
    read_table,
    template_csv,
    template_xlsx,
    unreadable,
)
from intake.application.bulk_import import BulkImport, ImportReport
from intake.entrypoints.api.deps import IntakeDep, Reader
from ztc_shared.application import CommandContext
from ztc_shared.auth import Role
from ztc_shared.web import CommandContextFor
from ztc_shared.web.errors import prefers_english

log = structlog.get_logger(__name__)

router = APIRouter(prefix="/imports", tags=["imports 批量导入"])

IMPORTERS = (Role.PROVINCE, Role.TORCH_CENTER, Role.SUPPORT_ORG)
ImporterContext = Annotated[CommandContext, Depends(CommandContextFor(*IMPORTERS))]
TEMPLATE_NAME = "科技成果导入模板"


class ImportReply(ImportReport):
    """The report, with a one-line summary in the caller's language and in both."""

    summary: str
    summary_zh: str
    summary_en: str


EXAMPLE_REPLY: dict[str, Any] = {
    "summary": "导入完成：共 3 行，新导入 1 行，已导入过 1 行，有误未导入 1 行",
    "summary_zh": "导入完成：共 3 行，新导入 1 行，已导入过 1 行，有误未导入 1 行",
    "summary_en": "Import finished: 3 rows, 1 imported, 1 imported before, 1 rejected",
    "file_format": "xlsx",
    "dry_run": False,
    "total_rows": 3,
    "imported": [
        {"row": 2, "id": "de6ca105-d5dd-5940-a43a-4dc33c812562", "title": "高比能固态锂电池电解质"}
    ],
    "already_imported": [
        {"row": 3, "id": "0b4c3f0e-8a52-5a61-9d0c-3f7f6f0d2a11", "title": "钙钛矿叠层太阳能电池"}
    ],
    "rejected": [
        {
            "row": 4,
            "title": "工业视觉缺陷检测系统",
            "errors_zh": [
                "第4行：技术就绪度必须是1到9的整数（当前为“十”）",
                "第4行：所属领域“人工智能”不是战略性新兴产业领域（可选：新一代信息技术、…）",
            ],
            "errors_en": [
                "Row 4: TRL must be an integer from 1 to 9 (got “十”)",
                "Row 4: Field “人工智能” is not a strategic emerging industry (one of next_gen_it, …)",
            ],
        }
    ],
    "warnings_zh": [],
    "warnings_en": [],
}


def _download(content: bytes, media_type: str, extension: str) -> Response:
    # RFC 6266: an ASCII fallback name, and the Chinese one for browsers that read filename*.
    disposition = (
        f'attachment; filename="achievement-import-template.{extension}"; '
        f"filename*=UTF-8''{quote(TEMPLATE_NAME)}.{extension}"
    )
    return Response(content, media_type=media_type, headers={"Content-Disposition": disposition})


@router.get(
    "/template.xlsx",
    response_class=Response,
    summary="下载导入模板（Excel） Download the import template (.xlsx, Chinese headers)",
    responses={200: {"content": {XLSX_MEDIA_TYPE: {}}, "description": "导入模板 The template"}},
)
async def download_template_xlsx(_principal: Reader) -> Response:
    return _download(template_xlsx(), XLSX_MEDIA_TYPE, "xlsx")


@router.get(
    "/template.csv",
    response_class=Response,
    summary="下载导入模板（CSV） Download the import template (.csv, UTF-8 with BOM)",
    responses={200: {"content": {"text/csv": {}}, "description": "导入模板 The template"}},
)
async def download_template_csv(_principal: Reader) -> Response:
    return _download(template_csv(), CSV_MEDIA_TYPE, "csv")


def _progress_log(filename: str) -> Any:
    """Log progress at most once a second, so a long import can be followed in the service log."""
    started = last = time.monotonic()

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= 1.0 or done == total:
            last = now
            log.info(
                "import.progress",
                file=filename,
                done=done,
                total=total,
                seconds=round(now - started, 1),
            )

    return report


@router.post(
    "",
    response_model=ImportReply,
    summary="批量导入国家科技计划成果 Import national-programme results (.xlsx or .csv)",
    description=(
        "上传按模板填写的 .xlsx 或 .csv 文件。逐行校验：正确的行导入并提交评估，有误的行不导入，"
        "并逐行列出原因；同一文件再次导入不会重复创建。`dry_run=true` 只校验不导入。\n\n"
        "Upload a file filled in from the template. Every row is checked; good rows are imported "
        "and submitted for evaluation, bad rows are listed with the reasons and not imported. "
        "Importing the same file again creates nothing twice. `dry_run=true` only checks."
    ),
    responses={
        200: {"content": {"application/json": {"example": EXAMPLE_REPLY}}},
        422: {
            "description": "文件无法读取、缺少必填列或超过行数上限 Unreadable file or too many rows"
        },
    },
)
async def import_achievements(
    file: Annotated[UploadFile, File(description="按模板填写的 .xlsx 或 .csv 文件")],
    context: ImporterContext,
    intake: IntakeDep,
    request: Request,
    dry_run: Annotated[bool, Query(description="只校验不导入 Check only")] = False,
) -> ImportReply:
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        mb = MAX_BYTES // (1024 * 1024)
        raise unreadable(f"文件超过 {mb} MB", f"it exceeds {mb} MB")
    filename = file.filename or ""
    # Reading a few thousand rows takes a while; keep the event loop free for other requests.
    bulk = await asyncio.to_thread(lambda: BulkImport(read_table(data, filename)))
    if dry_run:
        report = bulk.check_only()
    else:
        # Each row is idempotent by its own id; one request's Idempotency-Key must not make every
        # row a replay of the first.
        rows_context = dataclasses.replace(context, idempotency_key=None)
        report = await bulk.run(intake, rows_context, progress=_progress_log(filename))
    log.info(
        "import.finished",
        file=filename,
        dry_run=dry_run,
        imported=len(report.imported),
        already_imported=len(report.already_imported),
        rejected=len(report.rejected),
    )
    zh, en = report.summarise_zh(), report.summarise_en()
    return ImportReply(
        **report.model_dump(),
        summary=en if prefers_english(request) else zh,
        summary_zh=zh,
        summary_en=en,
    )
