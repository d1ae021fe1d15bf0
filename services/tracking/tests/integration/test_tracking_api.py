"""Tracking's API on the real database: who may call what, readable refusals, nothing half-written,
retries answered once, and the case as recorded."""

from __future__ import annotations

import uuid

import pytest
from fastapi.testclient import TestClient

from tracking.config import TrackingSettings
from tracking.entrypoints.api.main import create_tracking_app
from ztc_shared.auth import Role, mint_token
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.contracts.tracking import intent_case_id
from ztc_shared.settings import ServiceSettings

pytestmark = pytest.mark.integration


def bearer(role: Role, subject: str) -> dict[str, str]:
    token = mint_token(ServiceSettings(), subject=subject, role=role, region="440000")
    return {"Authorization": f"Bearer {token}"}


def company_id(n: int) -> str:
    return sample_credit_code(n, series="MA5A")


PROVINCE = bearer(Role.PROVINCE, "gd-dept")
HOST = bearer(Role.HOST, "host-api")
COMPANY = bearer(Role.COMPANY, company_id(1))


@pytest.fixture
def settings(service_env: dict[str, str], run_id: str) -> TrackingSettings:
    prefix = f"{run_id}_tracking_{uuid.uuid4().hex[:6]}"
    return TrackingSettings(
        mongodb_uri=service_env["MONGODB_URI"],
        kafka_bootstrap_servers=service_env["KAFKA_BOOTSTRAP_SERVERS"],
        topic_prefix=f"{prefix}.",
        database_prefix=f"{prefix}_",
    )


def test_a_case_by_hand_its_guards_and_its_callers(settings: TrackingSettings) -> None:
    case_id = intent_case_id("api-a1", company_id(2))
    body = {
        "kind": "intent",
        "region": "440000",
        "achievement_id": "api-a1",
        "title": "成果api-a1",
        "company_id": company_id(2),
        "host_id": "host-api",
        "year": 2026,
    }
    with TestClient(create_tracking_app(settings)) as client:
        assert client.post("/cases", json=body).status_code == 401
        assert client.post("/cases", json=body, headers=COMPANY).status_code == 403
        opened = client.post("/cases", json=body, headers={**PROVINCE, "Idempotency-Key": "o-1"})
        assert opened.status_code == 201, opened.text
        assert opened.json()["id"] == case_id
        assert opened.headers["Location"] == f"/cases/{case_id}"
        retried = client.post("/cases", json=body, headers={**PROVINCE, "Idempotency-Key": "o-1"})
        assert retried.headers.get("Idempotent-Replayed") == "true"

        negative = client.post(
            f"/cases/{case_id}/deals",
            json={
                "deal_type": "license",
                "amount_wan": "-5",
                "counterpart_id": company_id(2),
                "counterpart_name": "深圳某科技有限公司",
                "signed_on": "2026-01-05",
            },
            headers=HOST,
        )
        assert negative.status_code == 422
        assert "amount_wan" in negative.text
        unknown_type = client.post(
            f"/cases/{case_id}/policy-support",
            json={
                "kind": "cash",
                "granted_by": "某局",
                "granted_on": "2026-01-05",
                "description": "说明",
            },
            headers=HOST,
        )
        assert unknown_type.status_code == 422
        early = client.post(
            f"/cases/{case_id}/landing",
            json={
                "landed_on": "2026-01-05",
                "company_founded_locally": False,
                "investment_wan": "1",
                "jobs": 1,
            },
            headers=HOST,
        )
        assert early.status_code == 409
        assert "签约" in early.text

        detail = client.get(f"/cases/{case_id}", headers=HOST)
        assert detail.status_code == 200
        case = detail.json()
        assert case["stream_version"] == 1  # nothing of the refused commands was written
        assert case["stage"] == "negotiating" and case["kind_name"] == "对接意向跟踪"
        assert client.get("/cases/case-unknown", headers=HOST).status_code == 404
        assert client.get(f"/cases/{case_id}", headers=COMPANY).status_code == 403
        missing = client.get("/summaries/2026/host-api", headers=HOST)
        assert missing.status_code == 404
