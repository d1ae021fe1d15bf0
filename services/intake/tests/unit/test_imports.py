"""Bulk import of national-programme results: the template, reading files, checking rows, importing.

Files are made in memory (.xlsx with openpyxl, .csv as text) and imported through intake's real
handlers on the in-memory event store.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from intake.adapters.spreadsheet import (
    HELP_SHEET,
    MAX_ROWS,
    read_table,
    template_csv,
    template_xlsx,
)
from intake.application.bulk_import import BulkImport, ImportReport
from intake.bootstrap import Intake, bootstrap
from intake.config import IntakeSettings
from intake.domain.import_rows import (
    COLUMNS,
    EXAMPLE,
    HEADERS,
    RejectedRow,
    ValidRow,
    validate_row,
)
from intake.entrypoints import importer
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.domain import DomainError
from ztc_shared.eventstore.memory import InMemoryEventStore

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
PROVINCE = CommandContext(
    actor="gd-1", region="440000", correlation_id="c", role="province", idempotency_key="k"
)
TORCH = CommandContext(actor="torch-1", region="440000", correlation_id="c", role="torch_center")


def row(**overrides: str) -> dict[str, str]:
    """A good row by Chinese header, different from the template's example."""
    values = {
        "成果名称": "钙钛矿叠层太阳能电池",
        "成果简介": "钙钛矿/晶硅叠层电池，实验室认证效率 31%，已完成组件级稳定性测试。",
        "所属领域": "新能源",
        "细分领域": "太阳能产业",
        "关键词": "钙钛矿、叠层电池；光伏",
        "技术就绪度": "5",
        "成果类型": "专利",
        "知识产权": "ZL202310000009.1:已授权; CN202410000010.2：申请中",
        "转化方式": "技术转让/技术许可",
        "意向价格（万元）": "800",
        "成果持有人": "王五",
        "所属单位": "南京大学",
        "联系人": "王五",
        "联系电话": "025-83590000",
        "电子邮箱": "wangwu@example.edu.cn",
        "计划名称": "国家重点研发计划",
        "项目编号": "2022YFB4200100",
        "应用场景": "分布式光伏、建筑光伏一体化",
        "市场前景": "",
        "与同类技术比较": "",
    }
    values.update(overrides)
    return values


