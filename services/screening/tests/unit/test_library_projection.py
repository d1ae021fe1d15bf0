"""The library projection, fed intake's events through the runner with an in-memory store."""

from decimal import Decimal

from screening.application.library import LibraryProjector, library_definition
from ztc_shared.contracts.intake import AchievementSubmitted
from ztc_shared.events import encode_event
from ztc_shared.projections import InMemoryProjectionStore, Message, ProjectionRunner
from ztc_shared.testing.eventstore_contract import drafted, envelopes


def as_messages(events: list) -> list[Message]:  # type: ignore[type-arg]
    return [
        Message("ztc.intake.events", 0, i, e.stream_id.encode(), encode_event(e))
        for i, e in enumerate(events)
    ]


async def test_a_submitted_achievement_enters_the_library_at_version_2() -> None:
    store = InMemoryProjectionStore()
    runner = ProjectionRunner("library", LibraryProjector(), store)
    events = envelopes("ach-1", 1, drafted(), AchievementSubmitted(call_id="call-9"))
    await runner.handle(as_messages(events))
    entry = store.documents["ach-1"]
    assert entry["status"] == "submitted"
    assert entry["stream_version"] == 2
    assert entry["field_name"] == "生物"
    assert entry["sub_field_name"] == "生物医学工程"
    assert entry["call_id"] == "call-9"
    assert Decimal(entry["asking_price_wan"]) == Decimal("350.5")
    assert entry["region"] == "440000"


async def test_a_draft_alone_stays_a_draft() -> None:
    store = InMemoryProjectionStore()
    runner = ProjectionRunner("library", LibraryProjector(), store)
    await runner.handle(as_messages(envelopes("ach-2", 1, drafted())))
    assert store.documents["ach-2"]["status"] == "draft"


async def test_a_submission_without_its_draft_is_a_dead_letter() -> None:
    store = InMemoryProjectionStore()
    runner = ProjectionRunner("library", LibraryProjector(), store)
    outcome = await runner.handle(as_messages(envelopes("ach-3", 2, AchievementSubmitted())))
    assert len(outcome.dead_letters) == 1
    assert "never drafted" in outcome.dead_letters[0].reason
    assert store.documents == {}


def test_the_library_reads_intakes_topic_under_the_run_prefix() -> None:
    assert library_definition("t1.").topics == ("t1.ztc.intake.events",)
