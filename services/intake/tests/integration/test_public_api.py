"""The read side on the real database: commands through intake's API, their events projected by the
projection runner into the active generations, then the public search and the catalogue read back
through the same API.

The runner is called directly (the worker process would do the same from Kafka): it is the fast
and deterministic way to have both projections applied before reading them.
"""

from __future__ import annotations

import io
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient

from intake.application.projections import PROJECTIONS
from intake.config import IntakeSettings
from intake.entrypoints.api.main import create_intake_app
from ztc_shared.auth import Role, mint_token
from ztc_shared.events import encode_event
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.projections import (
    Message,
    MongoProjectionCatalog,
    MongoProjectionStore,
    ProjectionRunner,
)
from ztc_tools.stack import StackEndpoints

pytestmark = pytest.mark.integration

REGION = "440000"
SECRET_PHONE = "13912345678"
SECRET_PRICE = "8765432.1"


@dataclass
class Api:
    http: httpx.AsyncClient
    settings: IntakeSettings
    client: AsyncMongoClient[dict[str, Any]]

    def token(
        self, role: Role, subject: str, name: str | None = None, organisation: str | None = None
    ) -> dict[str, str]:
        token = mint_token(
            self.settings,
            subject=subject,
            role=role,
            region=REGION,
            name=name,
            organisation=organisation,
        )
        return {"Authorization": f"Bearer {token}"}

    async def post(self, path: str, who: dict[str, str], body: dict[str, Any]) -> dict[str, Any]:
        response = await self.http.post(path, json=body, headers=who)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    async def project(self, *achievement_ids: str) -> None:
        """Apply every event of these achievements to both projections, as the workers would."""
        database = self.client[self.settings.database]
        store = MongoEventStore(database)
        messages: list[Message] = []
        for achievement_id in achievement_ids:
            loaded = await store.load(achievement_id, fresh=True)
            for event in loaded.events:
                messages.append(
                    Message(
                        "ztc.intake.events",
                        0,
                        len(messages),
                        achievement_id.encode(),
                        encode_event(event),
                    )
                )
        catalog = MongoProjectionCatalog(
            database, self.settings.service, self.settings.topic_prefix
        )
        for name, build in PROJECTIONS.items():
            definition = build(self.settings.topic_prefix)
            generation = await catalog.active(name)
            runner = ProjectionRunner(
                name,
                definition.projector(),
                MongoProjectionStore(database[generation.collection]),
            )
            outcome = await runner.handle(messages)
            assert outcome.dead_letters == []


@pytest.fixture
async def api(
    stack: StackEndpoints,
    run_id: str,
    monkeypatch: pytest.MonkeyPatch,
    mongo_client: AsyncMongoClient[dict[str, Any]],
) -> AsyncIterator[Api]:
    unique = f"{run_id}_pub{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("MONGODB_URI", stack.mongodb_uri)
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", stack.kafka_bootstrap_servers)
    monkeypatch.setenv("ZTC_DATABASE_PREFIX", f"{unique}_")
    monkeypatch.setenv("ZTC_TOPIC_PREFIX", f"{unique}.")
    monkeypatch.setenv("REGION", REGION)
    settings = IntakeSettings()
    app = create_intake_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://intake") as http:
            yield Api(http, settings, mongo_client)
    await mongo_client.drop_database(settings.database)


def draft(title: str, abstract: str, institution: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "abstract": abstract,
        "field": "new_materials",
        "sub_field": "frontier_materials",
        "keywords": ["热管理"],
        "trl": 6,
        "holder_name": "王静怡",
        "institution": institution,
        "channel": "self_nomination",
        "transfer_modes": ["license"],
        "contact": {"name": "王老师", "phone": SECRET_PHONE},
        "asking_price_wan": SECRET_PRICE,
        **extra,
    }


async def publish(api: Api, achievement_id: str, evaluator: str) -> int:
    operator = api.token(Role.PROVINCE, "province-1")
    await api.post(
        f"/achievements/{achievement_id}/evaluators",
        operator,
        {"evaluators": [{"evaluator_id": evaluator, "name": "专家", "institution": "评估中心"}]},
    )
    scores = dict.fromkeys(
        (
            "advancement",
            "maturity",
            "industrial_prospects",
            "intellectual_property",
            "team_willingness",
        ),
        4,
    )
    await api.post(
        f"/achievements/{achievement_id}/evaluations",
        api.token(Role.EXPERT, evaluator),
        {"scores": scores, "comment": "技术成熟", "recommendation": "admit"},
    )
    await api.post(f"/achievements/{achievement_id}/admit", operator, {})
    published = await api.post(f"/achievements/{achievement_id}/publish", operator, {})
    return int(published["stream_version"])


