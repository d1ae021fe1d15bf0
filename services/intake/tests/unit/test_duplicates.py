"""The same result arriving twice is suspected, never dropped; operators merge or keep both."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest

from intake.application.duplicates import InMemoryDuplicateFinder, normalise_title, suspects
from intake.bootstrap import bootstrap
from intake.config import IntakeSettings
from intake.domain.commands import (
    DismissDuplicate,
    DraftAchievement,
    MergeDuplicate,
    OpenCollectionCall,
    ResubmitAchievement,
    ReturnAchievement,
    SubmitAchievement,
)
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.domain import DomainError, Forbidden
from ztc_shared.events import EVENTS, EventEnvelope
from ztc_shared.eventstore import Commit, LoadedStream
from ztc_shared.eventstore.memory import InMemoryEventStore

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
HOLDER = CommandContext(actor="holder-1", region="440000", correlation_id="c", role="holder")
OTHER_HOLDER = CommandContext(actor="holder-2", region="440000", correlation_id="c", role="holder")
PROVINCE = CommandContext(actor="gd-1", region="440000", correlation_id="c", role="province")


def a_draft(**overrides: Any) -> DraftAchievement:
    fields: dict[str, Any] = {
        "title": "高比能固态锂电池电解质",
        "abstract": "硫化物固态电解质，室温离子电导率 10 mS/cm，已完成中试。",
        "field": "new_energy_vehicles",
        "sub_field": "power_batteries",
        "trl": 6,
        "holder_name": "李四",
        "institution": "中山大学",
        "channel": "self_nomination",
        "achievement_type": "patent",
        "ip_items": [{"kind": "patent", "number": "ZL202310000001.X", "status": "granted"}],
    }
    fields.update(overrides)
    return DraftAchievement.model_validate(fields)


def known(**fields: Any) -> dict[str, Any]:
    document = {
        "_id": "earlier-1",
        "title": "高比能固态锂电池电解质",
        "institution": "中山大学",
        "ip_items": [],
        "status": "admitted",
    }
    document.update(fields)
    return document


def test_a_shared_patent_number_is_suspected_whatever_the_title() -> None:
    details = a_draft().model_dump(mode="json")
    found = suspects(
        "new-1",
        details,
        [
            known(
                title="完全不同的名字",
                institution="清华大学",
                ip_items=[{"number": "zl 2023 1000 0001.x"}],
            )
        ],
    )
    assert found and found[0][0] == "earlier-1"
    assert "ZL202310000001X" in found[0][1]


def test_same_institution_and_a_near_identical_title() -> None:
    details = a_draft().model_dump(mode="json")
    near = known(title="高比能 固态锂电池电解质。")
    other_place = known(_id="earlier-2", institution="清华大学")
    different = known(_id="earlier-3", title="钠离子电池正极材料")
    withdrawn = known(_id="earlier-4", status="withdrawn")
    found = dict(suspects("new-1", details, [near, other_place, different, withdrawn]))
    assert set(found) == {"earlier-1"}
    assert "中山大学" in found["earlier-1"] and "相似度" in found["earlier-1"]
    assert normalise_title("Ａ Ｂ，c") == "abc"


def test_itself_is_never_its_own_duplicate() -> None:
    details = a_draft().model_dump(mode="json")
    assert suspects("earlier-1", details, [known()]) == []


class World:
    def __init__(self, *documents: dict[str, Any]) -> None:
        self.store = InMemoryEventStore()
        self.finder = InMemoryDuplicateFinder(list(documents))
        self.intake = bootstrap(
            IntakeSettings(), store=self.store, clock=FixedClock(NOW), duplicates=self.finder
        )

    async def types(self, stream: str) -> list[str]:
        return [e.event_type for e in (await self.store.load(stream)).events]


async def test_a_submission_that_looks_like_an_earlier_one_is_flagged_and_kept() -> None:
    world = World()
    first = await world.intake.handle(a_draft(), HOLDER)
    await world.intake.handle(SubmitAchievement(), HOLDER, first.stream_id)
    world.finder.documents.append(
        known(_id=first.stream_id, ip_items=[{"number": "ZL202310000001.X"}])
    )
    second = await world.intake.handle(a_draft(channel="national_programme"), OTHER_HOLDER)
    result = await world.intake.handle(SubmitAchievement(), OTHER_HOLDER, second.stream_id)

    assert result.body["status"] == "submitted"
    assert await world.types(second.stream_id) == [
        "AchievementDrafted",
        "AchievementSubmitted",
        "DuplicateSuspected",
    ]
    suspicion = EVENTS.payload((await world.store.load(second.stream_id)).events[-1])
    assert suspicion.other_id == first.stream_id  # type: ignore[attr-defined]


class CountingStore:
    """The fake store, counting how often each stream is loaded by the commands."""

    def __init__(self) -> None:
        self.inner = InMemoryEventStore()
        self.loads: Counter[str] = Counter()

    async def load(self, stream_id: str, *, fresh: bool = False) -> LoadedStream:
        self.loads[stream_id] += 1
        return await self.inner.load(stream_id, fresh=fresh)

    async def append(self, *, events: Sequence[EventEnvelope], **fields: Any) -> Commit:
        return await self.inner.append(events=events, **fields)

    async def find_by_idempotency(
        self, idempotency: str, *, thorough: bool = False
    ) -> Commit | None:
        return await self.inner.find_by_idempotency(idempotency, thorough=thorough)


async def test_submitting_loads_the_achievement_once_and_still_finds_its_duplicates() -> None:
    store = CountingStore()
    finder = InMemoryDuplicateFinder([known()])
    intake = bootstrap(IntakeSettings(), store=store, clock=FixedClock(NOW), duplicates=finder)
    call = await intake.handle(OpenCollectionCall(title="常态化征集", kind="open"), PROVINCE)
    draft = await intake.handle(a_draft(), HOLDER)
    store.loads.clear()

    await intake.handle(SubmitAchievement(call_id=call.stream_id), HOLDER, draft.stream_id)

    assert store.loads == Counter({draft.stream_id: 1, call.stream_id: 1})
    types = [e.event_type for e in (await store.inner.load(draft.stream_id)).events]
    assert types == ["AchievementDrafted", "AchievementSubmitted", "DuplicateSuspected"]


async def test_a_resubmission_does_not_flag_the_same_pair_twice() -> None:
    world = World(known())
    draft = await world.intake.handle(a_draft(), HOLDER)
    await world.intake.handle(SubmitAchievement(), HOLDER, draft.stream_id)
    await world.intake.handle(ReturnAchievement(reasons=["补充材料"]), PROVINCE, draft.stream_id)
    await world.intake.handle(ResubmitAchievement(), HOLDER, draft.stream_id)
    types = await world.types(draft.stream_id)
    assert types.count("DuplicateSuspected") == 1
    assert types[-1] == "AchievementResubmitted"


async def test_an_operator_merges_the_duplicate_into_the_one_kept_once() -> None:
    world = World()
    kept = await world.intake.handle(a_draft(), HOLDER)
    await world.intake.handle(SubmitAchievement(), HOLDER, kept.stream_id)
    other = await world.intake.handle(a_draft(), OTHER_HOLDER)
    await world.intake.handle(SubmitAchievement(), OTHER_HOLDER, other.stream_id)
    world.finder.documents.append(known(_id=other.stream_id))
    await world.intake.handle(ReturnAchievement(reasons=["x"]), PROVINCE, kept.stream_id)
    await world.intake.handle(ResubmitAchievement(), HOLDER, kept.stream_id)
    assert (await world.types(kept.stream_id))[-1] == "DuplicateSuspected"

    with pytest.raises(Forbidden):
        await world.intake.handle(MergeDuplicate(other_id=other.stream_id), HOLDER, kept.stream_id)
    await world.intake.handle(MergeDuplicate(other_id=other.stream_id), PROVINCE, kept.stream_id)
    await world.intake.handle(MergeDuplicate(other_id=other.stream_id), PROVINCE, kept.stream_id)

    assert (await world.types(kept.stream_id)).count("AchievementsMerged") == 1
    other_events = (await world.store.load(other.stream_id)).events
    assert [e.event_type for e in other_events][-1] == "AchievementWithdrawn"
    assert EVENTS.payload(other_events[-1]).merged_into == kept.stream_id  # type: ignore[attr-defined]
    assert [e.event_type for e in other_events].count("AchievementWithdrawn") == 1


async def test_only_a_suspected_one_can_be_merged_or_dismissed() -> None:
    world = World()
    kept = await world.intake.handle(a_draft(), HOLDER)
    stranger = await world.intake.handle(a_draft(), OTHER_HOLDER)
    for command in (
        MergeDuplicate(other_id=stranger.stream_id),
        DismissDuplicate(other_id=stranger.stream_id),
    ):
        with pytest.raises(DomainError) as refused:
            await world.intake.handle(command, PROVINCE, kept.stream_id)
        assert refused.value.code == "not_suspected"
    assert await world.types(stranger.stream_id) == ["AchievementDrafted"]


async def test_keeping_both_dismisses_the_suspicion() -> None:
    world = World(known())
    draft = await world.intake.handle(a_draft(), HOLDER)
    await world.intake.handle(SubmitAchievement(), HOLDER, draft.stream_id)
    await world.intake.handle(DismissDuplicate(other_id="earlier-1"), PROVINCE, draft.stream_id)
    assert (await world.types(draft.stream_id))[-1] == "DuplicateDismissed"
    with pytest.raises(DomainError):
        await world.intake.handle(DismissDuplicate(other_id="earlier-1"), PROVINCE, draft.stream_id)
