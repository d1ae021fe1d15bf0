"""Bulk import of national-programme results (国家科技计划成果批量导入): the use case.

Provinces and the Torch Center receive the results of national programmes as spreadsheets, hundreds
or thousands of rows at a time. The spreadsheet adapter (``intake.adapters.spreadsheet``) reads a
file into a :class:`ParsedFile`; every row is checked up front (``intake.domain.import_rows``), and
the good ones are imported through intake's own command handlers, so that the aggregate's rules
apply exactly as they do to an achievement drafted by hand.

Importing the same file twice must not create anything twice. Each row therefore gets a deterministic
stream id: a UUIDv5 of the programme and project number when the project number is given, otherwise of
the row's normalised content. A second import finds the stream and counts the row as already imported;
a row drafted but not yet submitted (the first import stopped between the two) is submitted then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, Literal, Protocol

from pydantic import BaseModel

from intake.domain.commands import SubmitAchievement
from intake.domain.import_rows import EXAMPLE, RejectedRow, SheetRow, ValidRow, validate_row
from ztc_shared.application import CommandContext, CommandResult
from ztc_shared.domain import DomainError, Forbidden, StateConflict
from ztc_shared.eventstore.ports import ConcurrencyConflict

# Rows imported at the same time: enough to share the event store's round trips (group commit),
# few enough not to crowd out the requests of people working in the platform meanwhile.
CONCURRENCY = 16


@dataclass(frozen=True)
class ParsedFile:
    """One file's rows as the spreadsheet adapter read them, with what it noticed on the way."""

    format: Literal["xlsx", "csv"]
    rows: tuple[SheetRow, ...]
    warnings_zh: tuple[str, ...] = ()
    warnings_en: tuple[str, ...] = ()


class RowOutcome(BaseModel):
    """A row imported now or found imported before."""

    row: int
    id: str
    title: str


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
