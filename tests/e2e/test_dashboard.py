"""The dashboard and the portal in a real browser (Debian's Chromium driven by Playwright) against
real processes on the real stack: roadshow's API and relay, the dashboard's worker and API.

Given a year of events of two provinces on the services' topics (Guangdong's and Beijing's, some
sent twice) and a roadshow planned through roadshow's own API, the overview shows exactly those
figures with its charts drawn, a provincial user sees only their province (pages, API and exports),
and a company registering on the portal is refused a bad credit code as it types and is registered
with a good one. The tests take screenshots of the main pages; with ZTC_SCREENSHOTS=1
(`make screenshots`) they are saved to docs/screenshots/ for the README.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from openpyxl import load_workbook
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from dashboard.scenario import Scenario, Step, credit_code
from tests.e2e.conftest import SETTINGS
from ztc_shared.auth import Role, mint_token
from ztc_shared.kafka import service_topic
from ztc_shared.kafka.publisher import KafkaEventPublisher
from ztc_shared.relay import RELAY_READY
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import (
    APIS,
    RELAYS,
    WORKERS,
    ServiceProcess,
    all_running,
    free_port,
)

pytestmark = pytest.mark.integration
# The machine may be shared: generous waits, never a fixed sleep.
expect.set_options(timeout=20_000)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The README's screenshots are refreshed on purpose (`make screenshots`); a test run keeps its own.
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("ZTC_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "ztc-screenshots"
)
GD, BJ = "440000", "110000"
PUBLIC_NOTICE = "关于组织企业参加新能源专场路演的通知"
HOSTS_NOTICE = "关于报送年度工作总结的通知（承办单位）"


def token(role: Role, subject: str, region: str) -> str:
    return mint_token(SETTINGS, subject=subject, role=role, region=region)


TORCH = token(Role.TORCH_CENTER, "torch-1", "100000")
GD_DEPT = token(Role.PROVINCE, "gd-dept", GD)
COMPANY_CODE = credit_code("440300", 77)
COMPANY = token(Role.COMPANY, COMPANY_CODE, GD)


@dataclass
class World:
    dashboard: str
    roadshow_id: str
    roadshow_title: str
    achievement_ids: list[str]
    bj_roadshow_title: str


async def publish(bootstrap: str, prefix: str, steps: Step) -> None:
    publisher = KafkaEventPublisher(bootstrap, client_id="dashboard-e2e")
    await publisher.start()
    try:
        for service, envelope in steps:
            await publisher.publish(service_topic(service, prefix), [envelope])
    finally:
        await publisher.stop()
    # A message no one can read: the worker puts it on the dead-letter topic and goes on.
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        await producer.send_and_wait(service_topic("intake", prefix), b"not an event", key=b"x")
    finally:
        await producer.stop()


def history() -> tuple[Step, list[str], str]:
    """Guangdong: three results collected and admitted (two biotech, one new energy), two on a
    longlist, one on stage, an intent, a deal of 350.5 万元 that landed with 1200 万元 and is now
    overdue, and host-sz's summary submitted. Beijing: two collected, one admitted."""
    gd, bj = Scenario(GD), Scenario(BJ)
    steps: Step = []
    ids = []
    for field in ("biotech", "biotech", "new_energy"):
        achievement_id, made = gd.achievement(field, confidential=("abstract",))
        ids.append(achievement_id)
        steps += made
    roadshow_id, made = gd.roadshow("host-sz", title="深圳生物医药专场（模拟）")
    steps += made
    round_id, made = gd.screening_round("host-sz", roadshow_id, ["biotech"])
    steps += made
    steps += gd.longlist(round_id, ids[0], "biotech") + gd.longlist(round_id, ids[1], "biotech")
    steps += gd.shortlist(round_id, [ids[0]])
    steps += gd.intent(roadshow_id, ids[0], 5)
    case_id, made = gd.case(ids[0], "host-sz", "biotech")
    steps += made
    steps += gd.deal(case_id, ids[0], "350.5", 5)
    steps += gd.landed(case_id, ids[0], "1200")
    steps += gd.overdue(case_id, ids[0], 12)
    steps += gd.summary_submitted(date.today().year, "host-sz")
    steps += gd.notice(PUBLIC_NOTICE) + gd.notice(HOSTS_NOTICE, roles=("host",))
    for admitted in (True, False):
        _, made = bj.achievement("new_materials", admitted=admitted)
        steps += made
    _, made = bj.roadshow("host-bj", title="北京新材料专场（模拟）", fields=("new_materials",))
    steps += made
    # Delivered twice, as a relay re-sends after a crash: counted once.
    steps += [s for s in steps if s[0] == "intake"][:4]
    return steps, ids, "北京新材料专场（模拟）"


