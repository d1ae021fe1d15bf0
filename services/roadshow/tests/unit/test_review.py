"""The experts' review, command by command: assignment and recusal, weighted criteria, scores with
mandatory comments or abstentions, normalisation, results hidden until the window closes, and the
roadshow's conclusion with its outcomes."""

from __future__ import annotations

import importlib.util
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from roadshow.domain.access import Actor
from roadshow.domain.commands import (
    AskQuestion,
    AssignExpert,
    CloseReviewWindow,
    ConcludeRoadshow,
    DeclareConflict,
    DeclareIntent,
    OpenRegistration,
    ScorePitch,
    SetCriteria,
)
from roadshow.domain.review import Review, z_scores
from roadshow.domain.roadshow_event import RoadshowEvent
from ztc_shared.application import CommandContext
from ztc_shared.contracts.roadshow import DEFAULT_CRITERIA
from ztc_shared.domain import Forbidden, StateConflict
from ztc_shared.events import EVENTS

_spec = importlib.util.spec_from_file_location(
    "roadshow_scenarios", Path(__file__).with_name("roadshow_scenarios.py")
)
assert _spec is not None and _spec.loader is not None
scenarios = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("roadshow_scenarios", scenarios)
_spec.loader.exec_module(scenarios)

Scenario = scenarios.Scenario
HOST, OTHER_HOST, SZSE = scenarios.HOST, scenarios.OTHER_HOST, scenarios.SZSE
company, company_id, expert = scenarios.company, scenarios.company_id, scenarios.expert

HARSH = expert("expert-harsh")
LENIENT = expert("expert-lenient")
MIDDLE = expert("expert-middle")
TSINGHUA = expert("expert-thu")


def assign(ctx: CommandContext, institution: str) -> AssignExpert:
    return AssignExpert(expert_id=ctx.actor, name=f"专家{ctx.actor[-3:]}", institution=institution)


def marks(
    achievement_id: str, mark: str, comment: str = "技术路线清晰，产业化路径可行"
) -> ScorePitch:
    value = Decimal(mark)
    return ScorePitch(
        achievement_id=achievement_id,
        scores={c.code: value for c in DEFAULT_CRITERIA},
        comment=comment,
    )


async def review_of(s: Scenario, rid: str) -> Review:
    loaded = await s.store.load(f"review-{rid}")
    return Review.rehydrate(f"review-{rid}", [EVENTS.payload(e) for e in loaded.events])


async def facts(s: Scenario, rid: str) -> Any:
    loaded = await s.store.load(rid)
    return RoadshowEvent.rehydrate(rid, [EVENTS.payload(e) for e in loaded.events]).facts()


async def panel(s: Scenario, rid: str) -> None:
    await s.when(assign(HARSH, "北京大学"), HOST, rid)
    await s.when(assign(LENIENT, "浙江大学"), HOST, rid)
    await s.when(assign(MIDDLE, "复旦大学"), HOST, rid)


# assignment and recusal


