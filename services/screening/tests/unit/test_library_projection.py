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


async def test_every_event_of_an_achievement_moves_its_entry_and_its_version() -> None:
    from ztc_shared.contracts.intake import (
        AchievementAdmitted,
        AchievementEvaluated,
        AchievementUpdated,
        EvaluationAssigned,
        EvaluationSummary,
        Evaluator,
        Scores,
    )

    scores = Scores(
        advancement=4,
        maturity=4,
        industrial_prospects=4,
        intellectual_property=4,
        team_willingness=4,
    )
    store = InMemoryProjectionStore()
    runner = ProjectionRunner("library", LibraryProjector(), store)
    events = envelopes(
        "ach-3",
        1,
        drafted(),
        AchievementSubmitted(),
        EvaluationAssigned(evaluator=Evaluator(evaluator_id="ev", name="评", institution="某中心")),
        AchievementEvaluated(
            evaluator_id="ev", scores=scores, comment="好", recommendation="admit"
        ),
    )
    await runner.handle(as_messages(events))
    entry = store.documents["ach-3"]
    assert (entry["status"], entry["stream_version"]) == ("under_evaluation", 4)

    later = envelopes(
        "ach-3",
        5,
        AchievementAdmitted(
            evaluations=[
                EvaluationSummary(
                    evaluator_id="ev", scores=scores, mean=Decimal("4"), recommendation="admit"
                )
            ],
            combined_score=Decimal("4.00"),
        ),
        AchievementUpdated(changes={"trl": 8}, material=True),
    )
    await runner.handle(as_messages(later))
    entry = store.documents["ach-3"]
    assert (entry["status"], entry["stream_version"], entry["trl"]) == ("submitted", 6, 8)
    assert entry["combined_score"] == "4.00"
