"""Bulk import through the real app on the real stack: upload an .xlsx, read the report, find the
events in the event store; upload it again and find nothing new."""

from __future__ import annotations

import io
import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from pymongo import AsyncMongoClient

from intake.config import IntakeSettings
from intake.domain.import_rows import HEADERS
from intake.entrypoints.api.main import create_intake_app
from ztc_shared.auth import Role, mint_token
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row(**overrides: str) -> dict[str, str]:
    values = {
        "成果名称": "工业视觉缺陷检测系统",
        "成果简介": "基于深度学习的表面缺陷检测，检出率 99.5%，已在三条产线应用。",
        "所属领域": "新一代信息技术",
        "细分领域": "人工智能",
        "关键词": "机器视觉、缺陷检测",
        "技术就绪度": "7",
        "成果类型": "软件著作权",
        "知识产权": "2023SR0123456:已授权",
        "转化方式": "技术许可、技术服务",
        "意向价格（万元）": "120",
        "成果持有人": "赵六",
        "所属单位": "华南理工大学",
        "联系人": "赵六",
        "联系电话": "020-87110000",
        "电子邮箱": "zhaoliu@example.edu.cn",
        "计划名称": "国家重点研发计划",
        "项目编号": "2021YFB1700001",
    }
    values.update(overrides)
    return values


def workbook(rows: list[dict[str, str]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(list(HEADERS))
    for values in rows:
        sheet.append([values.get(h, "") for h in HEADERS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def bearer(role: Role, subject: str) -> dict[str, str]:
    token = mint_token(ServiceSettings(), subject=subject, role=role, region="440000")
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def settings(service_env: dict[str, str], run_id: str) -> IntakeSettings:
    prefix = f"{run_id}_import_{uuid.uuid4().hex[:6]}"
    return IntakeSettings(
        region="440000",
        mongodb_uri=service_env["MONGODB_URI"],
        kafka_bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=f"{prefix}.",
        database_prefix=f"{prefix}_",
    )


async def test_an_upload_imports_the_good_rows_once_and_reports_the_bad_ones(
    settings: IntakeSettings, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    province = bearer(Role.PROVINCE, "gd-import-1")
    data = workbook(
        [
            row(),
            row(项目编号="2021YFB1700002", 技术就绪度="十"),
            row(项目编号="2021YFB1700003", 所属领域="new_energy", 细分领域="hydrogen"),
        ]
    )
    upload = {"file": ("国家计划成果.xlsx", data, XLSX)}

    # a client's Idempotency-Key covers the upload, not each row: all good rows are imported
    keyed = {**province, "Idempotency-Key": "upload-2021-batch-1"}
    with TestClient(create_intake_app(settings)) as client:
        first = client.post("/imports", headers=keyed, files=upload)
        again = client.post("/imports", headers=keyed, files=upload)

    assert first.status_code == 200, first.text
    report = first.json()
    assert report["summary"] == "导入完成：共 3 行，新导入 2 行，已导入过 0 行，有误未导入 1 行"
    assert [r["row"] for r in report["imported"]] == [2, 4]
    assert report["rejected"] == [
        {
            "row": 3,
            "title": "工业视觉缺陷检测系统",
            "errors_zh": ["第3行：技术就绪度必须是1到9的整数（当前为“十”）"],
            "errors_en": ["Row 3: TRL must be an integer from 1 to 9 (got “十”)"],
        }
    ]
    store = MongoEventStore(mongo_client[settings.database])
    for imported in report["imported"]:
        stored = await store.load(imported["id"], fresh=True)
        assert [e.event_type for e in stored.events] == [
            "AchievementDrafted",
            "AchievementSubmitted",
        ]
        assert stored.events[0].payload["channel"] == "national_programme"
        assert stored.events[0].actor == "gd-import-1"
    hydrogen = await store.load(report["imported"][1]["id"], fresh=True)
    assert hydrogen.events[0].payload["sub_field"] == "hydrogen"
    pending = await store.count_unpublished()
    assert pending == 4  # two commands for each of the two rows, waiting for the relay

    assert again.status_code == 200, again.text
    second = again.json()
    assert second["imported"] == []
    assert second["already_imported"] == report["imported"]
    assert [r["row"] for r in second["rejected"]] == [3]
    assert second["summary_zh"] == "导入完成：共 3 行，新导入 0 行，已导入过 2 行，有误未导入 1 行"
    assert await store.count_unpublished() == pending


async def test_the_template_downloads_and_only_operators_and_agencies_import(
    settings: IntakeSettings,
) -> None:
    holder = bearer(Role.HOLDER, "holder-import-1")

    with TestClient(create_intake_app(settings)) as client:
        template = client.get("/imports/template.xlsx", headers=holder)
        csv_template = client.get("/imports/template.csv", headers=holder)
        refused = client.post(
            "/imports", headers=holder, files={"file": ("a.xlsx", workbook([row()]), XLSX)}
        )
        anonymous = client.get("/imports/template.xlsx")
        unreadable = client.post(
            "/imports",
            headers=bearer(Role.SUPPORT_ORG, "agency-1"),
            files={"file": ("a.xlsx", b"not a workbook", XLSX)},
        )
        english = client.post(
            "/imports?dry_run=true",
            headers={**bearer(Role.TORCH_CENTER, "torch-1"), "Accept-Language": "en"},
            files={"file": ("a.xlsx", workbook([row()]), XLSX)},
        )

    assert template.status_code == 200
    assert template.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert csv_template.content.startswith("\ufeff成果名称,成果简介".encode())
    assert refused.status_code == 403
    assert anonymous.status_code == 401
    assert unreadable.status_code == 422
    assert unreadable.json()["message_zh"] == "无法读取导入文件：文件不是有效的 .xlsx 文件"
    assert english.status_code == 200
    assert english.json()["summary"] == "Checked, nothing imported: 1 rows, 1 valid, 0 with errors"
