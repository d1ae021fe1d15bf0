"""As of any date (时间回溯), on the real stack: answers recorded live during a run are asked for
again later with ``as_of``, and must come back the same; the audit history API pages through the
same streams."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from intake.demo.catalogue import catalogue
from intake.demo.loader import EVALUATORS, load_catalogue
from tests.e2e.conftest import SETTINGS, Slice, bearer, draft_body, prefixed_env
from ztc_shared.auth import Role, mint_token
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


async def _record(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], answers: list[Any]
) -> None:
    """Ask live, then note the moment after the answer arrived; the next command waits a few
    milliseconds so that it is recorded strictly later (the store keeps milliseconds)."""
    live = await client.get(url, headers=headers)
    assert live.status_code == 200, live.text
    answers.append((datetime.now(UTC), live.json(), live.headers.get("X-Stream-Version")))
    await asyncio.sleep(0.005)


async def test_an_achievement_as_of_each_moment_is_what_it_was_live(running_slice: Slice) -> None:
    holder = bearer(Role.HOLDER, "as-of-holder")
    province = bearer(Role.PROVINCE, "gd-as-of")
    answers: list[Any] = []
    async with httpx.AsyncClient(base_url=running_slice.intake, timeout=15) as client:
        before = datetime.now(UTC)
        await asyncio.sleep(0.005)
        drafted = await client.post("/achievements", json=draft_body(), headers=holder)
        assert drafted.status_code == 201, drafted.text
        url = f"/achievements/{drafted.json()['id']}"
        await _record(client, url, province, answers)
        for step in (
            client.patch(url, json={"trl": 8, "keywords": ["机器视觉"]}, headers=holder),
            client.post(f"{url}/submit", headers=holder),
            client.post(f"{url}/return", json={"reasons": ["请补充专利信息"]}, headers=province),
            client.patch(url, json={"title": "面向工业质检的视觉大模型（修订）"}, headers=holder),
            client.post(f"{url}/resubmit", json={}, headers=holder),
        ):
            done = await step
            assert done.status_code == 200, done.text
            await _record(client, url, province, answers)

        statuses = [body["status"] for _, body, _ in answers]
        assert statuses == ["draft", "draft", "submitted", "returned", "returned", "submitted"]
        for moment, live, version in answers:
            for reader in (province, holder):
                again = await client.get(url, params={"as_of": moment.isoformat()}, headers=reader)
                assert again.status_code == 200, again.text
                assert again.json() == live
            assert live["stream_version"] == int(version or live["stream_version"])

        not_yet = await client.get(url, params={"as_of": before.isoformat()}, headers=province)
        assert not_yet.status_code == 404
        naive = await client.get(url, params={"as_of": "2026-01-01T00:00:00"}, headers=province)
        assert naive.status_code == 422
        assert "时区" in naive.json()["message_zh"]

        # the audit trail of the same stream, two to a page
        pages: list[dict[str, Any]] = []
        after: int | None = 0
        while after is not None:
            page = await client.get(
                f"/streams/{drafted.json()['id']}/history",
                params={"after": after, "limit": 2},
                headers=province,
            )
            assert page.status_code == 200, page.text
            pages.append(page.json())
            after = page.json()["next_after"]
        items = [item for page in pages for item in page["items"]]
        assert [i["stream_version"] for i in items] == list(range(1, 7))
        assert [i["event_type"] for i in items] == [
            "AchievementDrafted",
            "AchievementUpdated",
            "AchievementSubmitted",
            "AchievementReturned",
            "AchievementUpdated",
            "AchievementResubmitted",
        ]
        assert items[3]["actor"] == "gd-as-of" and items[2]["actor"] == "as-of-holder"
        assert all(i["correlation_id"] for i in items)
        assert all(a["recorded_at"] <= b["recorded_at"] for a, b in itertools.pairwise(items))
        refused = await client.get(f"/streams/{drafted.json()['id']}/history", headers=holder)
        assert refused.status_code == 403
        other_region = {
            "Authorization": "Bearer "
            + mint_token(SETTINGS, subject="bj-as-of", role=Role.PROVINCE, region="110000")
        }
        hidden = await client.get(f"/streams/{drafted.json()['id']}/history", headers=other_region)
        assert hidden.status_code == 403


async def _settled(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], params: dict[str, Any]
) -> tuple[datetime, Any]:
    """A live answer that depends on a worker's projection, and the moment it stood for: once two
    reads a second apart agree, the projection had applied everything that happened before."""
    while True:
        first = await client.get(url, params=params, headers=headers)
        assert first.status_code == 200, first.text
        await asyncio.sleep(1.0)
        moment = datetime.now(UTC)
        second = await client.get(url, params=params, headers=headers)
        if second.json() == first.json():
            await asyncio.sleep(0.005)
            return moment, second.json()


async def test_a_rounds_longlist_before_a_change_is_answered_as_it_was(
    running_slice: Slice,
) -> None:
    items = [i for i in catalogue(40) if i.stage in ("admitted", "published")][:3]
    tokens = {
        "holder": mint_token(SETTINGS, subject="as-of-holder2", role=Role.HOLDER, region="440000"),
        "province": mint_token(SETTINGS, subject="gd-as-of", role=Role.PROVINCE, region="440000"),
        **{
            e["evaluator_id"]: mint_token(
                SETTINGS, subject=e["evaluator_id"], role=Role.EXPERT, region="440000"
            )
            for e in EVALUATORS
        },
    }
    loaded = await load_catalogue(running_slice.intake, tokens, items)
    assert loaded.failures == []
    host = bearer(Role.HOST, "host-as-of")
    agency = bearer(Role.SUPPORT_ORG, "agency-as-of")
    answers: list[Any] = []
    async with httpx.AsyncClient(base_url=running_slice.screening, timeout=15) as client:
        for achievement_id, version in loaded.last_versions.items():
            entry = await client.get(
                f"/library/{achievement_id}",
                params={"min_version": version, "wait_ms": 10_000},
                headers=agency,
            )
            assert entry.status_code == 200, entry.text
        opened = await client.post(
            "/rounds",
            json={
                "roadshow_ref": f"roadshow-as-of-{datetime.now(UTC).timestamp():.0f}",
                "title": "时间回溯专场",
                "fields": ["new_energy_vehicles", "next_gen_it", "high_end_equipment"],
                "industry_needs": "本地制造企业需要智能质检与新能源配套技术。",
                "region": "440000",
            },
            headers=host,
        )
        assert opened.status_code == 201, opened.text
        url = f"/rounds/{opened.json()['id']}"
        await _record(client, url, host, answers)
        everything = {"limit": 300}  # the whole library, ranked
        ranked = [await _settled(client, f"{url}/recommendations", host, everything)]
        ids = list(loaded.last_versions)
        for achievement_id in ids:
            added = await client.post(
                f"{url}/candidates",
                json={"achievement_id": achievement_id, "reason": "契合专场主题"},
                headers=agency,
            )
            assert added.status_code == 200, added.text
            await _record(client, url, host, answers)
        ranked.append(await _settled(client, f"{url}/recommendations", host, everything))
        removed = await client.post(
            f"{url}/candidates/{ids[0]}/remove", json={"reason": "持有人已另行转让"}, headers=agency
        )
        assert removed.status_code == 200, removed.text
        await _record(client, url, host, answers)

        sizes = [len(body["longlist"]) for _, body, _ in answers]
        assert sizes == [0, 1, 2, 3, 2]
        for moment, live, version in answers:
            again = await client.get(url, params={"as_of": moment.isoformat()}, headers=host)
            assert again.status_code == 200, again.text
            assert again.json() == live
            assert again.headers["X-Stream-Version"] == version
        # the library ranked for the round, as it was ranked then: the same entries, scores and
        # reasons, and "already longlisted" as it stood
        longlisted = [{r["achievement_id"] for r in body if r["longlisted"]} for _, body in ranked]
        assert longlisted == [set(), set(ids)]
        for moment, live in ranked:
            again = await client.get(
                f"{url}/recommendations",
                params={**everything, "as_of": moment.isoformat()},
                headers=host,
            )
            assert again.status_code == 200, again.text
            assert again.json() == live
        # the longlist before the removal, asked for a moment between the two commands
        between = answers[3][0] + timedelta(microseconds=1)
        before_change = await client.get(url, params={"as_of": between.isoformat()}, headers=host)
        assert ids[0] in {c["achievement_id"] for c in before_change.json()["longlist"]}

        history = await client.get(
            f"/streams/{opened.json()['id']}/history",
            headers=bearer(Role.TORCH_CENTER, "torch-as-of"),
        )
        assert history.status_code == 200, history.text
        types = [i["event_type"] for i in history.json()["items"]]
        assert types == ["ScreeningRoundOpened", *["CandidateLonglisted"] * 3, "CandidateRemoved"]


async def test_a_library_entry_rebuilt_from_the_topic_is_what_the_projection_answered(
    running_slice: Slice,
) -> None:
    """Screening's library is a projection of intake's topic, applied by its worker: its live
    answers are noted as an achievement goes through evaluation, then rebuilt from the topic."""
    holder = bearer(Role.HOLDER, "as-of-holder3")
    province = bearer(Role.PROVINCE, "gd-as-of")
    agency = bearer(Role.SUPPORT_ORG, "agency-as-of")
    experts = {e["evaluator_id"]: bearer(Role.EXPERT, e["evaluator_id"]) for e in EVALUATORS}
    answers: list[Any] = []
    async with (
        httpx.AsyncClient(base_url=running_slice.intake, timeout=15) as intake,
        httpx.AsyncClient(base_url=running_slice.screening, timeout=15) as screening,
    ):
        drafted = await intake.post("/achievements", json=draft_body(), headers=holder)
        assert drafted.status_code == 201, drafted.text
        achievement_id = drafted.json()["id"]
        url = f"/achievements/{achievement_id}"
        before = datetime.now(UTC)
        await asyncio.sleep(0.005)
        steps: list[tuple[str, dict[str, Any], dict[str, str]]] = [
            ("/submit", {}, holder),
            ("/evaluators", {"evaluators": list(EVALUATORS)}, province),
        ]
        for evaluator_id, headers in experts.items():
            scores = {
                "advancement": 4,
                "maturity": 3,
                "industrial_prospects": 4,
                "intellectual_property": 4,
                "team_willingness": 5,
            }
            steps.append(
                (
                    "/evaluations",
                    {
                        "scores": scores,
                        "comment": f"{evaluator_id}：路线清晰",
                        "recommendation": "admit",
                    },
                    headers,
                )
            )
        steps += [("/admit", {"note": "同意入库"}, province), ("/publish", {}, province)]
        for path, body, headers in steps:
            done = await intake.post(f"{url}{path}", json=body, headers=headers)
            assert done.status_code == 200, done.text
            live = await screening.get(
                f"/library/{achievement_id}",
                params={"min_version": done.json()["stream_version"], "wait_ms": 10_000},
                headers=agency,
            )
            assert live.status_code == 200, live.text
            answers.append((datetime.now(UTC), live.json()))
            if path == "/admit":  # the whole list as it stands now, to ask for again later
                listed = await screening.get("/library", params={"page_size": 200}, headers=agency)
                assert listed.status_code == 200, listed.text
                list_answer = (datetime.now(UTC), listed.json())
            await asyncio.sleep(0.005)

        assert [a["status"] for _, a in answers][-2:] == ["admitted", "published"]
        moment, live_list = list_answer
        assert achievement_id in {i["id"] for i in live_list["items"]}
        again_list = await screening.get(
            "/library", params={"page_size": 200, "as_of": moment.isoformat()}, headers=agency
        )
        assert again_list.status_code == 200, again_list.text
        assert again_list.json() == live_list
        for moment, live in answers:
            again = await screening.get(
                f"/library/{achievement_id}", params={"as_of": moment.isoformat()}, headers=agency
            )
            assert again.status_code == 200, again.text
            assert again.json() == live
        drafts_only = await screening.get(
            f"/library/{achievement_id}", params={"as_of": before.isoformat()}, headers=agency
        )
        assert drafts_only.status_code == 404  # a draft is not in the library


@pytest.fixture(scope="module")
def catalogue_slice(running_slice: Slice) -> Iterator[str]:
    """Intake's API, relay and catalogue projection under a prefix of their own: the catalogue
    this test fills must not be the one the session's other tests check duplicates against."""
    env = prefixed_env(running_slice.env, f"{running_slice.env['ZTC_TOPIC_PREFIX'][:-1]}-asof")
    port = free_port()
    env["INTAKE_PORT"] = str(port)
    processes = [
        ServiceProcess(
            "intake-api-as-of", APIS["intake"], env=env, log_dir=running_slice.log_dir, port=port
        ),
        ServiceProcess(
            "intake-relay-as-of",
            RELAYS["intake"],
            env=env,
            log_dir=running_slice.log_dir,
            ready_marker=RELAY_READY,
        ),
        ServiceProcess(
            "intake-worker-catalogue-as-of",
            WORKERS["intake"],
            env={**env, "INTAKE_WORKER_METRICS_PORT": str(free_port())},
            log_dir=running_slice.log_dir,
            args=("run", "catalogue"),
            ready_marker=WORKER_READY,
        ),
    ]
    with all_running(processes):
        yield processes[0].url