def xlsx(rows: list[dict[str, str]], headers: tuple[str, ...] = HEADERS) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(headers))
    for values in rows:
        sheet.append([values.get(h, "") for h in headers])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(
    rows: list[dict[str, str]], headers: tuple[str, ...] = HEADERS, encoding: str = "utf-8-sig"
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    for values in rows:
        writer.writerow([values.get(h, "") for h in headers])
    return out.getvalue().encode(encoding)


FORMATS = {"xlsx": xlsx, "csv": csv_bytes}


def new_intake() -> tuple[Intake, InMemoryEventStore]:
    store = InMemoryEventStore()
    return bootstrap(IntakeSettings(), store=store, clock=FixedClock(NOW)), store


async def event_types(store: InMemoryEventStore, stream_id: str) -> list[str]:
    return [e.event_type for e in (await store.load(stream_id)).events]


async def import_file(intake: Intake, data: bytes, name: str, **options: Any) -> ImportReport:
    return await BulkImport(read_table(data, name)).run(intake, PROVINCE, **options)


def errors_of(report: ImportReport, number: int) -> list[str]:
    return next(r.errors_zh for r in report.rejected if r.row == number)


# ── the template ────────────────────────────────────────────────────────────────────────────────


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
def test_the_template_reads_back_with_its_headers_and_a_valid_example(kind: str) -> None:
    data = template_xlsx() if kind == "xlsx" else template_csv()

    parsed = read_table(data, f"模板.{kind}")

    assert parsed.format == kind
    assert parsed.warnings_zh == ()
    assert [r.number for r in parsed.rows] == [2]
    assert parsed.rows[0].values == EXAMPLE
    checked = validate_row(parsed.rows[0])
    assert isinstance(checked, ValidRow), checked
    assert checked.command.channel == "national_programme"
    assert checked.command.field == "new_energy_vehicles"
    assert checked.command.sub_field == "power_batteries"


def test_the_xlsx_template_has_chinese_headers_and_explains_every_column() -> None:
    book = load_workbook(io.BytesIO(template_xlsx()))

    data_sheet, help_sheet = book.worksheets
    assert [c.value for c in data_sheet[1]] == list(HEADERS)
    assert HEADERS[:3] == ("成果名称", "成果简介", "所属领域")
    assert help_sheet.title == HELP_SHEET
    explained = {row[0] for row in help_sheet.iter_rows(values_only=True)}
    assert set(HEADERS) <= explained
    text = "".join(str(v) for r in help_sheet.iter_rows(values_only=True) for v in r if v)
    assert "新一代信息技术（next_gen_it）" in text
    assert "已授权（granted）" in text


def test_the_csv_template_starts_with_a_byte_order_mark_for_excel() -> None:
    data = template_csv()

    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines()[0] == ",".join(HEADERS)


async def test_an_unchanged_template_imports_nothing() -> None:
    intake, _ = new_intake()

    report = await import_file(intake, template_xlsx(), "模板.xlsx")

    assert (report.total_rows, report.imported, report.rejected) == (0, [], [])
    assert report.warnings_zh == ["第2行与模板示例相同，已跳过"]


# ── checking rows ───────────────────────────────────────────────────────────────────────────────


def test_chinese_names_and_codes_give_the_same_command() -> None:
    by_name = read_table(csv_bytes([row()]), "a.csv").rows[0]
    by_code = read_table(
        csv_bytes(
            [
                row(
                    所属领域="new_energy",
                    细分领域="photovoltaics",
                    成果类型="patent",
                    知识产权="patent:ZL202310000009.1:granted;CN202410000010.2:applied",
                    转化方式="transfer, license",
                    技术就绪度="TRL5",
                    **{"意向价格（万元）": "800.00"},
                )
            ]
        ),
        "a.csv",
    ).rows[0]

    named, coded = validate_row(by_name), validate_row(by_code)

    assert isinstance(named, ValidRow) and isinstance(coded, ValidRow)
    assert named.command == coded.command
    assert named.stream_id == coded.stream_id
    command = named.command
    assert command.keywords == ["钙钛矿", "叠层电池", "光伏"]
    assert [m.value for m in command.transfer_modes] == ["transfer", "license"]
    assert [(i.kind.value, i.number, i.status.value) for i in command.ip_items] == [
        ("patent", "ZL202310000009.1", "granted"),
        ("patent", "CN202410000010.2", "applied"),
    ]
    assert str(command.asking_price_wan) == "800"
    assert command.national_programme is not None
    assert command.national_programme.project_number == "2022YFB4200100"


def test_every_problem_of_a_row_is_told_in_chinese_and_english() -> None:
    bad = row(
        成果名称="",
        所属领域="人工智能",
        技术就绪度="十",
        成果类型="论文",
        知识产权="ZL2023",
        转化方式="捐赠",
        电子邮箱="not-an-address",
        项目编号="",
        **{"意向价格（万元）": "-3"},
    )
    parsed = read_table(csv_bytes([row(), bad]), "a.csv")

    checked = validate_row(parsed.rows[1])

    assert isinstance(checked, RejectedRow)
    assert checked.row == 3
    assert checked.errors_zh == [
        "第3行：成果名称为必填项",
        "第3行：所属领域“人工智能”不是战略性新兴产业领域（可选：新一代信息技术、高端装备制造、"
        "新材料、生物、新能源汽车、新能源、节能环保、数字创意、相关服务）",
        "第3行：技术就绪度必须是1到9的整数（当前为“十”）",
        "第3行：成果类型“论文”无效（可选：专利、软件著作权、植物新品种、集成电路布图设计、技术秘密、其他）",
        "第3行：知识产权“ZL2023”格式不正确（应为“编号:状态”，如 ZL202310000001.X:已授权）",
        "第3行：转化方式“捐赠”无效（可选：技术转让、技术许可、作价入股、合作开发、技术服务）",
        "第3行：意向价格（万元）必须是不小于0的数字或“面议”（当前为“-3”）",
        "第3行：电子邮箱格式不正确（当前为“not-an-address”）",
        "第3行：填写了计划名称时，项目编号也必填",
    ]
    assert len(checked.errors_en) == len(checked.errors_zh)
    assert checked.errors_en[2] == "Row 3: TRL must be an integer from 1 to 9 (got “十”)"


def test_a_sub_field_of_another_field_is_refused_with_the_choices() -> None:
    parsed = read_table(csv_bytes([row(细分领域="动力电池")]), "a.csv")

    checked = validate_row(parsed.rows[0])

    assert isinstance(checked, RejectedRow)
    assert checked.errors_zh == [
        "第2行：细分领域“动力电池”不属于所属领域“新能源”（可选：太阳能产业、风能产业、氢能产业、智能电网）"
    ]


def test_lengths_the_command_refuses_are_told_by_column() -> None:
    parsed = read_table(csv_bytes([row(成果简介="太短", 成果名称="X" * 201)]), "a.csv")

    checked = validate_row(parsed.rows[0])

    assert isinstance(checked, RejectedRow)
    assert checked.errors_zh == [
        "第2行：成果名称太长（最多 200 个字）",
        "第2行：成果简介太短（至少 10 个字）",
    ]


def test_negotiable_price_and_numbers_typed_as_numbers_are_accepted() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    values = row(**{"意向价格（万元）": "面议"})
    cells: list[Any] = [values[h] for h in HEADERS]
    cells[HEADERS.index("技术就绪度")] = 7.0
    cells[HEADERS.index("联系电话")] = 13800000000
    sheet.append(cells)
    out = io.BytesIO()
    book.save(out)

    checked = validate_row(read_table(out.getvalue(), "a.xlsx").rows[0])

    assert isinstance(checked, ValidRow), checked
    assert checked.command.trl == 7
    assert checked.command.asking_price_wan is None
    assert checked.command.contact is not None
    assert checked.command.contact.phone == "13800000000"


# ── importing ───────────────────────────────────────────────────────────────────────────────────


def mixed_rows() -> list[dict[str, str]]:
    return [
        row(),  # row 2: good, by Chinese names
        row(项目编号="2022YFB4200101", 技术就绪度="十"),  # row 3: bad TRL
        row(  # row 4: good, by codes
            项目编号="2022YFB4200102",
            所属领域="next_gen_it",
            细分领域="artificial_intelligence",
            成果类型="software_copyright",
            知识产权="2023SR0000001:granted",
            转化方式="license",
        ),
        row(项目编号="2022YFB4200103", 所属单位="", 所属领域="未知领域"),  # row 5: two problems
        {h: "" for h in HEADERS},  # an empty line: skipped, not a row
        row(计划名称="", 项目编号=""),  # row 7: good, no project: identified by its content
    ]


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
async def test_good_rows_are_imported_and_submitted_and_bad_rows_reported(kind: str) -> None:
    intake, store = new_intake()
    data = FORMATS[kind](mixed_rows())

    report = await import_file(intake, data, f"成果.{kind}")

    assert report.file_format == kind
    assert report.total_rows == 5
    assert [r.row for r in report.imported] == [2, 4, 7]
    assert report.already_imported == []
    assert [r.row for r in report.rejected] == [3, 5]
    assert errors_of(report, 3) == ["第3行：技术就绪度必须是1到9的整数（当前为“十”）"]
    assert errors_of(report, 5) == [
        "第5行：所属单位为必填项",
        "第5行：所属领域“未知领域”不是战略性新兴产业领域（可选：新一代信息技术、高端装备制造、"
        "新材料、生物、新能源汽车、新能源、节能环保、数字创意、相关服务）",
    ]
    assert not report.complete
    assert report.summarise_zh() == "导入完成：共 5 行，新导入 3 行，已导入过 0 行，有误未导入 2 行"
    for outcome in report.imported:
        assert await event_types(store, outcome.id) == [
            "AchievementDrafted",
            "AchievementSubmitted",
        ]
        drafted = (await store.load(outcome.id)).events[0]
        assert drafted.payload["channel"] == "national_programme"
        assert drafted.payload["holder_id"] == "gd-1"
        assert drafted.actor == "gd-1"


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
async def test_importing_the_same_file_again_imports_nothing_twice(kind: str) -> None:
    intake, store = new_intake()
    data = FORMATS[kind](mixed_rows())
    first = await import_file(intake, data, f"成果.{kind}")
    commits = len(await store.unpublished(10_000))

    again = await import_file(intake, data, f"成果.{kind}")

    assert again.imported == []
    assert [(r.row, r.id) for r in again.already_imported] == [
        (r.row, r.id) for r in first.imported
    ]
    assert [r.row for r in again.rejected] == [3, 5]
    assert len(await store.unpublished(10_000)) == commits
    assert again.summarise_zh() == "导入完成：共 5 行，新导入 0 行，已导入过 3 行，有误未导入 2 行"


async def test_the_other_format_of_the_same_rows_is_the_same_import() -> None:
    intake, _ = new_intake()
    first = await import_file(intake, xlsx([row()]), "a.xlsx")

    again = await import_file(intake, csv_bytes([row()]), "a.csv")

    assert [r.id for r in again.already_imported] == [r.id for r in first.imported]


async def test_a_corrected_row_of_the_same_project_is_not_imported_again() -> None:
    intake, _ = new_intake()
    await import_file(intake, csv_bytes([row()]), "a.csv")

    again = await import_file(intake, csv_bytes([row(成果名称="钙钛矿叠层电池（修订）")]), "a.csv")

    assert [r.row for r in again.already_imported] == [2]


async def test_a_row_drafted_but_never_submitted_is_submitted_on_reimport() -> None:
    intake, store = new_intake()
    data = csv_bytes([row()])
    checked = validate_row(read_table(data, "a.csv").rows[0])
    assert isinstance(checked, ValidRow)
    await intake.handle(checked.command, PROVINCE, checked.stream_id)  # stopped after the draft

    report = await import_file(intake, data, "a.csv")

    assert [r.row for r in report.imported] == [2]
    assert await event_types(store, checked.stream_id) == [
        "AchievementDrafted",
        "AchievementSubmitted",
    ]


async def test_another_account_finds_the_rows_already_imported() -> None:
    intake, _ = new_intake()
    data = csv_bytes([row()])
    await import_file(intake, data, "a.csv")

    report = await BulkImport(read_table(data, "a.csv")).run(intake, TORCH)

    assert [r.row for r in report.already_imported] == [2]
    assert report.complete


async def test_the_same_result_twice_in_one_file_is_imported_once() -> None:
    intake, _ = new_intake()
    data = csv_bytes([row(), row(成果名称="另一个名称"), row(项目编号="X-1"), row(项目编号="X-1")])

    report = await import_file(intake, data, "a.csv")

    assert [r.row for r in report.imported] == [2, 4]
    assert {r.row: r.errors_zh for r in report.rejected} == {
        3: ["第3行：与第2行的计划名称和项目编号相同，同一成果只导入一次"],
        5: ["第5行：与第4行的计划名称和项目编号相同，同一成果只导入一次"],
    }


async def test_many_rows_run_concurrently_with_progress() -> None:
    intake, store = new_intake()
    rows = [row(项目编号=f"2022YFB42{i:05d}") for i in range(120)]
    rows[7]["技术就绪度"] = "0"
    seen: list[tuple[int, int]] = []

    report = await import_file(
        intake, xlsx(rows), "a.xlsx", progress=lambda d, t: seen.append((d, t)), concurrency=16
    )

    assert len(report.imported) == 119
    assert [r.row for r in report.rejected] == [9]
    assert seen[0] == (1, 120)  # the bad row is done before anything is imported
    assert seen[-1] == (120, 120)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    assert len(await store.unpublished(10_000)) == 2 * 119


def test_a_dry_run_checks_without_importing() -> None:
    report = BulkImport(read_table(csv_bytes(mixed_rows()), "a.csv")).check_only()

    assert report.dry_run
    assert [r.row for r in report.imported] == [2, 4, 7]
    assert report.summarise_zh() == "校验完成（未导入）：共 5 行，可导入 3 行，有误 2 行"


# ── reading files ───────────────────────────────────────────────────────────────────────────────


def test_headers_may_be_english_half_width_or_starred() -> None:
    renamed = {
        "意向价格（万元）": "意向价格(万元)",
        "成果名称": "*成果名称",
        "成果简介": "Abstract",
    }
    headers = (*(renamed.get(h, h) for h in HEADERS), "备注")
    values = row()
    values["意向价格(万元)"] = values["意向价格（万元）"]
    values["*成果名称"] = values["成果名称"]
    values["Abstract"] = values["成果简介"]

    parsed = read_table(csv_bytes([values], headers), "a.csv")

    assert parsed.warnings_zh == ("以下列不在模板中，已忽略：备注",)
    checked = validate_row(parsed.rows[0])
    assert isinstance(checked, ValidRow), checked
    assert checked.command.asking_price_wan is not None


def test_a_csv_saved_by_chinese_excel_in_gbk_is_read() -> None:
    parsed = read_table(csv_bytes([row()], encoding="gb18030"), "a.csv")

    assert parsed.rows[0].values["title"] == "钙钛矿叠层太阳能电池"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "a.csv", "无法读取导入文件：文件为空"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "a.xls", "不支持旧版 Excel（.xls）格式"),
        (b"PK\x03\x04 not really a zip", "a.xlsx", "文件已损坏或不是 Excel 工作簿"),
        (b"just some text", "a.xlsx", "文件不是有效的 .xlsx 文件"),
        (b"\x00\x01\x02\x03", "a.bin", "既不是 .xlsx 工作簿，也不是文本格式的 CSV"),
        ("名称,简介\n甲,乙\n".encode(), "a.csv", "缺少必填列：成果名称、成果简介、所属领域"),
    ],
)
def test_an_unreadable_file_is_refused_whole_in_chinese(
    data: bytes, name: str, message: str
) -> None:
    with pytest.raises(DomainError) as refused:
        read_table(data, name)

    assert refused.value.code == "import_file_unreadable"
    assert message in refused.value.message_zh
    assert refused.value.message_en.startswith("The import file cannot be read")


