"""``intake-import FILE [--dry-run]``: import national-programme results from the command line.

For the files too big to upload comfortably, and for operators scripting a province's backlog. It
runs the same import as ``POST /imports`` — intake's command handlers against the configured MongoDB
(``IntakeSettings``) — so the relay publishes what it writes like anything drafted through the API.

Progress goes to stderr at least once a second; the summary and the rejected rows, Chinese first,
go to stdout. Exit code 0: every row is in intake (imported now or before); 1: some rows were
rejected; 2: the file could not be read at all.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from intake.adapters.spreadsheet import read_table
from intake.application.bulk_import import CONCURRENCY, BulkImport, ImportReport
from intake.bootstrap import bootstrap
from intake.config import IntakeSettings
from ztc_shared.application import CommandContext
from ztc_shared.auth import Role
from ztc_shared.domain import DomainError
from ztc_shared.eventstore.mongo import prepare_event_store
from ztc_shared.mongo import make_client

EXIT_COMPLETE = 0
EXIT_REJECTED = 1
EXIT_UNREADABLE = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="intake-import",
        description="批量导入国家科技计划成果（.xlsx 或 .csv）Import national-programme results",
    )
    parser.add_argument("file", type=Path, help="按导入模板填写的文件 The filled-in template")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="只校验不导入，不连接数据库 Check the rows only; nothing is written",
    )
    parser.add_argument(
        "--actor",
        default="intake-import",
        help="记为导入人的账号 The account recorded as importer (default: intake-import)",
    )
    parser.add_argument(
        "--role",
        default=Role.PROVINCE.value,
        choices=[Role.PROVINCE.value, Role.TORCH_CENTER.value, Role.SUPPORT_ORG.value],
        help="导入人的角色 The importer's role (default: province)",
    )
    parser.add_argument(
        "--concurrency",
        type=int,
        default=CONCURRENCY,
        help=f"同时导入的行数 Rows imported at once (default: {CONCURRENCY})",
    )
    return parser


class _Ticker:
    """Prints a progress line every second while the import runs, and once at the end."""

    def __init__(self, bulk: BulkImport, out: TextIO) -> None:
        self.bulk = bulk
        self.out = out
        self.started = time.monotonic()
        self.first_done: int | None = None

    def line(self) -> None:
        done, total = self.bulk.done, self.bulk.total
        if self.first_done is None:
            self.first_done = done
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (done - self.first_done) / elapsed
        percent = 100 * done // total if total else 100
        rejected = len(self.bulk.report.rejected)
        self.out.write(
            f"进度 {done}/{total} 行（{percent}%），{rate:.0f} 行/秒，已拒绝 {rejected} 行 | "
            f"progress {done}/{total} rows, {rate:.0f} rows/s, {rejected} rejected\n"
        )
        self.out.flush()

    async def run(self) -> None:
        while True:
            self.line()
            await asyncio.sleep(1.0)


def print_report(report: ImportReport, out: TextIO) -> None:
    """The summary and each rejected row with its reasons, Chinese first, English beside."""
    out.write(f"{report.summarise_zh()}\n{report.summarise_en()}\n")
    for zh, en in zip(report.warnings_zh, report.warnings_en, strict=True):
        out.write(f"提示：{zh}\n  Note: {en}\n")
    if report.rejected:
        out.write("未导入的行 Rows not imported:\n")
    for row in report.rejected:
        for zh, en in zip(row.errors_zh, row.errors_en, strict=True):
            out.write(f"  {zh}\n    {en}\n")
    out.flush()


async def _import(bulk: BulkImport, args: argparse.Namespace, settings: IntakeSettings) -> None:
    client = make_client(settings.mongodb_uri)
    try:
        database = client[settings.database]
        await prepare_event_store(database)
        intake = bootstrap(settings, database=database)
        context = CommandContext(
            actor=args.actor,
            region=settings.region,
            correlation_id=f"import-{uuid.uuid4()}",
            role=args.role,
            actor_region=settings.region,
        )
        ticker = _Ticker(bulk, sys.stderr)
        ticking = asyncio.create_task(ticker.run())
        try:
            await bulk.run(intake, context, concurrency=max(1, args.concurrency))
        finally:
            ticking.cancel()
            await asyncio.gather(ticking, return_exceptions=True)
            ticker.line()
    finally:
        await client.close()


def run(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Parse the arguments, import (or only check) the file; the exit code."""
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        bulk = BulkImport(read_table(args.file.read_bytes(), args.file.name))
    except OSError as error:
        out.write(f"无法打开文件：{error.strerror}\nCannot open the file: {error}\n")
        return EXIT_UNREADABLE
    except DomainError as refusal:
        out.write(f"{refusal.message_zh}\n{refusal.message_en}\n")
        return EXIT_UNREADABLE
    if args.dry_run:
        report = bulk.check_only()
    else:
        asyncio.run(_import(bulk, args, IntakeSettings()))
        report = bulk.report
    print_report(report, out)
    return EXIT_COMPLETE if report.complete else EXIT_REJECTED


def main() -> None:
    sys.exit(run())


if __name__ == "__main__":
    main()
