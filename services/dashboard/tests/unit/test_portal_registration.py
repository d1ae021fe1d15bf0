"""The portal's 企业报名 sends the company's token to roadshow at one path only: the id is checked
and escaped, never pasted into roadshow's URL as it came."""

from __future__ import annotations

import httpx
import pytest
from fastapi.testclient import TestClient

from dashboard.config import DashboardSettings
from dashboard.entrypoints.api.main import create_dashboard_app
from ztc_shared.auth import Role, mint_token
from ztc_shared.settings import ServiceSettings

FORM = {
    "company_id": "91350100M000100Y43",
    "name": "某新能源科技有限公司",
    "kind": "tech_company",
    "contact_name": "王五",
}


@pytest.fixture
def portal() -> tuple[TestClient, list[httpx.Request]]:
    sent: list[httpx.Request] = []

    def roadshow(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"status": "approved"})

    app = create_dashboard_app(DashboardSettings(roadshow_url="http://roadshow.test"))
    app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(roadshow))
    return TestClient(app), sent


def company() -> dict[str, str]:
    token = mint_token(ServiceSettings(), subject="c-1", role=Role.COMPANY, region="440000")
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("raw", ["abc%15def", "abc%3Fadmin", "abc%23x", "%2E%2E", "a%2Fb"])
def test_an_id_that_could_leave_its_path_segment_is_refused_before_anything_is_sent(
    portal: tuple[TestClient, list[httpx.Request]], raw: str
) -> None:
    client, sent = portal
    response = client.post(f"/public/roadshows/{raw}/registrations", json=FORM, headers=company())
    assert response.status_code in (404, 422), response.text
    assert response.headers["content-type"].startswith("application/json")
    assert sent == []


def test_a_good_id_reaches_roadshow_at_its_own_path_with_the_token(
    portal: tuple[TestClient, list[httpx.Request]],
) -> None:
    client, sent = portal
    response = client.post(
        "/public/roadshows/roadshow-2f0c1a7e/registrations", json=FORM, headers=company()
    )
    assert response.status_code == 201, response.text
    (request,) = sent
    assert request.url.path == "/roadshows/roadshow-2f0c1a7e/registrations"
    assert request.url.query == b""
    assert request.headers["authorization"] == company()["Authorization"]


def test_roadshow_not_answering_is_a_503_in_the_one_error_body() -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    app = create_dashboard_app(DashboardSettings(roadshow_url="http://roadshow.test"))
    app.state.http = httpx.AsyncClient(transport=httpx.MockTransport(down))
    response = TestClient(app).post(
        "/public/roadshows/roadshow-2f0c1a7e/registrations",
        json=FORM,
        headers={**company(), "X-Correlation-ID": "req-503"},
    )
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert body["error"] == "roadshow_unavailable"
    assert body["correlation_id"] == "req-503"
    assert body["message"] == body["message_zh"] and body["message_en"]
