"""The operations dashboard as of any moment (时间回溯), on the real stack: the dashboard's worker and
API on topics of their own. While a province's year flows in (results collected, a roadshow with
its longlist, shortlist and an intent, a deal and an overdue case, the case landed, a relay's
duplicates), the live overview, hosts, cases needing attention and calendar are recorded for three
viewers at each quiet moment; asked again later with ``as_of``, each must come back the same. A
malformed or naive ``as_of`` is a 422 in Chinese and English, and a provincial user's answer as of a
moment is still held to their own province (API, export and page). In national mode, the topics
are those MirrorMaker 2 mirrors, matched by pattern as they are when the moment is asked about."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from openpyxl import load_workbook

from dashboard.scenario import Scenario, Step
from tests.e2e.conftest import SETTINGS
from ztc_shared.auth import Role, mint_token
from ztc_shared.kafka import ensure_topics, service_topic
from ztc_shared.kafka.publisher import KafkaEventPublisher
from ztc_shared.workers import WORKER_READY
from ztc_tools.testing.processes import (
    APIS,
    WORKERS,
    ServiceProcess,
    all_running,
    free_port,
)

pytestmark = pytest.mark.integration

GD, BJ = "440000", "110000"
CST = timezone(timedelta(hours=8))
TORCH = mint_token(SETTINGS, subject="torch-asof", role=Role.TORCH_CENTER, region="100000")
GD_DEPT = mint_token(SETTINGS, subject="gd-dept-asof", role=Role.PROVINCE, region=GD)
# (who, region asked for): the nation, one province seen by Torch Center, a provincial user
VIEWERS = {"nation": (TORCH, None), "torch-gd": (TORCH, GD), "gd-dept": (GD_DEPT, None)}
READS = ("overview", "hosts", "cases/attention", "roadshows/upcoming")


@dataclass
class Dashboard:
    url: str
    bootstrap: str
    prefix: str


@pytest.fixture(scope="module")
def dashboard(service_env: dict[str, str], log_dir: Path, run_id: str) -> Iterator[Dashboard]:
    prefix = f"{run_id}dasof."
    port = free_port()
    env = {
        **service_env,
        "ZTC_TOPIC_PREFIX": prefix,
        "ZTC_DATABASE_PREFIX": f"{run_id}dasof_",
        "REGION": GD,
        "DASHBOARD_PORT": str(port),
        "DASHBOARD_WORKER_METRICS_PORT": str(free_port()),
        "DASHBOARD_SERVICE_URLS": "{}",
    }
    processes = [
        ServiceProcess(
            "asof-dashboard-worker",
            WORKERS["dashboard"],
            env=env,
            log_dir=log_dir,
            args=("run",),
            ready_marker=WORKER_READY,
        ),
        ServiceProcess(
            "asof-dashboard-api", APIS["dashboard"], env=env, log_dir=log_dir, port=port
        ),
    ]
    with all_running(processes):
        yield Dashboard(f"http://127.0.0.1:{port}", service_env["KAFKA_BOOTSTRAP_SERVERS"], prefix)


async def _publish(bootstrap: str, prefix: str, steps: Step) -> None:
    publisher = KafkaEventPublisher(bootstrap, client_id="dashboard-as-of-e2e")
    await publisher.start()
    try:
        for service, envelope in steps:
            await publisher.publish(service_topic(service, prefix), [envelope])
    finally:
        await publisher.stop()


def publish(dashboard: Dashboard, steps: Step) -> None:
    asyncio.run(_publish(dashboard.bootstrap, dashboard.prefix, steps))


def get(
    client: httpx.Client, read: str, viewer: str, as_of: datetime | None = None, **more: str
) -> httpx.Response:
    bearer, region = VIEWERS[viewer]
    params = {**({"region": region} if region else {}), **more}
    if as_of is not None:
        params["as_of"] = as_of.isoformat()
    return client.get(f"/api/{read}", params=params, headers={"Authorization": f"Bearer {bearer}"})


def everything(client: httpx.Client, as_of: datetime | None = None) -> dict[str, Any]:
    answers = {}
    for viewer in VIEWERS:
        for read in READS:
            reply = get(client, read, viewer, as_of)
            assert reply.status_code == 200, reply.text
            answers[f"{viewer} {read}"] = reply.json()
    return answers


def counts(answers: dict[str, Any], viewer: str = "nation") -> dict[str, int]:
    return {row["stage"]: row["count"] for row in answers[f"{viewer} overview"]["funnel"]}


def record(client: httpx.Client, settled: Any, what: str, timeout: float = 60.0) -> Any:
    """Once the live answers show ``settled`` and stay put, the moment and what they were."""
    deadline = time.monotonic() + timeout
    last: dict[str, Any] = {}
    while time.monotonic() < deadline:
        last = everything(client)
        if settled(last):
            moment = datetime.now(UTC)
            time.sleep(0.5)
            if everything(client) == last:  # nothing was still on its way
                time.sleep(0.01)  # what happens next happens strictly later
                return moment, last
        time.sleep(0.3)
    raise AssertionError(f"{what}: not reached in {timeout}s (last: {counts(last)})")


def test_the_dashboard_as_of_each_moment_is_what_it_showed_live(dashboard: Dashboard) -> None:
    recorded: list[tuple[datetime, dict[str, Any]]] = []
    gd, bj = Scenario(GD), Scenario(BJ)
    with httpx.Client(base_url=dashboard.url, timeout=60) as client:

        def phase(steps: Step, settled: Any, what: str) -> None:
            publish(dashboard, steps)
            recorded.append(record(client, settled, what))

        recorded.append(record(client, lambda a: counts(a)["collected"] == 0, "nothing yet"))

        gd.at = bj.at = datetime.now(UTC)
        first: Step = []
        ids = []
        for field in ("biotech", "new_energy"):
            achievement_id, made = gd.achievement(field)
            ids.append(achievement_id)
            first += made
        first += bj.achievement("new_materials", admitted=False)[1]
        first += gd.programme(gd.at.year, [("host-sz", "深圳市科技创新局")])
        phase(
            first,
            lambda a: (
                (counts(a)["collected"], counts(a)["admitted"]) == (3, 2)
                and len(a["gd-dept hosts"]) == 1
            ),
            "results collected",
        )

        gd.at = datetime.now(UTC)
        roadshow_id, second = gd.roadshow("host-sz", title="深圳生物医药专场（回溯）")
        round_id, made = gd.screening_round("host-sz", roadshow_id, ["biotech"])
        second += made + gd.longlist(round_id, ids[0], "biotech") + gd.shortlist(round_id, [ids[0]])
        second += gd.intent(roadshow_id, ids[0], 7)
        phase(
            second,
            lambda a: counts(a)["intents"] == 1 and len(a["gd-dept roadshows/upcoming"]) == 1,
            "a roadshow with its shortlist and an intent",
        )

        gd.at = datetime.now(UTC)
        case_id, third = gd.case(ids[0], "host-sz", "biotech")
        third += gd.deal(case_id, ids[0], "350.5", 7) + gd.overdue(case_id, ids[0], 12)
        third += gd.summary_submitted(gd.at.year, "host-sz")
        phase(
            third,
            lambda a: (
                counts(a)["signed"] == 1
                and len(a["nation cases/attention"]) == 1
                and a["gd-dept hosts"][0]["summary"] == "submitted"
            ),
            "a deal, and a case overdue",
        )

        gd.at = bj.at = datetime.now(UTC)
        fourth = gd.landed(case_id, ids[0], "1200") + bj.achievement("new_materials")[1]
        fourth += [s for s in first if s[0] == "intake"][:4]  # re-sent by a relay: counted once
        phase(
            fourth,
            lambda a: (
                counts(a)["landed"] == 1
                and counts(a)["collected"] == 4
                and a["nation cases/attention"] == []
            ),
            "the case landed",
        )

        # The flow as it was seen live: every step shows in the recorded answers.
        assert [counts(a)["collected"] for _, a in recorded] == [0, 3, 3, 3, 4]
        assert [counts(a)["signed"] for _, a in recorded] == [0, 0, 0, 1, 1]
        assert [len(a["nation cases/attention"]) for _, a in recorded] == [0, 0, 0, 1, 0]
        assert [counts(a, "gd-dept")["collected"] for _, a in recorded] == [0, 2, 2, 2, 2]

        for moment, live in reversed(recorded):
            assert everything(client, moment) == live, moment
        # The same instant said in Beijing time is the same moment.
        moment, live = recorded[3]
        again = get(client, "overview", "nation", moment.astimezone(CST))
        assert again.json() == live["nation overview"]


def test_as_of_is_refused_without_a_time_zone_and_held_to_the_viewers_province(
    dashboard: Dashboard,
) -> None:
    with httpx.Client(base_url=dashboard.url, timeout=60) as client:
        naive = client.get(
            "/api/overview",
            params={"as_of": "2026-09-30T23:59:00"},
            headers={"Authorization": f"Bearer {TORCH}"},
        )
        assert naive.status_code == 422
        assert "时区" in naive.json()["message_zh"]
        assert "time zone" in naive.json()["message_en"]
        for bad in ("yesterday", "2026-13-40T00:00:00+08:00"):
            malformed = client.get(
                "/api/hosts",
                params={"as_of": bad},
                headers={"Authorization": f"Bearer {GD_DEPT}"},
            )
            assert malformed.status_code == 422, malformed.text
            assert malformed.json()["message_zh"] and malformed.json()["message_en"]

        gd, bj = Scenario(GD), Scenario(BJ)
        publish(dashboard, gd.achievement("biotech")[1] + bj.achievement("biotech")[1])
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            provinces = get(client, "overview", "nation").json()["by_province"]
            if {row["key"] for row in provinces} == {GD, BJ}:
                break
            time.sleep(0.3)
        now = datetime.now(UTC)
        own = get(client, "overview", "gd-dept", now)
        assert own.status_code == 200, own.text
        assert [row["key"] for row in own.json()["by_province"]] == [GD]
        other = client.get(
            "/api/overview",
            params={"as_of": now.isoformat(), "region": BJ},
            headers={"Authorization": f"Bearer {GD_DEPT}"},
        )
        assert other.status_code == 403
        assert "本省" in other.json()["message_zh"]
        refused = client.get(
            "/api/export/provinces.xlsx",
            params={"as_of": now.isoformat(), "region": BJ},
            headers={"Authorization": f"Bearer {GD_DEPT}"},
        )
        assert refused.status_code == 403

        # The export as of a moment says so, and holds the province's figures then.
        moment = now.astimezone(CST)
        export = client.get(
            "/api/export/provinces.xlsx",
            params={"as_of": moment.isoformat()},
            headers={"Authorization": f"Bearer {GD_DEPT}"},
        )
        assert export.status_code == 200, export.text
        assert "as-of" in export.headers["content-disposition"]
        sheet = load_workbook(io.BytesIO(export.content)).active
        rows = [[c.value for c in row] for row in sheet.iter_rows()]
        assert rows[0][0].startswith(f"以下为 {moment:%Y-%m-%d %H:%M}")
        assert rows[0][0].endswith("时的数据")
        assert f"截至{moment:%Y-%m-%d}" in sheet.title
        assert [r[0] for r in rows[2:]] == ["广东省"]
        assert rows[2][1] == own.json()["by_province"][0]["counts"]["collected"]

        # The page as of a moment: the banner, and still only the user's province.
        page = client.get(
            "/dashboard",
            params={"as_of": moment.isoformat()},
            headers={"Cookie": f"ztc_token={GD_DEPT}"},
        )
        assert page.status_code == 200
        assert f"以下为 {moment:%Y-%m-%d %H:%M}" in page.text
        assert 'id="as-of-banner"' in page.text
        assert (
            client.get(
                "/dashboard",
                params={"as_of": moment.isoformat(), "region": BJ},
                headers={"Cookie": f"ztc_token={GD_DEPT}"},
            ).status_code
            == 403
        )
        naive_page = client.get(
            "/dashboard",
            params={"as_of": "2026-09-30T23:59"},
            headers={"Cookie": f"ztc_token={GD_DEPT}"},
        )
        assert naive_page.status_code == 422
        assert "时区" in naive_page.text


async def _publish_mirrored(bootstrap: str, prefix: str, alias: str, steps: Step) -> None:
    topics = [f"{alias}.{service_topic(s, prefix)}" for s in ("intake", "tracking")]
    await ensure_topics(bootstrap, topics, partitions=2)
    publisher = KafkaEventPublisher(bootstrap, client_id="dashboard-as-of-national-e2e")
    await publisher.start()
    try:
        for service, envelope in steps:
            await publisher.publish(f"{alias}.{service_topic(service, prefix)}", [envelope])
    finally:
        await publisher.stop()


def test_the_national_dashboard_as_of_a_moment_reads_the_mirrored_topics_then(
    service_env: dict[str, str], log_dir: Path, run_id: str
) -> None:
    prefix, port = f"{run_id}dasofn.", free_port()
    bootstrap = service_env["KAFKA_BOOTSTRAP_SERVERS"]
    env = {
        **service_env,
        "ZTC_TOPIC_PREFIX": prefix,
        "ZTC_DATABASE_PREFIX": f"{run_id}dasofn_",
        "REGION": "100000",
        "DASHBOARD_MODE": "national",
        "DASHBOARD_PORT": str(port),
        "DASHBOARD_WORKER_METRICS_PORT": str(free_port()),
        "DASHBOARD_SERVICE_URLS": "{}",
    }
    gd, bj = Scenario(GD), Scenario(BJ)
    first: Step = []
    for field in ("biotech", "new_energy"):
        achievement_id, made = gd.achievement(field)
        first += made
    case_id, made = gd.case(achievement_id, "host-sz", "new_energy")
    first += made + gd.deal(case_id, achievement_id, "80", 3)
    asyncio.run(_publish_mirrored(bootstrap, prefix, "gd", first))
    processes = [
        ServiceProcess(
            "asof-national-worker",
            WORKERS["dashboard"],
            env=env,
            log_dir=log_dir,
            args=("run",),
            ready_marker=WORKER_READY,
        ),
        ServiceProcess("asof-national-api", APIS["dashboard"], env=env, log_dir=log_dir, port=port),
    ]
    recorded: list[tuple[datetime, dict[str, Any]]] = []

    def answers(client: httpx.Client, as_of: datetime | None = None) -> dict[str, Any]:
        found = {}
        for viewer in VIEWERS:
            reply = get(client, "overview", viewer, as_of)
            assert reply.status_code == 200, reply.text
            found[viewer] = reply.json()
        return found

    def settle(client: httpx.Client, collected: int) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            live = answers(client)
            if {r["stage"]: r["count"] for r in live["nation"]["funnel"]}["collected"] == collected:
                moment = datetime.now(UTC)
                time.sleep(0.5)
                if answers(client) == live:
                    time.sleep(0.01)
                    recorded.append((moment, live))
                    return
            time.sleep(0.3)
        raise AssertionError(f"the nation did not reach {collected} collected")

    with (
        all_running(processes),
        httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60) as client,
    ):
        settle(client, 2)
        # A province mirrored later (its topics new): found by the worker and by as_of.
        bj.at = datetime.now(UTC)
        later: Step = []
        for admitted in (True, False, False):
            later += bj.achievement("new_materials", admitted=admitted)[1]
        asyncio.run(_publish_mirrored(bootstrap, prefix, "bj", later))
        settle(client, 5)
        assert [r["gd-dept"]["by_province"][0]["key"] for _, r in recorded] == [GD, GD]
        assert [len(r["nation"]["by_province"]) for _, r in recorded] == [1, 2]
        for moment, live in reversed(recorded):
            assert answers(client, moment) == live, moment
