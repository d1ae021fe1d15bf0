"""Intake's command path on the real database, as two API replicas share it.

Each replica has its own ``MongoEventStore``, so its own cache of the streams it touched and its own
group commit. What one replica remembers can be behind what the other wrote; the outcome of a
command must not depend on that.
"""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import AsyncMongoClient

from intake.bootstrap import Intake, bootstrap
from intake.config import IntakeSettings
from intake.domain.commands import DraftAchievement, SubmitAchievement
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.domain import StateConflict
from ztc_shared.eventstore.mongo import MongoEventStore

pytestmark = pytest.mark.integration

NOW = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)


def a_draft(title: str = "钙钛矿叠层太阳能电池") -> DraftAchievement:
    return DraftAchievement.model_validate(
        {
            "title": title,
            "abstract": "钙钛矿/晶硅叠层电池，实验室效率 31%。",
            "field": "new_energy",
            "sub_field": "photovoltaics",
            "keywords": ["钙钛矿", "叠层电池"],
            "trl": 4,
            "holder_name": "王五",
            "institution": "南京大学",
            "channel": "open_call",
        }
    )


def context() -> CommandContext:
    return CommandContext(actor="holder-9", region="320000", correlation_id="corr-9")


@pytest.fixture
async def replicas(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> tuple[Intake, Intake, MongoEventStore]:
    database = mongo_client[f"{run_id}_intake_replicas_{uuid.uuid4().hex[:6]}"]
    stores = [MongoEventStore(database) for _ in range(2)]
    await stores[0].ensure_indexes()
    settings = IntakeSettings(region="320000")
    first, second = (bootstrap(settings, store=s, clock=FixedClock(NOW)) for s in stores)
    return first, second, MongoEventStore(database)


async def test_a_replica_that_is_behind_gets_the_answer_of_the_current_state(
    replicas: tuple[Intake, Intake, MongoEventStore],
) -> None:
    first, second, reader = replicas
    drafted = await first.handle(a_draft(), context())  # the first replica remembers version 1
    submitted = await second.handle(SubmitAchievement(), context(), drafted.stream_id)
    assert submitted.stream_version == 2

    with pytest.raises(StateConflict) as refused:
        await first.handle(SubmitAchievement(), context(), drafted.stream_id)

    assert refused.value.actual_version == 2
    stored = await reader.load(drafted.stream_id)
    assert [e.event_type for e in stored.events] == ["AchievementDrafted", "AchievementSubmitted"]


async def test_concurrent_commands_share_round_trips_and_each_is_stored_once(
    replicas: tuple[Intake, Intake, MongoEventStore],
) -> None:
    first, _, reader = replicas
    drafts = await asyncio.gather(
        *(first.handle(a_draft(f"成果 {i}"), context()) for i in range(60))
    )
    submits = await asyncio.gather(
        *(first.handle(SubmitAchievement(), context(), d.stream_id) for d in drafts)
    )

    assert {s.stream_version for s in submits} == {2}
    ids = {d.stream_id for d in drafts}
    assert len(ids) == 60
    for stream_id in ids:
        loaded = await reader.load(stream_id)
        assert [e.stream_version for e in loaded.events] == [1, 2]
        assert loaded.events[0].payload["title"].startswith("成果 ")
    pending = [c for c in await reader.unpublished(10_000) if c.stream_id in ids]
    assert len(pending) == 120
    assert all(c.events for c in pending)


async def test_a_retry_of_a_submit_whose_reply_and_idempotency_record_were_lost_replays_it(
    mongo_client: AsyncMongoClient[dict[str, Any]], run_id: str
) -> None:
    database = mongo_client[f"{run_id}_intake_lost_record_{uuid.uuid4().hex[:6]}"]
    stores = [MongoEventStore(database) for _ in range(2)]
    await stores[0].ensure_indexes()
    first, second = (
        bootstrap(IntakeSettings(region="320000"), store=s, clock=FixedClock(NOW)) for s in stores
    )
    drafted = await first.handle(a_draft(), context())
    keyed = CommandContext(
        actor="holder-9", region="320000", correlation_id="corr-9", idempotency_key="submit-1"
    )
    submitted = await first.handle(SubmitAchievement(), keyed, drafted.stream_id)
    # The API died after the commit, before its idempotency record: the client never heard back.
    assert (await database["idempotency"].delete_many({})).deleted_count == 1

    # Its retry, on another replica: the achievement is submitted already, and that is this
    # very command, so it gets the first reply rather than "only a draft can be submitted".
    retried = await second.handle(SubmitAchievement(), keyed, drafted.stream_id)
    assert retried.stream_version == submitted.stream_version == 2
    assert len((await MongoEventStore(database).load(drafted.stream_id)).events) == 2
    # Without its key, the same command is refused by the stream's state as before.
    with pytest.raises(StateConflict):
        await second.handle(SubmitAchievement(), context(), drafted.stream_id)