def plan_roadshow_through_its_api(roadshow: str) -> tuple[str, str]:
    """A province applies, Torch Center approves and launches, host-sz plans a roadshow and opens
    registration: everything through roadshow's API, its events relayed to Kafka."""
    day = date.today() + timedelta(days=10)
    year = day.year
    province = {"Authorization": f"Bearer {GD_DEPT}"}
    torch = {"Authorization": f"Bearer {TORCH}"}
    host = {"Authorization": f"Bearer {token(Role.HOST, 'host-sz', GD)}"}
    title = "深圳新能源专场路演"
    with httpx.Client(base_url=roadshow, timeout=30) as client:
        applied = client.post(
            "/host-applications",
            headers=province,
            json={
                "year": year,
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
            },
        )
        assert applied.status_code == 201, applied.text
        approved = client.post(
            f"/host-applications/{applied.json()['id']}/approve", headers=torch, json={}
        )
        assert approved.status_code == 200, approved.text
        launched = client.post(
            f"/programmes/{year}/launch",
            headers=torch,
            json={"notice_title": f"{year}年度启动通知", "notice_body": "现启动科技成果直通车"},
        )
        assert launched.status_code == 201, launched.text
        planned = client.post(
            "/roadshows",
            headers=host,
            json={
                "year": year,
                "title": title,
                "fields": ["new_energy"],
                "region": "440300",
                "event_date": day.isoformat(),
                "venue": "深圳会展中心",
                "format": "on_site",
                "capacity": 100,
                "agenda": [
                    {
                        "kind": "keynote",
                        "title": "主旨演讲",
                        "starts_at": f"{day.isoformat()}T09:00:00+08:00",
                        "minutes": 30,
                    },
                    {
                        "kind": "pitches",
                        "title": "项目路演",
                        "starts_at": f"{day.isoformat()}T09:30:00+08:00",
                        "minutes": 120,
                    },
                ],
                "plan_text": "本场路演聚焦新能源领域",
            },
        )
        assert planned.status_code == 201, planned.text
        roadshow_id = planned.json()["id"]
        opened = client.post(f"/roadshows/{roadshow_id}/open-registration", headers=host, json={})
        assert opened.status_code == 200, opened.text
    return roadshow_id, title


def wait_for(check: Any, what: str, timeout: float = 60.0) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.3)
    raise AssertionError(f"{what}: not reached in {timeout}s (last: {last!r})")


@pytest.fixture(scope="module")
def world(service_env: dict[str, str], log_dir: Path, run_id: str) -> Iterator[World]:
    prefix = f"{run_id}dash."
    roadshow_port, dashboard_port = free_port(), free_port()
    env = {
        **service_env,
        "ZTC_TOPIC_PREFIX": prefix,
        "ZTC_DATABASE_PREFIX": f"{run_id}dash_",
        "REGION": GD,
        "ROADSHOW_PORT": str(roadshow_port),
        "DASHBOARD_PORT": str(dashboard_port),
        "DASHBOARD_WORKER_METRICS_PORT": str(free_port()),
        "DASHBOARD_ROADSHOW_URL": f"http://127.0.0.1:{roadshow_port}",
        "DASHBOARD_SERVICE_URLS": json.dumps({"roadshow": f"http://127.0.0.1:{roadshow_port}"}),
    }
    processes = [
        ServiceProcess(
            "dash-roadshow-api", APIS["roadshow"], env=env, log_dir=log_dir, port=roadshow_port
        ),
        ServiceProcess(
            "dash-roadshow-relay",
            RELAYS["roadshow"],
            env=env,
            log_dir=log_dir,
            ready_marker=RELAY_READY,
        ),
        ServiceProcess(
            "dashboard-worker",
            WORKERS["dashboard"],
            env=env,
            log_dir=log_dir,
            args=("run",),
            ready_marker=WORKER_READY,
        ),
        ServiceProcess(
            "dashboard-api", APIS["dashboard"], env=env, log_dir=log_dir, port=dashboard_port
        ),
    ]
    with all_running(processes):
        steps, ids, bj_title = history()
        asyncio.run(publish(service_env["KAFKA_BOOTSTRAP_SERVERS"], prefix, steps))
        roadshow_id, title = plan_roadshow_through_its_api(f"http://127.0.0.1:{roadshow_port}")
        base = f"http://127.0.0.1:{dashboard_port}"
        wait_for(
            lambda: httpx.get(f"{base}/public/roadshows/{roadshow_id}").status_code == 200,
            "the planned roadshow reaches the dashboard",
        )
        yield World(base, roadshow_id, title, ids, bj_title)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def signed_in(browser: Browser, world: World, bearer: str | None) -> BrowserContext:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="zh-CN", base_url=world.dashboard
    )
    context.set_default_timeout(60_000)
    if bearer is not None:
        context.add_cookies([{"name": "ztc_token", "value": bearer, "url": world.dashboard}])
    return context


