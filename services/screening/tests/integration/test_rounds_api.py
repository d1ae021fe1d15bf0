"""A screening round through the real app on the real stack: open it, longlist admitted achievements
of the library, push the longlist to companies, collect their interest, read the live tally and the
suggested shortlist, and finalise; the refusals come back as readable 4xx replies."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pymongo import AsyncMongoClient

from screening.application.library import LIBRARY
from screening.config import ScreeningSettings
from screening.entrypoints.api.main import create_screening_app
from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration

FIELDS = ["new_energy", "next_gen_it", "biotech"]


def bearer(role: Role, subject: str) -> dict[str, str]:
    token = mint_token(ServiceSettings(), subject=subject, role=role, region="440000")
    return {"Authorization": f"Bearer {token}"}


def company_id(n: int) -> str:
    return sample_credit_code(n, series="MA5G")


HOST = bearer(Role.HOST, "host-sz")
AGENCY = bearer(Role.SUPPORT_ORG, "agency-1")


@pytest.fixture
def settings(service_env: dict[str, str], run_id: str) -> ScreeningSettings:
    prefix = f"{run_id}_rounds_{uuid.uuid4().hex[:6]}"
    return ScreeningSettings(
        region="440000",
        mongodb_uri=service_env["MONGODB_URI"],
        kafka_bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=f"{prefix}.",
        database_prefix=f"{prefix}_",
    )


async def seed_library(
    settings: ScreeningSettings, client: AsyncMongoClient[dict[str, Any]]
) -> None:
    """Twelve admitted achievements and one still under evaluation, as the projection keeps them."""
    database = client[settings.database]
    generation = await MongoProjectionCatalog(
        database, settings.service, settings.topic_prefix
    ).active(LIBRARY)
    now = datetime.now(UTC)
    documents = [
        {
            "_id": f"ach-{i:02d}",
            "title": f"成果{i:02d}",
            "abstract": "用于筛选测试的成果简介。",
            "field": FIELDS[i % 3],
            "keywords": [],
            "trl": 6,
            "holder_name": "李四",
            "institution": "中山大学",
            "channel": "open_call",
            "region": "440000",
            "status": "admitted" if i != 13 else "under_evaluation",
            "combined_score": f"{4.8 - i / 20:.2f}",
            "submitted_at": now,
            "stream_version": 6,
        }
        for i in range(1, 14)
    ]
    await database[generation.collection].insert_many(documents)


async def test_a_round_from_longlist_to_shortlist(
    settings: ScreeningSettings, mongo_client: AsyncMongoClient[dict[str, Any]]
) -> None:
    await seed_library(settings, mongo_client)
    round_ = {
        "roadshow_ref": "roadshow-sz-2026-03",
        "title": "深圳新能源专场",
        "fields": ["new_energy", "next_gen_it"],
        "industry_needs": "储能电池回收、光伏组件智能运维",
        "region": "440300",
    }

    with TestClient(create_screening_app(settings)) as client:
        too_small = client.post("/rounds", headers=HOST, json={**round_, "longlist_target": 30})
        opened = client.post("/rounds", headers=HOST, json=round_)
        assert opened.status_code == 201, opened.text
        rid = opened.json()["id"]
        assert opened.headers["Location"] == f"/rounds/{rid}"

        added = [
            client.post(
                f"/rounds/{rid}/candidates",
                headers=AGENCY,
                json={"achievement_id": f"ach-{i:02d}", "reason": "契合主题"},
            )
            for i in range(1, 13)
        ]
        reviewing = client.post(
            f"/rounds/{rid}/candidates",
            headers=AGENCY,
            json={"achievement_id": "ach-13", "reason": "试试"},
        )
        by_company = client.post(
            f"/rounds/{rid}/candidates",
            headers=bearer(Role.COMPANY, company_id(1)),
            json={"achievement_id": "ach-01", "reason": "试试"},
        )
        early = client.post(
            f"/rounds/{rid}/interest",
            headers=bearer(Role.COMPANY, company_id(1)),
            json={"answers": [{"achievement_id": "ach-01", "level": "interested"}]},
        )
        removed = client.post(
            f"/rounds/{rid}/candidates/ach-12/remove", headers=AGENCY, json={"reason": "持有人撤回"}
        )
        back = client.post(
            f"/rounds/{rid}/candidates",
            headers=AGENCY,
            json={"achievement_id": "ach-12", "reason": "持有人确认参加"},
        )

        push = {"company_ids": [company_id(1), company_id(2)]}
        key = {"Idempotency-Key": f"publish-{rid}"}
        published = client.post(f"/rounds/{rid}/publish", headers={**HOST, **key}, json=push)
        replayed = client.post(f"/rounds/{rid}/publish", headers={**HOST, **key}, json=push)

        answers = client.post(
            f"/rounds/{rid}/interest",
            headers=bearer(Role.COMPANY, company_id(1)),
            json={
                "answers": [
                    {"achievement_id": "ach-03", "level": "must_meet", "reason": "fits_our_needs"},
                    {"achievement_id": "ach-01", "level": "not_interested", "reason": "price"},
                ]
            },
        )
        client.post(
            f"/rounds/{rid}/interest",
            headers=bearer(Role.COMPANY, company_id(2)),
            json={
                "answers": [
                    {
                        "achievement_id": "ach-01",
                        "level": "not_interested",
                        "reason": "other",
                        "suggestion": "希望补充中试数据",
                    }
                ]
            },
        )
        stranger = client.post(
            f"/rounds/{rid}/interest",
            headers=bearer(Role.COMPANY, company_id(9)),
            json={"answers": [{"achievement_id": "ach-01", "level": "interested"}]},
        )
        demand = client.post(
            f"/rounds/{rid}/demands",
            headers=bearer(Role.COMPANY, company_id(2)),
            json={"demand": "需要光伏组件清洗机器人", "fields": ["new_energy"]},
        )

        view = client.get(f"/rounds/{rid}", headers=HOST)
        company_view = client.get(f"/rounds/{rid}", headers=bearer(Role.COMPANY, company_id(1)))

        nine = client.post(
            f"/rounds/{rid}/shortlist",
            headers=HOST,
            json={"selected": [f"ach-{i:02d}" for i in range(1, 10)]},
        )
        selected = [f"ach-{i:02d}" for i in range(2, 12)]
        final = client.post(
            f"/rounds/{rid}/shortlist",
            headers=HOST,
            json={"selected": selected, "reasons": {"ach-03": "企业必须对接"}},
        )
        after = client.post(
            f"/rounds/{rid}/candidates/ach-01/remove", headers=AGENCY, json={"reason": "晚了"}
        )

    assert too_small.status_code == 422
    assert too_small.json()["error"] == "longlist_target_out_of_range"
    assert "理由" in too_small.json()["message_zh"]

    assert [r.status_code for r in added] == [200] * 12, [r.text for r in added]
    assert added[-1].json()["longlist_size"] == 12
    assert added[-1].headers["X-Stream-Version"] == "13"
    assert reviewing.status_code == 422
    assert reviewing.json()["error"] == "not_in_library"
    assert by_company.status_code == 403
    assert early.status_code == 409
    assert early.json()["error"] == "not_published"
    assert removed.status_code == 200 and back.status_code == 200

    assert published.status_code == 200, published.text
    assert published.json()["status"] == "published"
    assert replayed.headers.get("Idempotent-Replayed") == "true"
    assert answers.status_code == 200, answers.text
    assert stranger.status_code == 403
    assert stranger.json()["error"] == "not_pushed_to_you"
    assert demand.status_code == 200

    assert view.status_code == 200, view.text
    body = view.json()
    assert body["status_name"] == "已推送企业"
    assert [c["achievement_id"] for c in body["longlist"]] == [f"ach-{i:02d}" for i in range(1, 13)]
    assert body["companies"] == [company_id(1), company_id(2)]
    tally = {t["achievement_id"]: t for t in body["tally"]}
    assert tally["ach-01"]["levels"] == {"must_meet": 0, "interested": 0, "not_interested": 2}
    assert {r["name"]: r["count"] for r in tally["ach-01"]["reasons"]} == {"价格": 1, "其他": 1}
    assert tally["ach-01"]["suggestions"] == ["希望补充中试数据"]
    assert tally["ach-03"]["levels"]["must_meet"] == 1
    suggested = [s["achievement_id"] for s in body["suggested_shortlist"]]
    assert len(suggested) == 12  # the round's maximum is 20; the longlist has 12
    assert suggested[0] == "ach-03"
    # Two companies not interested push ach-01 behind ach-04, the next of its field.
    assert suggested.index("ach-01") > suggested.index("ach-04")
    assert body["suggested_shortlist"][0]["reason_zh"].startswith("评估综合分 4.65")
    assert body["demands"][0]["demand"] == "需要光伏组件清洗机器人"
    assert body["removed"] == {}

    assert company_view.status_code == 200
    seen = company_view.json()
    assert seen["tally"] == [] and seen["suggested_shortlist"] == []
    assert [a["achievement_id"] for a in seen["my_answers"]] == ["ach-03", "ach-01"]

    assert nine.status_code == 422
    assert nine.json()["error"] == "shortlist_size"
    assert nine.json()["message_zh"] == "拟路演项目应为 10–20 个，当前选择了 9 个"
    assert final.status_code == 200, final.text
    assert final.json()["status_name"] == "已确定路演项目"
    assert after.status_code == 409
    assert after.json()["error"] == "round_finalized"

    store = MongoEventStore(mongo_client[settings.database])
    stored = await store.load(rid, fresh=True)
    types = [e.event_type for e in stored.events]
    assert types[0] == "ScreeningRoundOpened"
    assert types.count("CandidateLonglisted") == 13
    assert types[-5:] == [
        "LonglistPublished",
        "CompanyInterestRecorded",
        "CompanyInterestRecorded",
        "CompanyDemandStated",
        "ShortlistFinalized",
    ]
    finalized = stored.events[-1].payload
    assert finalized["selected"] == selected
    assert finalized["not_selected"] == ["ach-01", "ach-12"]
    assert finalized["reasons"]["ach-03"] == "企业必须对接"
    assert stored.events[0].stream_type == "screening_round"
    assert await store.count_unpublished() > 0  # waiting for screening's relay
