"""The figures as of a moment (时间回溯): the read model's rules folded over the events up to then
give what the live counters gave, shaped by the same queries; and how a moment is said."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from openpyxl import load_workbook

from dashboard.adapters.counters import CountedMessage, InMemoryCounterStore, count
from dashboard.adapters.excel import workbook
from dashboard.adapters.queries import DashboardQueries, DashboardQueriesAsOf
from dashboard.application.as_of import fold_counters, in_occurrence_order
from dashboard.application.facts import entries_of, facts_of, reference_updates
from dashboard.application.tables import as_of_caption, as_of_sheet_title, moment_text
from dashboard.entrypoints.api.routes.pages import page_moment
from dashboard.scenario import Scenario, Step
from ztc_shared.events import EVENTS, EventEnvelope

GD, BJ = "440000", "110000"
CST = timezone(timedelta(hours=8))


async def live_store(steps: Step, batch: int = 4) -> InMemoryCounterStore:
    """The counters as the live worker writes them: batches of messages, references stated
    first, a stream's version counted once, each message added once (``count``)."""
    store = InMemoryCounterStore()
    references: dict[str, dict[str, Any]] = {}
    seen: dict[str, int] = {}
    offsets: dict[str, int] = {}
    for start in range(0, len(steps), batch):
        chunk = steps[start : start + batch]
        messages = []
        for _, envelope in chunk:
            payload = EVENTS.payload(envelope)
            for key, values in reference_updates(envelope, payload):
                references.setdefault(key, {}).update(values)
        for service, envelope in chunk:
            payload = EVENTS.payload(envelope)
            first = envelope.stream_version > seen.get(envelope.stream_id, 0)
            if first:
                seen[envelope.stream_id] = envelope.stream_version
            offset = offsets[service] = offsets.get(service, -1) + 1
            messages.append(
                CountedMessage(
                    f"ztc.{service}.events",
                    0,
                    offset,
                    tuple(facts_of(envelope, payload, references)) if first else (),
                    tuple(entries_of(envelope, payload)) if first else (),
                )
            )
        await count(store, messages)
    return store


def history(at: datetime) -> tuple[Step, Step]:
    """Two phases of a province's year: results collected, on stage, a deal and an overdue case;
    then the case landed (which clears its flag) and Beijing's results."""
    gd, bj = Scenario(GD, at=at), Scenario(BJ, at=at)
    first: Step = []
    ids = []
    for field in ("biotech", "new_energy"):
        achievement_id, made = gd.achievement(field)
        ids.append(achievement_id)
        first += made
    first += gd.programme(at.year, [("host-sz", "深圳市科技创新局")])
    roadshow_id, made = gd.roadshow("host-sz", title="深圳生物医药专场")
    first += made
    round_id, made = gd.screening_round("host-sz", roadshow_id, ["biotech"])
    first += made + gd.longlist(round_id, ids[0], "biotech") + gd.shortlist(round_id, [ids[0]])
    first += gd.intent(roadshow_id, ids[0], 5)
    case_id, made = gd.case(ids[0], "host-sz", "biotech")
    first += made + gd.deal(case_id, ids[0], "350.5", 5) + gd.overdue(case_id, ids[0], 12)
    first += gd.summary_submitted(at.year, "host-sz")
    gd.at = bj.at = at + timedelta(hours=1)
    second: Step = gd.landed(case_id, ids[0], "1200")
    for admitted in (True, False):
        second += bj.achievement("new_materials", admitted=admitted)[1]
    second += [s for s in first if s[0] == "intake"][:3]  # re-sent by a relay: counted once
    return first, second


async def answers(queries: DashboardQueries, region: str | None) -> dict[str, Any]:
    return {
        "overview": await queries.overview(region),
        "hosts": await queries.hosts(region),
        "attention": await queries.attention_cases(region),
        "upcoming": await queries.upcoming_roadshows(region, queries.today()),
        "scope": {
            k: v
            for k, v in (await queries.scope(region)).items()
            if k not in ("_marks", "_rev", "_id")
        },
    }


def events(steps: Step) -> list[EventEnvelope]:
    return [envelope for _, envelope in steps]


@pytest.mark.parametrize("region", [None, GD, BJ])
async def test_the_figures_rebuilt_from_the_events_are_those_the_live_counters_gave(
    region: str | None,
) -> None:
    at = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    first, second = history(at)
    end_of_first = at + timedelta(minutes=30)
    # The queries' code over the live worker's counters (kept in memory here), on the same day.
    live_then = DashboardQueriesAsOf(await live_store(first), end_of_first)
    live_now = DashboardQueriesAsOf(await live_store(first + second), at + timedelta(hours=2))

    # Shuffled across topics as several partitions arrive; the stream order within each kept.
    by_service: dict[str, list[EventEnvelope]] = {}
    for service, envelope in first + second:
        by_service.setdefault(service, []).append(envelope)
    arrived = [e for service in sorted(by_service, reverse=True) for e in by_service[service]]
    everything = in_occurrence_order(arrived)

    then = [e for e in everything if e.occurred_at <= end_of_first]
    rebuilt_then = DashboardQueriesAsOf(_store(fold_counters(then)), end_of_first)
    rebuilt_now = DashboardQueriesAsOf(_store(fold_counters(everything)), live_now.moment)
    assert await answers(rebuilt_then, region) == await answers(live_then, region)
    assert await answers(rebuilt_now, region) == await answers(live_now, region)


def _store(documents: dict[str, dict[str, Any]]) -> InMemoryCounterStore:
    store = InMemoryCounterStore()
    store.documents = documents
    return store


