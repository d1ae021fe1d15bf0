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


async def test_what_the_holder_keeps_confidential_and_the_contact_never_enter_the_library() -> None:
    from ztc_shared.contracts.intake import AchievementUpdated, Contact

    store = InMemoryProjectionStore()
    runner = ProjectionRunner("library", LibraryProjector(), store)
    secret = drafted(
        confidential=["asking_price_wan", "trl"],
        contact=Contact(name="张三", phone="13800000000", email="zs@example.cn"),
    )
    public = drafted(confidential=[])
    events = [
        *envelopes("ach-secret", 1, secret, AchievementSubmitted()),
        *envelopes("ach-open", 1, public, AchievementSubmitted()),
        # the holder makes the price of the open one confidential, then changes it
        *envelopes(
            "ach-open",
            3,
            AchievementUpdated(changes={"confidential": ["asking_price_wan"]}, material=False),
            AchievementUpdated(changes={"asking_price_wan": "400"}, material=False),
        ),
    ]
    await runner.handle(as_messages(events))
    hidden, changed = store.documents["ach-secret"], store.documents["ach-open"]
    assert "asking_price_wan" not in hidden
    assert hidden["trl"] == 6  # always public: a listing cannot do without it
    assert "contact" not in hidden and "13800000000" not in str(hidden)
    assert "asking_price_wan" not in changed  # dropped when it became confidential, kept out after
    assert changed["stream_version"] == 4


def test_an_entry_projected_before_the_library_withheld_prices_does_not_show_one() -> None:
    from screening.entrypoints.api.routes.library import LibraryEntryPublic

    old = {
        "_id": "ach-old",
        "title": "旧条目",
        "abstract": "在库中保存了保密价格的旧条目，重建之前仍须隐藏。",
        "field": "biotech",
        "field_name": "生物",
        "keywords": [],
        "trl": 5,
        "holder_name": "张三",
        "institution": "中山大学",
        "channel": "open_call",
        "asking_price_wan": "350.5",
        "confidential": ["asking_price_wan"],
        "region": "440000",
        "status": "submitted",
        "stream_version": 2,
    }
    assert LibraryEntryPublic.model_validate(old).asking_price_wan is None
    shown = LibraryEntryPublic.model_validate({**old, "confidential": []})
    assert str(shown.asking_price_wan) == "350.5"
