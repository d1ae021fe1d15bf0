"""A roadshow year through the real app on the real stack: a province applies, Torch Center compares
and approves, launches the programme; a host plans a roadshow, companies register (one with a bad
credit code, one over capacity onto the waiting list, which moves up on a cancellation), the
shortlist arrives, experts review (one recused by institution), the window closes and the roadshow
concludes with its outcomes."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from roadshow.config import RoadshowSettings
from roadshow.entrypoints.api.main import create_roadshow_app
from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration


def bearer(role: Role, subject: str, region: str = "440000") -> dict[str, str]:
    token = mint_token(ServiceSettings(), subject=subject, role=role, region=region)
    return {"Authorization": f"Bearer {token}"}


def company_id(n: int) -> str:
    return sample_credit_code(n)


def wrong_check(code: str) -> str:
    return code[:17] + ("1" if code[17] == "0" else "0")


def company(n: int) -> dict[str, str]:
    return bearer(Role.COMPANY, company_id(n))


PROVINCE = bearer(Role.PROVINCE, "gd-dept")
TORCH = bearer(Role.TORCH_CENTER, "torch-1", "100000")
HOST = bearer(Role.HOST, "host-sz")
SZSE = bearer(Role.SZSE, "szse-1")


def expert(name: str) -> dict[str, str]:
    return bearer(Role.EXPERT, name)


@pytest.fixture
def settings(service_env: dict[str, str], run_id: str) -> RoadshowSettings:
    prefix = f"{run_id}_roadshow_{uuid.uuid4().hex[:6]}"
    return RoadshowSettings(
        region="440000",
        mongodb_uri=service_env["MONGODB_URI"],
        kafka_bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=f"{prefix}.",
        database_prefix=f"{prefix}_",
    )


def test_a_roadshow_year_from_application_to_outcomes(settings: RoadshowSettings) -> None:
    application = {
        "year": 2026,
        "fields": ["new_energy"],
        "industrial_base": "新能源产业集群",
        "company_scale": {
            "tech_companies": 75000,
            "high_tech_enterprises": 24000,
            "listed_companies": 580,
        },
        "funding_wan": "800",
        "proposed_hosts": [
            {
                "host_id": "host-sz",
                "name": "深圳市科技创新局",
                "kind": "municipal_department",
                "region": "440300",
            }
        ],
    }
    plan = {
        "year": 2026,
        "title": "深圳新能源专场",
        "fields": ["new_energy"],
        "region": "440300",
        "event_date": "2026-06-18",
        "venue": "深圳会展中心",
        "format": "on_site",
        "capacity": 2,
        "agenda": [
            {
                "kind": "pitches",
                "title": "项目路演",
                "starts_at": "2026-06-18T09:30:00+08:00",
                "minutes": 120,
            }
        ],
        "plan_text": "本场路演聚焦新能源领域",
    }

    def registration(n: int, **extra: str) -> dict[str, str]:
        return {
            "company_id": company_id(n),
            "name": f"企业{n}",
            "kind": "tech_company",
            "contact_name": "王五",
            **extra,
        }

    with TestClient(create_roadshow_app(settings)) as client:
        submitted = client.post("/host-applications", headers=PROVINCE, json=application)
        assert submitted.status_code == 201, submitted.text
        aid = submitted.json()["id"]
        assert aid == "host-application-2026-440000"
        compared = client.get("/programmes/2026/applications", headers=TORCH)
        assert [a["province_name"] for a in compared.json()] == ["广东省"]
        assert (
            client.post(f"/host-applications/{aid}/approve", headers=PROVINCE, json={}).status_code
            == 403
        )
        assert (
            client.post(f"/host-applications/{aid}/approve", headers=TORCH, json={}).status_code
            == 200
        )

        early = client.post("/roadshows", headers=HOST, json=plan)
        launch = {"notice_title": "2026年度启动通知", "notice_body": "现启动2026年度科技成果直通车"}
        launched = client.post("/programmes/2026/launch", headers=TORCH, json=launch)
        assert launched.status_code == 201, launched.text
        assert (
            client.get("/programmes/2026", headers=company(1)).json()["hosts"][0]["host_id"]
            == "host-sz"
        )

        planned = client.post("/roadshows", headers=HOST, json=plan)
        assert planned.status_code == 201, planned.text
        rid = planned.json()["id"]
        assert (
            client.post(f"/roadshows/{rid}/open-registration", headers=HOST, json={}).status_code
            == 200
        )

        bad = client.post(
            f"/roadshows/{rid}/registrations",
            headers=company(1),
            json=registration(1, company_id=wrong_check(company_id(1))),
        )
        for n in (1, 2, 3):
            reply = client.post(
                f"/roadshows/{rid}/registrations", headers=company(n), json=registration(n)
            )
            assert reply.status_code == 200, reply.text
            approved = client.post(
                f"/roadshows/{rid}/registrations/approve",
                headers=HOST,
                json={"company_id": company_id(n)},
            )
            assert approved.status_code == 200, approved.text
        invited = client.post(
            f"/roadshows/{rid}/registrations",
            headers=SZSE,
            json=registration(4, kind="listed_company"),
        )
        cancelled = client.post(
            f"/roadshows/{rid}/registrations/cancel",
            headers=company(1),
            json={"company_id": company_id(1)},
        )
        view = client.get(f"/roadshows/{rid}", headers=HOST).json()

        pitches = [
            {"achievement_id": "ach-01", "title": "固态电池电解质", "institution": "清华大学"},
            {"achievement_id": "ach-02", "title": "光伏巡检", "institution": "中山大学"},
        ]
        shortlist = client.post(
            f"/roadshows/{rid}/shortlist",
            headers=HOST,
            json={"round_id": "round-1", "pitches": pitches},
        )
        assert shortlist.status_code == 200, shortlist.text
        for name, institution in (("e-thu", "清华大学"), ("e-pku", "北京大学")):
            assigned = client.post(
                f"/roadshows/{rid}/review/experts",
                headers=HOST,
                json={"expert_id": name, "name": name, "institution": institution},
            )
            assert assigned.status_code == 200, assigned.text
        assert client.post(f"/roadshows/{rid}/start", headers=HOST).status_code == 200

        criteria = ["technology_leadership", "industrialisation_feasibility", "industry_prospects"]

        def score(
            achievement_id: str, mark: str, comment: str = "技术领先，建议补充中试数据"
        ) -> dict[str, object]:
            return {
                "achievement_id": achievement_id,
                "scores": dict.fromkeys(criteria, mark),
                "comment": comment,
            }

        recused = client.post(
            f"/roadshows/{rid}/review/scores", headers=expert("e-thu"), json=score("ach-01", "9")
        )
        silent = client.post(
            f"/roadshows/{rid}/review/scores",
            headers=expert("e-pku"),
            json=score("ach-01", "9", ""),
        )
        for achievement_id, mark in (("ach-01", "8"), ("ach-02", "6")):
            scored = client.post(
                f"/roadshows/{rid}/review/scores",
                headers=expert("e-pku"),
                json=score(achievement_id, mark),
            )
            assert scored.status_code == 200, scored.text
        hidden = client.get(f"/roadshows/{rid}/review/results", headers=HOST)
        assert client.post(f"/roadshows/{rid}/review/close", headers=HOST).status_code == 200
        results = client.get(f"/roadshows/{rid}/review/results", headers=HOST)
        concluded = client.post(
            f"/roadshows/{rid}/conclude", headers=HOST, json={"summary": "圆满结束"}
        )
        outcomes = client.get(f"/roadshows/{rid}", headers=HOST).json()["outcomes"]
        outsider = client.get(f"/roadshows/{rid}", headers=bearer(Role.COMPANY, company_id(9)))
        before = {
            r["company_id"]: r["contact_name"]
            for r in client.get(f"/roadshows/{rid}", headers=HOST).json()["registrations"]
        }
        refused_erasure = client.post(
            f"/registrants/{company_id(2)}/erasure", headers=bearer(Role.COMPANY, company_id(3))
        )
        erasure = client.post(
            f"/registrants/{company_id(2)}/erasure", headers=bearer(Role.COMPANY, company_id(2))
        )
        again = client.post(f"/registrants/{company_id(2)}/erasure", headers=PROVINCE)
        # the right shape with a wrong check character: refused on the path, nothing run
        wrong_code = client.post("/registrants/WB793911X5J8AE7LE8/erasure", headers=PROVINCE)
        after = {
            r["company_id"]: r["contact_name"]
            for r in client.get(f"/roadshows/{rid}", headers=HOST).json()["registrations"]
        }

    assert early.status_code == 409 and early.json()["error"] == "programme_not_launched"
    assert bad.status_code == 422 and "校验位" in bad.text
    assert invited.status_code == 200
    assert cancelled.status_code == 200
    seats = {r["company_id"]: (r["seat"], r["invited_by_szse"]) for r in view["registrations"]}
    assert seats == {
        company_id(1): ("cancelled", False),
        company_id(2): ("confirmed", False),
        company_id(3): ("confirmed", False),  # moved up from the waiting list
        company_id(4): ("pending", True),
    }
    assert recused.status_code == 403 and recused.json()["error"] == "recused"
    assert silent.status_code == 422 and silent.json()["error"] == "comment_required"
    assert hidden.status_code == 409 and hidden.json()["error"] == "results_hidden"
    assert results.status_code == 200
    assert [r["rank"] for r in results.json()["results"]] == [1, 2]
    assert concluded.status_code == 200, concluded.text
    assert [p["raw_score"] for p in outcomes["pitches"]] == ["8.00", "6.00"]
    # the contact person is erased by the company itself, once; other registrants keep theirs
    assert before[company_id(2)] == "王五"
    assert refused_erasure.status_code == 403
    assert erasure.status_code == 200, erasure.text
    assert again.status_code == 200 and again.json()["stream_version"] == 1
    assert wrong_code.status_code == 422, wrong_code.text
    assert wrong_code.json()["errors"][0]["field"] == "company_id"
    assert after[company_id(2)] == "（已删除）" and after[company_id(3)] == "王五"
    # a company that did not even register sees the plan and the pitches, not the review
    assert outsider.status_code == 200, outsider.text
    seen = outsider.json()
    assert seen["coaching"] == {} and seen["registrations"] == []
    for pitch in seen["outcomes"]["pitches"]:
        assert not {"raw_score", "normalised_score", "rank", "intents"} & pitch.keys(), pitch
        assert pitch["my_intent"] is False
    assert "8.00" not in outsider.text
    assert outcomes["attendees"] == 2
