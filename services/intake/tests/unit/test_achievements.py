"""Scenarios of the achievement lifecycle: given events, when a command, then events (or a refusal)."""

import uuid
from datetime import UTC, datetime

import pytest

from intake.bootstrap import Intake, bootstrap
from intake.config import IntakeSettings
from intake.domain.commands import DraftAchievement, OpenCollectionCall, SubmitAchievement
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.domain import DomainError, NotFound, StateConflict
from ztc_shared.eventstore import ConcurrencyConflict, IdempotencyKeyReused
from ztc_shared.eventstore.memory import InMemoryEventStore

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def a_draft(**overrides: object) -> DraftAchievement:
    fields: dict[str, object] = {
        "title": "固态锂电池电解质材料",
        "abstract": "一种高离子电导率的硫化物固态电解质，室温电导率达到 10 mS/cm。",
        "field": "new_energy_vehicles",
        "sub_field": "power_batteries",
        "keywords": ["固态电池", "电解质"],
        "trl": 5,
        "holder_name": "李四",
        "institution": "清华大学",
        "channel": "open_call",
    }
    fields.update(overrides)
    return DraftAchievement.model_validate(fields)


def context(key: str | None = None, fingerprint: str | None = None) -> CommandContext:
    return CommandContext(
        actor="holder-7",
        region="110000",
        correlation_id="corr-7",
        idempotency_key=key,
        request_fingerprint=fingerprint,
    )


@pytest.fixture
def store() -> InMemoryEventStore:
    return InMemoryEventStore()


@pytest.fixture
def intake(store: InMemoryEventStore) -> Intake:
    return bootstrap(IntakeSettings(region="110000"), store=store, clock=FixedClock(NOW))


async def test_drafting_records_the_draft_with_its_region_and_actor(
    intake: Intake, store: InMemoryEventStore
) -> None:
    result = await intake.handle(a_draft(), context())
    assert result.body == {"id": result.stream_id, "status": "draft", "stream_version": 1}
    (event,) = (await store.load(result.stream_id)).events
    assert event.event_type == "AchievementDrafted"
    assert (event.region, event.actor, event.correlation_id) == ("110000", "holder-7", "corr-7")
    assert event.payload["title"] == "固态锂电池电解质材料"


async def test_a_draft_is_submitted_once(intake: Intake, store: InMemoryEventStore) -> None:
    draft = await intake.handle(a_draft(), context())
    province = CommandContext(actor="bj-1", region="110000", correlation_id="c", role="province")
    call = await intake.handle(OpenCollectionCall(title="常态化征集", kind="open"), province)
    submitted = await intake.handle(
        SubmitAchievement(call_id=call.stream_id), context(), draft.stream_id
    )
    assert submitted.body["status"] == "submitted"
    assert submitted.stream_version == 2
    with pytest.raises(StateConflict) as refused:
        await intake.handle(SubmitAchievement(), context(), draft.stream_id)
    assert refused.value.code == "not_a_draft"
    assert refused.value.actual_version == 2
    assert "草稿" in refused.value.message_zh
    assert (await store.load(draft.stream_id)).version == 2


async def test_submitting_an_unknown_achievement_is_not_found(intake: Intake) -> None:
    with pytest.raises(NotFound):
        await intake.handle(SubmitAchievement(), context(), str(uuid.uuid4()))


async def test_a_sub_field_of_another_field_is_refused(
    intake: Intake, store: InMemoryEventStore
) -> None:
    with pytest.raises(DomainError) as refused:
        await intake.handle(a_draft(sub_field="photovoltaics"), context())
    assert refused.value.code == "sub_field_mismatch"
    assert await store.count_unpublished() == 0


async def test_a_retry_with_the_same_key_returns_the_first_result(
    intake: Intake, store: InMemoryEventStore
) -> None:
    first = await intake.handle(a_draft(), context("key-1", "fp"))
    again = await intake.handle(a_draft(), context("key-1", "fp"))
    assert again.replayed and not first.replayed
    assert again.body == first.body
    assert await store.count_unpublished() == 1


async def test_the_same_key_with_another_request_is_refused(intake: Intake) -> None:
    await intake.handle(a_draft(), context("key-2", "fp-1"))
    with pytest.raises(IdempotencyKeyReused):
        await intake.handle(a_draft(title="另一个成果"), context("key-2", "fp-2"))


async def test_a_stale_writer_conflicts(intake: Intake, store: InMemoryEventStore) -> None:
    draft = await intake.handle(a_draft(), context())
    await intake.handle(SubmitAchievement(), context(), draft.stream_id)
    with pytest.raises(ConcurrencyConflict):
        await store.append(
            stream_id=draft.stream_id,
            stream_type="achievement",
            expected_version=1,
            events=list((await store.load(draft.stream_id)).events[1:]),
            committed_at=NOW,
        )


async def test_commit_times_increase_within_a_stream_even_if_the_clock_goes_back(
    store: InMemoryEventStore,
) -> None:
    clock = FixedClock(NOW)
    intake = bootstrap(IntakeSettings(), store=store, clock=clock)
    draft = await intake.handle(a_draft(), context())
    clock._now = NOW.replace(year=2025)  # another host whose clock is behind
    await intake.handle(SubmitAchievement(), context(), draft.stream_id)
    commits = await store.unpublished(10)
    assert commits[0].committed_at < commits[1].committed_at