async def test_a_list_as_of_a_moment_is_what_the_projection_listed_then(
    catalogue_slice: str,
) -> None:
    """The catalogue list (a projection of intake's topic) as of a moment is rebuilt from the topic
    up to then; each answer recorded live once the projection showed the last change."""
    holder = bearer(Role.HOLDER, f"as-of-lister-{datetime.now(UTC).timestamp():.0f}")
    recorded: list[tuple[datetime, Any]] = []

    async with httpx.AsyncClient(base_url=catalogue_slice, timeout=30) as client:

        async def record_when(expected: dict[str, str]) -> None:
            async with asyncio.timeout(30):
                while True:
                    live = await client.get("/achievements", headers=holder)
                    assert live.status_code == 200, live.text
                    body = live.json()
                    shown = {item["id"]: item["status"] for item in body["items"]}
                    # settled: the count and the page were read on the same side of a write
                    if shown == expected and body["total"] == len(expected):
                        break
                    await asyncio.sleep(0.2)
            recorded.append((datetime.now(UTC), live.json()))
            await asyncio.sleep(0.005)

        first = (await client.post("/achievements", json=draft_body(), headers=holder)).json()
        await record_when({first["id"]: "draft"})
        submitted = await client.post(f"/achievements/{first['id']}/submit", headers=holder)
        assert submitted.status_code == 200, submitted.text
        second = (await client.post("/achievements", json=draft_body(), headers=holder)).json()
        await record_when({first["id"]: "submitted", second["id"]: "draft"})

        for moment, live in recorded:
            again = await client.get(
                "/achievements", params={"as_of": moment.isoformat()}, headers=holder
            )
            assert again.status_code == 200, again.text
            assert again.json() == live
        export = await client.get(
            "/achievements/export.xlsx",
            params={"as_of": recorded[0][0].isoformat()},
            headers=bearer(Role.PROVINCE, "gd-as-of"),
        )
        assert export.status_code == 200, export.text
        assert export.content[:2] == b"PK"  # a workbook of the catalogue as it was then


async def test_a_collection_call_as_of_a_moment_is_what_it_was(running_slice: Slice) -> None:
    province = bearer(Role.PROVINCE, "gd-as-of")
    async with httpx.AsyncClient(base_url=running_slice.intake, timeout=15) as client:
        opened = await client.post(
            "/calls",
            json={
                "title": "2026年度新能源成果常态化征集",
                "kind": "open",
                "fields": ["new_energy"],
            },
            headers=province,
        )
        assert opened.status_code == 201, opened.text
        url = f"/calls/{opened.json()['id']}"
        live = (await client.get(url, headers=province)).json()
        moment = datetime.now(UTC)
        await asyncio.sleep(0.005)
        closed = await client.post(f"{url}/close", json={}, headers=province)
        assert closed.status_code == 200, closed.text
        assert (await client.get(url, headers=province)).json()["status"] == "closed"
        then = await client.get(url, params={"as_of": moment.isoformat()}, headers=province)
        assert then.status_code == 200, then.text
        assert then.json() == live
        assert live["status"] == "open"