def overview(world: World, bearer: str, region: str | None = None) -> dict[str, Any]:
    reply = httpx.get(
        f"{world.dashboard}/api/overview",
        params={"region": region} if region else {},
        headers={"Authorization": f"Bearer {bearer}"},
    )
    assert reply.status_code == 200, reply.text
    data: dict[str, Any] = reply.json()
    return data


NATIONAL = {
    "collected": 5,
    "admitted": 4,
    "longlisted": 2,
    "on_stage": 1,
    "intents": 1,
    "signed": 1,
    "landed": 1,
    "industrialised": 0,
}
GUANGDONG = {**NATIONAL, "collected": 3, "admitted": 3}


def counts(data: dict[str, Any]) -> dict[str, int]:
    return {row["stage"]: row["count"] for row in data["funnel"]}


def test_the_overview_shows_the_figures_of_the_events_with_a_chart(
    world: World, browser: Browser
) -> None:
    wait_for(lambda: counts(overview(world, TORCH)) == NATIONAL, "national figures")
    # Everything has been read (no lag left), and the duplicates were not counted twice.
    data = overview(world, TORCH)
    assert counts(data) == NATIONAL
    funnel = {row["stage"]: row for row in data["funnel"]}
    assert funnel["signed"]["amount_wan"] == "350.5"
    assert funnel["landed"]["amount_wan"] == "1200"
    by_province = {row["key"]: row["counts"]["collected"] for row in data["by_province"]}
    assert by_province == {GD: 3, BJ: 2}

    context = signed_in(browser, world, TORCH)
    page = context.new_page()
    page.goto("/dashboard")
    for stage, expected in NATIONAL.items():
        expect(page.locator(f"#funnel li[data-stage={stage}] .value")).to_have_text(str(expected))
    chart = page.locator("#chart-funnel")
    expect(chart).to_have_attribute("data-rendered", "true")
    assert chart.locator("canvas").count() >= 1
    expect(page.locator("#chart-provinces")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#table-provinces")).to_contain_text("广东省")
    expect(page.locator("#table-provinces")).to_contain_text("北京市")
    expect(page.locator("#table-hosts")).to_contain_text("深圳市科技创新局")
    expect(page.locator("#table-hosts")).to_contain_text("已提交")
    expect(page.locator("#table-cases")).to_contain_text("12 天")
    expect(page.locator("#table-calendar")).to_contain_text(world.roadshow_title)
    expect(page.locator("#table-streams tbody tr")).to_have_count(5)
    expect(page.locator("#table-streams")).to_contain_text("roadshow")

    def streams_health() -> dict[str, Any]:
        health = httpx.get(
            f"{world.dashboard}/api/streams",
            headers={"Authorization": f"Bearer {TORCH}"},
            timeout=30,
        ).json()
        return {s["service"]: s for s in health["services"]}

    # The unreadable message went to the dead-letter topic (with its reason), and only it.
    wait_for(lambda: streams_health()["intake"]["dead_letters"] > 0, "a dead letter")
    streams = streams_health()
    assert streams["intake"]["dead_letters"] == 1
    assert streams["roadshow"]["relay_backlog"] == 0  # from roadshow's own /metrics
    assert streams["roadshow"]["events"] > 0
    # The page's one h1 and headings for each section (screen readers navigate by them).
    assert page.locator("h1").count() == 1
    assert page.locator("h2").count() >= 8
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-overview.png"), full_page=True)

    page.goto("/dashboard?lang=en")
    expect(page.locator("h1")).to_contain_text("Dashboard")
    expect(page.locator("#table-provinces")).to_contain_text("Guangdong")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-overview-en.png"), full_page=False)
    # The choice sticks (a cookie), and the switch leads back to Chinese by keyboard.
    page.goto("/dashboard")
    expect(page.locator("h1")).to_contain_text("Dashboard")
    page.locator("#lang-switch").focus()
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_contain_text("运营看板")
    context.close()


def test_choosing_a_moment_shows_the_figures_as_of_then_with_a_banner(
    world: World, browser: Browser
) -> None:
    wait_for(lambda: counts(overview(world, TORCH)) == NATIONAL, "national figures")
    context = signed_in(browser, world, TORCH)
    page = context.new_page()
    page.goto("/dashboard")
    expect(page.locator("#as-of-banner")).to_have_count(0)
    # A month ago, before any of the events: the figures then were all zero.
    day = (date.today() - timedelta(days=30)).isoformat()
    page.get_by_label("日期时间").fill(f"{day}T12:00")
    page.locator("#as-of-show").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#as-of-banner")).to_contain_text(f"以下为 {day} 12:00")
    expect(page.locator("#as-of-banner")).to_contain_text("时的数据")
    for stage in NATIONAL:
        expect(page.locator(f"#funnel li[data-stage={stage}] .value")).to_have_text("0")
    expect(page.locator("#chart-funnel")).to_have_attribute("data-rendered", "true")
    expect(page.locator("#table-calendar")).to_have_count(0)  # no roadshow was known then
    expect(page.locator("#streams-live")).to_be_visible()  # the streams' health stays live
    assert "as_of=" in (page.locator("a.export").first.get_attribute("href") or "")
    expect(page.get_by_label("日期时间")).to_have_value(f"{day}T12:00")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-as-of.png"), full_page=False)

    page.goto(page.url.replace("lang=zh", "lang=en"))
    expect(page.locator("#as-of-banner")).to_contain_text(f"Figures as of {day} 12:00")
    # Back to live, by keyboard.
    page.locator("#as-of-live").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#as-of-banner")).to_have_count(0)
    expect(page.locator("#funnel li[data-stage=collected] .value")).to_have_text("5")
    context.close()


def test_a_provincial_user_sees_only_their_province(world: World, browser: Browser) -> None:
    wait_for(lambda: counts(overview(world, GD_DEPT)) == GUANGDONG, "Guangdong's figures")
    data = overview(world, GD_DEPT)
    assert [row["key"] for row in data["by_province"]] == [GD]

    refused = httpx.get(
        f"{world.dashboard}/api/overview",
        params={"region": BJ},
        headers={"Authorization": f"Bearer {GD_DEPT}", "Accept-Language": "zh-CN"},
    )
    assert refused.status_code == 403
    assert "本省" in refused.json()["message_zh"]
    export = httpx.get(
        f"{world.dashboard}/api/export/provinces.xlsx",
        params={"region": BJ},
        headers={"Authorization": f"Bearer {GD_DEPT}"},
    )
    assert export.status_code == 403

    context = signed_in(browser, world, GD_DEPT)
    page = context.new_page()
    page.goto("/dashboard")
    expect(page.locator("#scope-name")).to_have_text("广东省")
    expect(page.locator("#funnel li[data-stage=collected] .value")).to_have_text("3")
    expect(page.locator("#table-provinces")).not_to_contain_text("北京市")
    expect(page.locator("#table-calendar")).not_to_contain_text(world.bj_roadshow_title)
    expect(page.locator("#chart-funnel")).to_have_attribute("data-rendered", "true")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-province.png"), full_page=False)

    with page.expect_download() as download_info:
        page.locator("a.export[href^='/api/export/provinces.xlsx']").click()
    book = load_workbook(io.BytesIO(Path(download_info.value.path()).read_bytes()))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert [r[0] for r in rows[1:]] == ["广东省"]
    assert rows[1][1] == 3  # collected

    response = page.goto("/dashboard?region=110000")
    assert response is not None and response.status == 403
    expect(page.locator("[role=alert]")).to_contain_text("您只能查看本省")
    context.close()


def test_the_portal_shows_published_achievements_and_roadshows(
    world: World, browser: Browser
) -> None:
    found = httpx.get(f"{world.dashboard}/public/achievements", params={"q": "视觉检测"}).json()
    assert found["total"] == 4  # Guangdong's three and Beijing's admitted one: all published
    detail = httpx.get(f"{world.dashboard}/public/achievements/{world.achievement_ids[0]}").json()
    assert "contact" not in detail and "asking_price_wan" not in detail
    assert "abstract" not in detail  # the holder marked it confidential

    context = signed_in(browser, world, None)
    page = context.new_page()
    page.goto("/")
    expect(page.locator("#upcoming-heading")).to_have_text("近期路演")
    expect(page.locator("main")).to_contain_text(world.roadshow_title)
    expect(page.locator("main")).to_contain_text(PUBLIC_NOTICE)
    expect(page.locator("main")).not_to_contain_text(HOSTS_NOTICE)
    page.screenshot(path=str(SCREENSHOTS / "portal-home.png"), full_page=True)
    page.get_by_label("关键词").fill("视觉检测")
    page.get_by_label("关键词").press("Enter")
    expect(page.locator("#result-count")).to_have_text("共 4 项")
    page.screenshot(path=str(SCREENSHOTS / "portal-search.png"), full_page=False)
    context.close()


def test_registration_rejects_a_bad_credit_code_as_typed_and_accepts_a_good_one(
    world: World, browser: Browser
) -> None:
    bad = COMPANY_CODE[:17] + ("1" if COMPANY_CODE[17] == "0" else "0")
    refused = httpx.post(
        f"{world.dashboard}/public/roadshows/{world.roadshow_id}/registrations",
        json={
            "company_id": bad,
            "name": "某科技有限公司",
            "kind": "tech_company",
            "contact_name": "王五",
        },
        headers={"Authorization": f"Bearer {COMPANY}"},
    )
    assert refused.status_code == 422
    assert "校验位" in refused.text

    context = signed_in(browser, world, COMPANY)
    page: Page = context.new_page()
    page.goto(f"/roadshows/{world.roadshow_id}")
    expect(page.locator("h2#agenda-heading")).to_be_visible()
    expect(page.locator("table")).to_contain_text("主旨演讲")
    code = page.get_by_label("统一社会信用代码")
    code.press_sequentially(bad.lower())  # typed in lower case: upper-cased as typed
    expect(code).to_have_value(bad)
    expect(code).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#company_id-error")).to_have_text(
        "统一社会信用代码校验位不正确，请核对后重新填写"
    )
    page.get_by_label("单位名称").fill("某科技有限公司")
    page.get_by_label("联系人").fill("王五")
    page.get_by_role("button", name="提交报名").click()
    expect(page.locator("#form-status")).to_have_text("")  # nothing was sent
    page.screenshot(path=str(SCREENSHOTS / "portal-registration-error.png"), full_page=True)

    code.fill("")
    code.press_sequentially(COMPANY_CODE[:10])
    expect(page.locator("#company_id-error")).to_contain_text("应为18位，当前为10位")
    code.press_sequentially(COMPANY_CODE[10:])
    expect(code).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#company_id-error")).to_have_text("统一社会信用代码校验通过")
    page.get_by_role("button", name="提交报名").click()
    expect(page.locator("#form-status")).to_have_text("报名已提交，请等待承办单位审核。")
    page.screenshot(path=str(SCREENSHOTS / "portal-registration.png"), full_page=True)
    context.close()

    # Roadshow recorded it, and its event came back to the dashboard through Kafka.
    wait_for(
        lambda: (
            httpx.get(f"{world.dashboard}/public/roadshows/{world.roadshow_id}").json()[
                "registered"
            ]
            == 1
        ),
        "the registration reaches the dashboard",
    )
