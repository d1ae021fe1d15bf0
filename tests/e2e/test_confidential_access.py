"""A company sees an achievement whole only after its holder granted it access (over HTTP)."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.conftest import Slice, bearer, draft_body
from ztc_shared.auth import Role

pytestmark = pytest.mark.integration


def test_the_holders_grant_opens_the_confidential_fields_to_that_company_only(
    running_slice: Slice, holder: dict[str, str], province: dict[str, str]
) -> None:
    expert = bearer(Role.EXPERT, "expert-e2e")
    company = bearer(Role.COMPANY, "91440300MA5E2E0001")
    other_company = bearer(Role.COMPANY, "91440300MA5E2E0002")
    body = draft_body(contact={"name": "王五", "phone": "13900000000"})
    with httpx.Client(base_url=running_slice.intake, timeout=10) as client:
        achievement = (
            "/achievements/" + client.post("/achievements", json=body, headers=holder).json()["id"]
        )
        steps = [
            (f"{achievement}/submit", {}, holder),
            (
                f"{achievement}/evaluators",
                {
                    "evaluators": [
                        {
                            "evaluator_id": "expert-e2e",
                            "name": "评审",
                            "institution": "某技术转移中心",
                        }
                    ]
                },
                province,
            ),
            (
                f"{achievement}/evaluations",
                {
                    "scores": {
                        "advancement": 4,
                        "maturity": 4,
                        "industrial_prospects": 5,
                        "intellectual_property": 3,
                        "team_willingness": 5,
                    },
                    "comment": "具备转化条件",
                    "recommendation": "admit",
                },
                expert,
            ),
            (f"{achievement}/admit", {}, province),
        ]
        for path, payload, who in steps:
            reply = client.post(path, json=payload, headers=who)
            assert reply.status_code == 200, (path, reply.text)

        refused = client.get(achievement, headers=company)
        assert refused.status_code == 403
        assert refused.json()["error"] == "access_not_granted"

        granted = client.post(
            f"{achievement}/grant-access", json={"company_id": "91440300MA5E2E0001"}, headers=holder
        )
        assert granted.status_code == 200, granted.text
        seen = client.get(achievement, headers=company)
        assert seen.status_code == 200, seen.text
        assert seen.json()["details"]["contact"]["phone"] == "13900000000"
        assert seen.json()["combined_score"] == "4.20"
        # not the evaluation behind it: no evaluator, score, comment or recommendation
        assert seen.json()["evaluators"] == [] and seen.json()["evaluations"] == []
        assert seen.json()["recused"] == {} and seen.json()["holder_id"] is None
        assert "expert-e2e" not in seen.text
        assert client.get(achievement, headers=other_company).status_code == 403