async def test_search_catalogue_and_export_on_the_real_database(api: Api) -> None:
    holder = api.token(Role.HOLDER, "holder-1", organisation="org-sysu")
    other_holder = api.token(Role.HOLDER, "holder-2", organisation="org-szu")
    title_hit = await api.post(
        "/achievements",
        holder,
        draft(
            "高导热石墨烯复合散热膜规模化制备技术",
            "以连续涂布和梯度热还原制得柔性散热膜，面内导热系数高。",
            "中山大学",
        ),
    )
    abstract_hit = await api.post(
        "/achievements",
        holder,
        draft(
            "柔性电子器件封装材料",
            "封装层中加入少量石墨烯以提高阻隔性能与散热能力。",
            "华南理工大学",
            trl=4,
            transfer_modes=["equity"],
        ),
    )
    still_draft = await api.post(
        "/achievements",
        other_holder,
        draft("石墨烯散热涂料", "尚未提交的石墨烯散热涂料配方说明。", "深圳大学"),
    )
    ids = [title_hit["id"], abstract_hit["id"], still_draft["id"]]
    for achievement_id in ids[:2]:
        await api.post(f"/achievements/{achievement_id}/submit", holder, {})
    version = await publish(api, ids[0], "expert-1")
    await publish(api, ids[1], "expert-2")
    await api.project(*ids)

    # 信息公开: no token; the title match first, the abstract match second, the draft absent.
    found = await api.http.get("/public/achievements", params={"q": "石墨烯散热"})
    assert found.status_code == 200, found.text
    body = found.json()
    assert [item["id"] for item in body["items"]] == ids[:2]
    assert body["total"] == 2
    assert body["items"][0]["score"] > body["items"][1]["score"]
    assert SECRET_PHONE not in found.text and SECRET_PRICE not in found.text
    assert body["items"][0]["contact"] is None
    filtered = await api.http.get(
        "/public/achievements", params={"q": "石墨烯", "trl_min": 5, "region": REGION}
    )
    assert [item["id"] for item in filtered.json()["items"]] == ids[:1]
    by_mode = await api.http.get("/public/achievements", params={"transfer_mode": "equity"})
    assert [item["id"] for item in by_mode.json()["items"]] == ids[1:2]
    by_date = await api.http.get("/public/achievements", params={"q": "石墨烯", "sort": "date"})
    assert [item["id"] for item in by_date.json()["items"]] == [ids[1], ids[0]]
    paged = await api.http.get("/public/achievements", params={"page": 2, "page_size": 1})
    assert paged.json()["total"] == 2 and len(paged.json()["items"]) == 1
    one = await api.http.get(f"/public/achievements/{ids[0]}", params={"min_version": version})
    assert one.status_code == 200, one.text
    assert one.headers["X-Stream-Version"] == str(version)
    assert (await api.http.get(f"/public/achievements/{ids[2]}")).status_code == 404
    # The public see what is published now: the past could disclose what was withdrawn since.
    for path in ("/public/achievements", f"/public/achievements/{ids[0]}"):
        past = await api.http.get(path, params={"as_of": "2026-09-30T23:59:59+08:00"})
        assert past.status_code == 422, past.text
        assert "不支持时间回溯" in past.json()["message_zh"]

    # 成果库: each reader sees what they may.
    async def listed(who: dict[str, str]) -> set[str]:
        response = await api.http.get("/achievements", headers=who)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert await listed(holder) == set(ids[:2])
    assert await listed(other_holder) == {ids[2]}
    # an institution reads what its organisation's accounts drafted, by the organisation's id
    assert await listed(api.token(Role.SUPPORT_ORG, "org-1", "中山大学", "org-sysu")) == set(
        ids[:2]
    )
    assert await listed(api.token(Role.SUPPORT_ORG, "org-3", "深圳大学", "org-szu")) == {ids[2]}
    # not by the display name its token carries
    assert await listed(api.token(Role.SUPPORT_ORG, "org-2", "中山大学", "org-other")) == set()
    assert await listed(api.token(Role.SUPPORT_ORG, "org-4", "中山大学")) == set()
    assert await listed(api.token(Role.EXPERT, "expert-2")) == {ids[1]}
    assert await listed(api.token(Role.EXPERT, "expert-9")) == set()
    assert await listed(api.token(Role.TORCH_CENTER, "torch-1")) == set(ids)
    assert await listed(api.token(Role.PROVINCE, "province-1")) == set(ids)
    company = api.token(Role.COMPANY, "company-1")
    assert (await api.http.get("/achievements", headers=company)).status_code == 403
    drafts = await api.http.get(
        "/achievements", params={"status": "draft"}, headers=api.token(Role.TORCH_CENTER, "t")
    )
    assert [item["status_name"] for item in drafts.json()["items"]] == ["草稿"]

    # The export: operators only, every field, confidential ones too.
    from openpyxl import load_workbook

    assert (await api.http.get("/achievements/export.xlsx", headers=holder)).status_code == 403
    export = await api.http.get(
        "/achievements/export.xlsx", headers=api.token(Role.PROVINCE, "province-1")
    )
    assert export.status_code == 200, export.text
    assert "filename*=UTF-8''" in export.headers["content-disposition"]
    rows = list(load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 4
    header = rows[0]
    statuses = {row[header.index("状态")] for row in rows[1:]}
    assert statuses == {"已公开", "草稿"}
    assert any(SECRET_PHONE in str(row[header.index("联系人")]) for row in rows[1:])
    assert {row[header.index("综合评分")] for row in rows[1:]} == {4.0, None}