def test_a_file_over_the_row_limit_is_refused_before_anything_is_imported() -> None:
    rows = [row(项目编号=str(i)) for i in range(MAX_ROWS + 1)]

    with pytest.raises(DomainError) as refused:
        read_table(csv_bytes(rows), "a.csv")

    assert refused.value.code == "import_too_many_rows"
    assert f"超过单次导入上限 {MAX_ROWS} 行" in refused.value.message_zh


def test_every_column_has_a_header_and_an_example() -> None:
    assert len(HEADERS) == len(set(HEADERS)) == 20
    assert set(EXAMPLE) == {c.key for c in COLUMNS}


# ── the command line ────────────────────────────────────────────────────────────────────────────


def test_the_command_line_dry_run_lists_rejected_rows_and_exits_1(tmp_path: Path) -> None:
    path = tmp_path / "成果.xlsx"
    path.write_bytes(xlsx(mixed_rows()))
    out = io.StringIO()

    code = importer.run([str(path), "--dry-run"], out)

    assert code == 1
    lines = out.getvalue().splitlines()
    assert lines[0] == "校验完成（未导入）：共 5 行，可导入 3 行，有误 2 行"
    assert "  第3行：技术就绪度必须是1到9的整数（当前为“十”）" in lines
    assert "    Row 3: TRL must be an integer from 1 to 9 (got “十”)" in lines


def test_the_command_line_exits_0_for_a_clean_file_and_2_for_an_unreadable_one(
    tmp_path: Path,
) -> None:
    clean, broken = tmp_path / "a.csv", tmp_path / "b.xlsx"
    clean.write_bytes(csv_bytes([row()]))
    broken.write_bytes(b"nonsense")

    assert importer.run([str(clean), "--dry-run"], io.StringIO()) == 0
    out = io.StringIO()
    assert importer.run([str(broken), "--dry-run"], out) == 2
    assert out.getvalue().startswith("无法读取导入文件")