async def test_experts_are_assigned_once_the_shortlist_is_known() -> None:
    s = Scenario()
    rid = await s.planned()
    refusal = await s.refused(assign(HARSH, "北京大学"), HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "shortlist_first"
    await s.when(OpenRegistration(), HOST, rid)
    await s.when(scenarios.shortlist(), HOST, rid)
    assert await s.when(assign(HARSH, "北京大学"), HOST, rid) == ["ExpertAssigned"]
    refusal = await s.refused(assign(HARSH, "北京大学"), HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "already_assigned"
    refusal = await s.refused(assign(LENIENT, "浙江大学"), OTHER_HOST, rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_your_roadshow"
    refusal = await s.refused(assign(LENIENT, "浙江大学"), SZSE, rid)
    assert isinstance(refusal, Forbidden)


async def test_an_expert_of_a_pitchs_institution_recuses_from_it_at_once() -> None:
    s = Scenario()
    rid = await s.live(1)
    assert await s.when(assign(TSINGHUA, " 清华大学 "), HOST, rid) == [
        "ExpertAssigned",
        "ExpertRecused",
    ]
    recused = (await s.payloads(f"review-{rid}"))[-1]
    assert recused["achievement_id"] == "ach-01"
    assert recused["ground"] == "same_institution"
    assert "清华大学" in recused["reason"]
    refusal = await s.refused(marks("ach-01", "8"), TSINGHUA, rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "recused"
    assert await s.when(marks("ach-02", "8"), TSINGHUA, rid) == ["PitchScored"]


async def test_a_declared_conflict_recuses_with_a_reason_and_drops_an_earlier_score() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    await s.when(marks("ach-02", "7"), HARSH, rid)
    with pytest.raises(ValidationError):
        DeclareConflict(achievement_id="ach-02", reason="")
    declare = DeclareConflict(achievement_id="ach-02", reason="曾与项目负责人合作申报课题")
    assert await s.when(declare, HARSH, rid) == ["ExpertRecused"]
    review = await review_of(s, rid)
    assert ("expert-harsh", "ach-02") not in review.scores
    assert review.recusals[("expert-harsh", "ach-02")].ground.value == "declared"
    refusal = await s.refused(marks("ach-02", "7"), HARSH, rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "recused"
    refusal = await s.refused(declare, HARSH, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "already_recused"


async def test_only_assigned_experts_score() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    refusal = await s.refused(marks("ach-01", "8"), expert("expert-stranger"), rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "not_assigned"
    refusal = await s.refused(marks("ach-01", "8"), HOST, rid)
    assert isinstance(refusal, Forbidden) and refusal.code == "experts_only"
    refusal = await s.refused(marks("ach-77", "8"), HARSH, rid)
    assert refusal.code == "not_a_pitch"


# scores


async def test_scores_are_given_live_only() -> None:
    s = Scenario()
    rid = await s.with_attendees(1)
    await s.when(scenarios.shortlist(), HOST, rid)
    await panel(s, rid)
    refusal = await s.refused(marks("ach-01", "8"), HARSH, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "not_live"


async def test_a_comment_is_mandatory_and_every_criterion_is_scored() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    refusal = await s.refused(marks("ach-01", "8", comment=""), HARSH, rid)
    assert refusal.code == "comment_required"
    partial = ScorePitch(
        achievement_id="ach-01", scores={"technology_leadership": Decimal(8)}, comment="不错"
    )
    refusal = await s.refused(partial, HARSH, rid)
    assert refusal.code == "scores_incomplete"
    with pytest.raises(ValidationError):
        marks("ach-01", "11")


async def test_an_expert_may_abstain_with_a_reason_but_not_with_scores() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    abstain = ScorePitch(achievement_id="ach-03", abstain=True, comment="非本人专业领域，弃权")
    assert await s.when(abstain, HARSH, rid) == ["PitchScored"]
    scored = (await s.payloads(f"review-{rid}"))[-1]
    assert scored["abstained"] is True and scored["weighted"] is None
    silent = ScorePitch(achievement_id="ach-03", abstain=True)
    refusal = await s.refused(silent, LENIENT, rid)
    assert refusal.code == "comment_required"
    with_scores = marks("ach-03", "8").model_copy(update={"abstain": True})
    refusal = await s.refused(with_scores, LENIENT, rid)
    assert refusal.code == "abstain_without_scores"


async def test_the_host_adds_weighted_criteria_before_scoring_starts() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    criteria = SetCriteria.model_validate(
        {
            "criteria": [
                *[c.model_dump(mode="json") for c in DEFAULT_CRITERIA],
                {"code": "ip_strength", "name": "知识产权", "weight": "3"},
            ]
        }
    )
    assert await s.when(criteria, HOST, rid) == ["ReviewCriteriaSet"]
    refusal = await s.refused(marks("ach-01", "8"), HARSH, rid)
    assert refusal.code == "scores_incomplete"
    scores = {c.code: Decimal(6) for c in DEFAULT_CRITERIA} | {"ip_strength": Decimal(10)}
    score = ScorePitch(achievement_id="ach-01", scores=scores, comment="专利布局完整")
    await s.when(score, HARSH, rid)
    # (6 + 6 + 6 + 3 × 10) / 6
    assert (await s.payloads(f"review-{rid}"))[-1]["weighted"] == "8.00"
    refusal = await s.refused(criteria, HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "scoring_started"


async def test_the_default_criteria_stay() -> None:
    s = Scenario()
    rid = await s.live(1)
    without = SetCriteria.model_validate(
        {
            "criteria": [
                {"code": "technology_leadership", "name": "技术领先性", "weight": "1"},
                {"code": "industry_prospects", "name": "产业发展前景", "weight": "1"},
                {"code": "ip_strength", "name": "知识产权", "weight": "1"},
            ]
        }
    )
    refusal = await s.refused(without, HOST, rid)
    assert refusal.code == "default_criteria_required"
    assert "产业化可行性" in refusal.message_zh


# results


async def test_results_stay_hidden_until_the_window_closes_and_then_open_to_the_host() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    await s.when(marks("ach-01", "8"), HARSH, rid)
    review, roadshow = await review_of(s, rid), await facts(s, rid)
    with pytest.raises(StateConflict) as hidden:
        review.results_for(Actor.of(HOST), roadshow)
    assert hidden.value.code == "results_hidden"

    refusal = await s.refused(CloseReviewWindow(), HARSH, rid)
    assert isinstance(refusal, Forbidden)
    assert await s.when(CloseReviewWindow(), HOST, rid) == ["ReviewWindowClosed"]
    review = await review_of(s, rid)
    results = review.results_for(Actor.of(HOST), roadshow)
    assert [r.achievement_id for r in results] == ["ach-01", "ach-02", "ach-03"]
    assert results[0].comments[0].comment.startswith("技术路线")
    with pytest.raises(Forbidden):
        review.results_for(Actor.of(OTHER_HOST), roadshow)
    with pytest.raises(Forbidden):
        review.results_for(Actor.of(HARSH), roadshow)
    refusal = await s.refused(marks("ach-02", "8"), HARSH, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "review_closed"


async def test_normalisation_makes_a_harsh_and_a_lenient_expert_count_alike() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    # The harsh expert spreads widely and low, the lenient one narrowly and high, in the opposite
    # order; the third mildly prefers ach-03.
    for ctx, given in (
        (HARSH, {"ach-01": "5", "ach-02": "3", "ach-03": "1"}),
        (LENIENT, {"ach-01": "9", "ach-02": "9.5", "ach-03": "10"}),
        (MIDDLE, {"ach-01": "6", "ach-02": "5", "ach-03": "7"}),
    ):
        for achievement_id, mark in given.items():
            await s.when(marks(achievement_id, mark), ctx, rid)
    await s.when(CloseReviewWindow(), HOST, rid)
    [closed] = [p for p in await s.payloads(f"review-{rid}") if "results" in p]
    results = {r["achievement_id"]: r for r in closed["results"]}

    # Raw means follow the harsh expert's wide spread: ach-01 first.
    assert {k: r["raw_score"] for k, r in results.items()} == {
        "ach-01": "6.67",
        "ach-02": "5.83",
        "ach-03": "6.00",
    }
    # Normalised, the harsh and lenient experts cancel out and the third decides: ach-03 first.
    assert {k: r["rank"] for k, r in results.items()} == {"ach-03": 1, "ach-01": 2, "ach-02": 3}
    assert Decimal(results["ach-01"]["normalised_score"]) == 0
    assert Decimal(results["ach-03"]["normalised_score"]) == -Decimal(
        results["ach-02"]["normalised_score"]
    )
    assert all(r["scored_by"] == 3 for r in results.values())


def test_an_expert_without_spread_expresses_no_preference() -> None:
    assert z_scores({"a": Decimal(8)}) == {"a": 0.0}
    assert z_scores({"a": Decimal(7), "b": Decimal(7)}) == {"a": 0.0, "b": 0.0}
    spread = z_scores({"a": Decimal(2), "b": Decimal(4)})
    assert spread == {"a": -1.0, "b": 1.0}


async def test_abstentions_and_recusals_show_in_the_results() -> None:
    s = Scenario()
    rid = await s.live(1)
    await panel(s, rid)
    await s.when(assign(TSINGHUA, "清华大学"), HOST, rid)
    await s.when(
        ScorePitch(achievement_id="ach-01", abstain=True, comment="材料不足，弃权"), HARSH, rid
    )
    await s.when(marks("ach-01", "8"), LENIENT, rid)
    await s.when(CloseReviewWindow(), HOST, rid)
    review = await review_of(s, rid)
    first = review.results_for(Actor.of(HOST), await facts(s, rid))[0]
    assert (first.scored_by, first.abstentions, first.recusals) == (1, 1, ["expert-thu"])
    assert first.rank == 1


# the conclusion


async def test_concluding_emits_the_outcomes_for_tracking() -> None:
    s = Scenario()
    rid = await s.live(1, 2)
    await panel(s, rid)
    await s.when(marks("ach-01", "9"), HARSH, rid)
    await s.when(marks("ach-02", "6"), HARSH, rid)
    await s.when(AskQuestion(achievement_id="ach-01", question="量产成本？"), company(1), rid)
    await s.when(AskQuestion(achievement_id="ach-01", question="专利归属？"), company(2), rid)
    intent = DeclareIntent.model_validate({"achievement_id": "ach-01", "modes": ["license"]})
    await s.when(intent, company(2), rid)

    refusal = await s.refused(ConcludeRoadshow(), HOST, rid)
    assert isinstance(refusal, StateConflict) and refusal.code == "review_open"
    await s.when(CloseReviewWindow(), HOST, rid)
    assert await s.when(ConcludeRoadshow(summary="到场企业42家"), HOST, rid) == [
        "RoadshowConcluded"
    ]
    concluded = (await s.payloads(rid))[-1]
    first, second, third = concluded["pitches"]
    assert (first["achievement_id"], first["rank"], first["questions"]) == ("ach-01", 1, 2)
    assert first["intents"] == [company_id(2)]
    assert first["raw_score"] == "9.00"
    assert (second["rank"], third["rank"], third["raw_score"]) == (2, None, None)
    assert concluded["online_channel"] == ["ach-09"]
    assert (concluded["attendees"], concluded["szse_invited_attendees"]) == (2, 0)
    refusal = await s.refused(ConcludeRoadshow(), HOST, rid)
    assert isinstance(refusal, StateConflict)