async def test_as_of_a_moment_the_figures_hold_only_what_had_happened() -> None:
    at = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    first, second = history(at)
    everything = in_occurrence_order(events(first + second))
    then = DashboardQueriesAsOf(
        _store(fold_counters(e for e in everything if e.occurred_at <= at)), at
    )
    now = DashboardQueriesAsOf(_store(fold_counters(everything)), at + timedelta(hours=2))
    counts_then = {r["stage"]: r["count"] for r in (await then.overview(None))["funnel"]}
    counts_now = {r["stage"]: r["count"] for r in (await now.overview(None))["funnel"]}
    assert (counts_then["collected"], counts_then["landed"]) == (2, 0)
    assert (counts_now["collected"], counts_now["landed"]) == (4, 1)  # duplicates counted once
    assert [c["days_overdue"] for c in await then.attention_cases(GD)] == [12]
    assert await now.attention_cases(GD) == []  # landing cleared it
    assert [h["summary"] for h in await then.hosts(GD)] == ["submitted"]
    assert not any(k.endswith("|cells") for k in fold_counters(everything))


async def test_today_as_of_a_moment_is_its_own_day_in_its_own_time_zone() -> None:
    at = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 2027-01-01 01:00 in Beijing
    queries = DashboardQueriesAsOf(InMemoryCounterStore(), at.astimezone(CST))
    assert queries.today() == date(2027, 1, 1)
    assert DashboardQueriesAsOf(InMemoryCounterStore(), at).today() == date(2026, 12, 31)
    with pytest.raises(LookupError):
        await queries.roadshow("rs-1")  # the portal's documents are answered live only


def test_a_moment_is_said_in_its_own_time_zone_in_chinese_and_english() -> None:
    moment = datetime(2026, 9, 30, 23, 59, tzinfo=CST)
    assert moment_text(moment) == "2026-09-30 23:59 (UTC+08:00)"
    assert as_of_caption(moment, "zh") == "以下为 2026-09-30 23:59（UTC+08:00）时的数据"
    assert as_of_caption(moment, "en") == "Figures as of 2026-09-30 23:59 (UTC+08:00)"
    assert moment_text(moment.replace(second=5)) == "2026-09-30 23:59:05 (UTC+08:00)"
    assert as_of_sheet_title("分省", moment, "zh") == "分省（截至2026-09-30）"
    assert len(as_of_sheet_title("Annual revenue by province", moment, "en")) <= 31


def test_an_export_as_of_a_moment_says_so_above_its_headers() -> None:
    caption = as_of_caption(datetime(2026, 9, 30, 23, 59, tzinfo=CST), "zh")
    book = load_workbook(io.BytesIO(workbook("漏斗", ["环节", "数量"], [["征集", 3]], caption)))
    rows = [[c.value for c in row] for row in book.active.iter_rows()]
    assert rows == [[caption, None], ["环节", "数量"], ["征集", 3]]
    assert book.active.freeze_panes == "A3"
    live = load_workbook(io.BytesIO(workbook("漏斗", ["环节", "数量"], [["征集", 3]])))
    assert next([c.value for c in row] for row in live.active.iter_rows()) == ["环节", "数量"]


def test_the_page_takes_a_moment_with_its_time_zone_or_the_pickers_local_time() -> None:
    assert page_moment(None, None, None) is None
    assert page_moment(None, "", "+08:00") is None
    assert page_moment("2026-09-30T23:59:00+08:00", None, None) == datetime(
        2026, 9, 30, 23, 59, tzinfo=CST
    )
    assert page_moment(None, "2026-09-30T23:59", "+08:00") == datetime(
        2026, 9, 30, 23, 59, tzinfo=CST
    )
    # a picker without the script's offset: the platform's own time zone
    assert page_moment(None, "2026-09-30T23:59", "bogus") == datetime(
        2026, 9, 30, 23, 59, tzinfo=CST
    )
    for bad in (("yesterday", None, None), (None, "30/09/2026", "+08:00")):
        with pytest.raises(ValueError, match="as_of_invalid"):
            page_moment(*bad)
    with pytest.raises(ValueError, match="as_of_naive"):
        page_moment("2026-09-30T23:59:00", None, None)


async def test_one_replay_per_moment_is_shared_and_a_few_moments_are_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from dashboard.adapters import as_of

    at = datetime(2026, 9, 30, 10, 0, tzinfo=UTC)
    first, second = history(at)
    replays: list[tuple[tuple[str, ...], datetime]] = []
    failing = {"next": False}

    async def replay(bootstrap: str, topics: Any, until: datetime) -> list[EventEnvelope]:
        replays.append((tuple(topics), until))
        await asyncio.sleep(0.01)  # the askers arrive while it runs
        if failing["next"]:
            failing["next"] = False
            raise ConnectionError("broker away")
        return [e for e in events(first + second) if e.occurred_at <= until]

    monkeypatch.setattr(as_of, "replay_until", replay)
    counters = as_of.CountersAsOf("kafka:9092", as_of.fixed_topics(("a", "b")), keep=2)
    stores = await asyncio.gather(*(counters.at(at) for _ in range(5)))
    assert len(replays) == 1 and replays[0] == (("a", "b"), at)
    assert all(store is stores[0] for store in stores)
    assert await counters.at(at.astimezone(CST)) is stores[0]  # the same instant
    collected = (await DashboardQueriesAsOf(stores[0], at).overview(None))["funnel"][0]
    assert collected["count"] == 2

    await counters.at(at + timedelta(hours=2))
    await counters.at(at + timedelta(hours=3))  # keeps two: the first moment is dropped
    await counters.at(at)
    assert len(replays) == 4

    failing["next"] = True
    with pytest.raises(ConnectionError):
        await counters.at(at + timedelta(hours=4))
    await counters.at(at + timedelta(hours=4))  # a failed replay is not kept: asked again
    assert len(replays) == 6
    await counters.close()
