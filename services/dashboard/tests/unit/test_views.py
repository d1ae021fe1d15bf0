"""What the public may read, the calendar, the hosts' summaries, the cases needing attention,
and who may look at which province."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from dashboard.adapters.counters import CountedMessage, InMemoryCounterStore, count
from dashboard.adapters.queries import attention_of, calendar_of, hosts_of
from dashboard.application.facts import entries_of
from dashboard.application.views import (
    NoticesProjector,
    PublicAchievementsProjector,
    RoadshowsProjector,
)
from dashboard.entrypoints.api.deps import scope_for
from dashboard.scenario import Scenario, Step
from ztc_shared.auth import AuthError, Principal, Role
from ztc_shared.events import EVENTS
from ztc_shared.projections import Projector


def project(projector: Projector, steps: Step) -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for _, envelope in steps:
        document_id = projector.document_id(envelope)
        if document_id is not None:
            documents[document_id] = projector.apply(documents.get(document_id), envelope)
    return documents


def test_a_published_achievement_shows_public_fields_only() -> None:
    gd = Scenario("440000")
    achievement_id, steps = gd.achievement("biotech", confidential=("abstract", "title"))
    document = project(PublicAchievementsProjector(), steps)[achievement_id]
    assert document["published"] is True
    details = document["details"]
    assert "contact" not in details and "asking_price_wan" not in details
    assert "abstract" not in details  # marked confidential
    assert details["title"]  # always public, whatever was marked
    assert "视觉检测" in document["search_text"]


def test_an_unpublished_achievement_is_not_public() -> None:
    achievement_id, steps = Scenario("440000").achievement("biotech", published=False)
    assert project(PublicAchievementsProjector(), steps)[achievement_id]["published"] is False


def test_roadshows_count_registrations_and_keep_their_agenda() -> None:
    gd = Scenario("440000")
    roadshow_id, steps = gd.roadshow("host-sz")
    document = project(RoadshowsProjector(), steps)[roadshow_id]
    assert document["registration_open"] is True
    assert [b["title"] for b in document["agenda"]] == ["主旨演讲", "项目路演"]
    assert document["province"] == "440000"


async def scope_lists(steps: Step, region: str | None) -> dict[str, Any]:
    """The scope's document after the steps, as the worker keeps it."""
    store = InMemoryCounterStore()
    messages = [
        CountedMessage("t", 0, offset, (), tuple(entries_of(e, EVENTS.payload(e))))
        for offset, (_, e) in enumerate(steps)
    ]
    await count(store, messages)
    scope = "national" if region is None else f"province:{region}"
    merged: dict[str, Any] = {}
    for document_id, document in store.documents.items():
        if document_id == scope or document_id.startswith(f"{scope}|"):
            for name in ("calendar", "hosts", "attention"):
                merged.setdefault(name, {}).update(document.get(name, {}))
    return merged


async def test_hosts_show_where_their_year_end_summary_stands() -> None:
    gd, bj = Scenario("440000"), Scenario("110000")
    steps = gd.programme(2026, [("host-sz", "深圳市科技创新局"), ("host-gz", "广州市科技局")])
    steps += gd.summary_submitted(2026, "host-sz", late=True)
    steps += bj.programme(2026, [("host-bj", "北京市科委")])
    hosts = {h["host_id"]: h for h in hosts_of(await scope_lists(steps, "440000"))}
    assert set(hosts) == {"host-sz", "host-gz"}
    assert hosts["host-sz"]["summary"] == "submitted" and hosts["host-sz"]["summary_overdue"]
    assert hosts["host-gz"]["summary"] == "not_started"
    assert hosts["host-sz"]["name"] == "深圳市科技创新局"
    assert len(hosts_of(await scope_lists(steps, None))) == 3


async def test_an_overdue_case_needs_attention_until_progress_is_reported() -> None:
    gd = Scenario("440000")
    case_id, steps = gd.case("ach-1", "host-sz", "biotech")
    overdue = steps + gd.overdue(case_id, "ach-1", 9)
    rows = attention_of(await scope_lists(overdue, "440000"))
    assert [(r["case_id"], r["days_overdue"]) for r in rows] == [(case_id, 9)]
    later = overdue + gd.deal(case_id, "ach-1", "10", 2)
    assert attention_of(await scope_lists(later, "440000")) == []


async def test_the_calendar_lists_roadshows_from_today_soonest_first() -> None:
    gd = Scenario("440000")
    today = gd.at.date()
    later_id, steps = gd.roadshow("host-sz", title="后一场", on=today + timedelta(days=20))
    sooner_id, sooner = gd.roadshow("host-gz", title="前一场", on=today + timedelta(days=3))
    _, past = gd.roadshow("host-gz", title="已举办", on=today - timedelta(days=3))
    rows = calendar_of(await scope_lists(steps + sooner + past, "440000"), today)
    assert [r["id"] for r in rows] == [sooner_id, later_id]
    assert rows[0]["province_zh"] == "广东省" and rows[0]["fields"][0]["zh"] == "生物"


def test_only_notices_for_companies_or_everyone_are_public() -> None:
    gd = Scenario("440000")
    documents = project(
        NoticesProjector(), gd.notice("给企业的通知") + gd.notice("给承办单位", ("host",))
    )
    assert sorted(d["public"] for d in documents.values()) == [False, True]


def principal(role: Role, region: str) -> Principal:
    return Principal(subject="someone", role=role, region=region)


def test_torch_center_sees_the_nation_or_any_province() -> None:
    assert scope_for(principal(Role.TORCH_CENTER, "100000"), None).region is None
    assert scope_for(principal(Role.TORCH_CENTER, "100000"), "110000").region == "110000"


def test_a_provincial_user_is_held_to_their_province() -> None:
    assert scope_for(principal(Role.PROVINCE, "440000"), None).region == "440000"
    with pytest.raises(AuthError) as refused:
        scope_for(principal(Role.PROVINCE, "440000"), "110000")
    assert refused.value.status == 403 and "本省" in refused.value.message_zh


def test_other_roles_do_not_see_the_dashboard() -> None:
    with pytest.raises(AuthError) as refused:
        scope_for(principal(Role.COMPANY, "440000"), None)
    assert refused.value.status == 403
