"""Screening rounds, command by command: given events, when a command, then events.

Each command has its scenario and each guard (sizes, state, who asks) its refusal; the live tally and
the suggested shortlist are read from the round as the API shows them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from screening.bootstrap import Screening, bootstrap
from screening.config import ScreeningSettings
from screening.domain.commands import (
    FinalizeShortlist,
    LonglistCandidate,
    OpenScreeningRound,
    PublishLonglist,
    RecordInterest,
    RemoveCandidate,
    StateDemand,
)
from screening.domain.round import ScreeningRound
from screening.domain.shortlist import Candidate, suggest_shortlist, tally
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.contracts.screening import (
    CandidateLonglisted,
    InterestAnswer,
    InterestLevel,
    InterestReason,
    LonglistPublished,
    ScreeningRoundOpened,
    ShortlistFinalized,
)
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.domain import DomainError, Forbidden, NotFound, StateConflict
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing import scenario as testing

NOW = datetime(2026, 9, 1, 9, 0, tzinfo=UTC)


def context(actor: str, role: str) -> CommandContext:
    return CommandContext(actor=actor, region="440000", correlation_id="c", role=role)


HOST = context("host-sz", "host")
OTHER_HOST = context("host-gz", "host")
PROVINCE = context("gd-1", "province")
AGENCY = context("agency-1", "support_org")
HOLDER = context("holder-1", "holder")


def company_id(n: int) -> str:
    return sample_credit_code(n, series="MA5G")


def company(n: int) -> CommandContext:
    return context(company_id(n), "company")


FIELDS = [IndustryField.NEW_ENERGY, IndustryField.NEXT_GEN_IT, IndustryField.BIOTECH]


def library_entries(count: int = 30) -> dict[str, dict[str, Any]]:
    """Admitted achievements across three fields, scores from 4.80 down."""
    entries = {
        f"ach-{i:02d}": {
            "_id": f"ach-{i:02d}",
            "title": f"成果{i:02d}",
            "field": FIELDS[i % 3].value,
            "combined_score": str(Decimal("4.80") - Decimal(i) / 20),
            "status": "admitted" if i % 2 else "published",
        }
        for i in range(1, count + 1)
    }
    entries["ach-under-review"] = {
        "_id": "ach-under-review",
        "title": "评估中的成果",
        "field": "new_energy",
        "status": "under_evaluation",
    }
    return entries


class FakeLibrary:
    def __init__(self, entries: dict[str, dict[str, Any]]) -> None:
        self.entries = entries

    async def get(self, achievement_id: str) -> dict[str, Any] | None:
        return self.entries.get(achievement_id)


def a_round(**overrides: Any) -> OpenScreeningRound:
    fields: dict[str, Any] = {
        "roadshow_ref": "roadshow-sz-2026-03",
        "title": "深圳新能源专场",
        "fields": ["new_energy", "next_gen_it"],
        "industry_needs": "储能电池回收、光伏组件智能运维",
        "region": "440300",
    }
    fields.update(overrides)
    return OpenScreeningRound.model_validate(fields)


def add(i: int, reason: str = "契合主题") -> LonglistCandidate:
    return LonglistCandidate(achievement_id=f"ach-{i:02d}", reason=reason)


def answer(i: int, level: str, reason: str | None = None, suggestion: str = "") -> InterestAnswer:
    return InterestAnswer.model_validate(
        {
            "achievement_id": f"ach-{i:02d}",
            "level": level,
            "reason": reason,
            "suggestion": suggestion,
        }
    )


def ids(*numbers: int) -> list[str]:
    return [f"ach-{i:02d}" for i in numbers]


class Scenario(testing.Scenario):
    """One round's stream, driven through screening's real handlers on the in-memory store."""

    def __init__(self) -> None:
        self.store = InMemoryEventStore()
        self.library = FakeLibrary(library_entries())
        self.screening: Screening = bootstrap(
            ScreeningSettings(), store=self.store, library=self.library, clock=FixedClock(NOW)
        )
        super().__init__(self.screening.handle, self.store, context=HOST, now=NOW)

    async def round(self) -> ScreeningRound:
        return await self.aggregate(ScreeningRound)


async def opened(**overrides: Any) -> Scenario:
    s = Scenario()
    assert await s.when(a_round(**overrides)) == ["ScreeningRoundOpened"]
    return s


async def longlisted(count: int = 24, **overrides: Any) -> Scenario:
    s = await opened(**overrides)
    for i in range(1, count + 1):
        await s.when(add(i), AGENCY)
    return s


async def published(count: int = 24, companies: int = 3, **overrides: Any) -> Scenario:
    s = await longlisted(count, **overrides)
    push = PublishLonglist(company_ids=[company_id(n) for n in range(1, companies + 1)])
    assert await s.when(push) == ["LonglistPublished"]
    return s


# opening a round


async def test_a_host_opens_a_round_with_the_guidelines_sizes_and_owns_it() -> None:
    s = await opened()
    event = await s.last()
    assert isinstance(event, ScreeningRoundOpened)
    assert (event.longlist_target, event.shortlist_min, event.shortlist_max) == (100, 10, 20)
    assert event.host_id == "host-sz"
    assert event.region == "440300"
    assert event.fields == [IndustryField.NEW_ENERGY, IndustryField.NEXT_GEN_IT]
    assert s.id.startswith("round-")


async def test_the_province_opens_a_round_for_a_named_host() -> None:
    s = Scenario()
    await s.when(a_round(host_id="host-sz"), PROVINCE)
    assert (await s.last()).host_id == "host-sz"


@pytest.mark.parametrize("ctx", [AGENCY, HOLDER, company(1)])
async def test_only_hosts_and_organisers_open_rounds(ctx: CommandContext) -> None:
    s = Scenario()
    with pytest.raises(Forbidden) as refused:
        await s.screening.handle(a_round(), ctx)
    assert refused.value.code == "organisers_only"
    assert await s.store.count_unpublished() == 0


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"longlist_target": 30}, "longlist_target_out_of_range"),
        ({"longlist_target": 200, "shortlist_max": 20}, "longlist_target_out_of_range"),
        ({"shortlist_min": 5}, "shortlist_min_out_of_range"),
        ({"shortlist_max": 25}, "shortlist_max_out_of_range"),
    ],
)
async def test_sizes_outside_the_guideline_are_refused_without_a_reason(
    overrides: dict[str, Any], code: str
) -> None:
    s = Scenario()
    with pytest.raises(DomainError) as refused:
        await s.screening.handle(a_round(**overrides), HOST)
    assert refused.value.code == code
    assert "理由" in refused.value.message_zh


async def test_a_size_outside_the_guideline_is_accepted_with_its_reason_recorded() -> None:
    exceptions = [
        {"size": "longlist_target", "reason": "本场为小型专场，初筛40个即可"},
        {"size": "shortlist_min", "reason": "专场时长半天"},
    ]
    s = await opened(longlist_target=40, shortlist_min=6, shortlist_max=12, exceptions=exceptions)
    event = await s.last()
    assert [e.size.value for e in event.exceptions] == ["longlist_target", "shortlist_min"]
    assert event.exceptions[0].reason == "本场为小型专场，初筛40个即可"


def test_sizes_must_fit_together() -> None:
    with pytest.raises(ValidationError):
        a_round(shortlist_min=15, shortlist_max=12)
    with pytest.raises(ValidationError):
        a_round(exceptions=[{"size": "longlist_target", "reason": ""}])


@pytest.mark.parametrize("ref", ["路演-1", "rs 1", "rs/1", "-rs", "rs?x=1"])
def test_the_roadshow_named_is_a_record_id(ref: str) -> None:
    # The round is round-<ref>, in its URL and its Location header: a ref that could not be one
    # was stored and then failed the reply (a 500 after the write).
    with pytest.raises(ValidationError):
        a_round(roadshow_ref=ref)
    assert a_round(roadshow_ref="roadshow-2f0c1a7e").roadshow_ref == "roadshow-2f0c1a7e"


# the longlist


async def test_an_agency_longlists_an_admitted_achievement_as_the_library_shows_it() -> None:
    s = await opened()
    command = LonglistCandidate(
        achievement_id="ach-01",
        reason="推荐排名第1",
        recommended_rank=1,
        recommendation_score=Decimal("0.93"),
    )
    assert await s.when(command, AGENCY) == ["CandidateLonglisted"]
    event = await s.last()
    assert isinstance(event, CandidateLonglisted)
    assert event.title == "成果01"
    assert event.field is IndustryField.NEXT_GEN_IT
    assert event.combined_score == Decimal("4.75")
    assert (event.recommended_rank, event.recommendation_score) == (1, Decimal("0.93"))
    assert await s.when(add(2, "承办单位补充"), HOST) == ["CandidateLonglisted"]  # published one


async def test_only_admitted_or_published_achievements_are_longlisted() -> None:
    s = await opened()
    missing = await s.refused(LonglistCandidate(achievement_id="nope", reason="试试"), AGENCY)
    assert missing.code == "not_in_library"
    reviewing = await s.refused(
        LonglistCandidate(achievement_id="ach-under-review", reason="试试"), AGENCY
    )
    assert reviewing.code == "not_in_library"
    assert "已入库或已公开" in reviewing.message_zh


async def test_a_candidate_is_longlisted_once() -> None:
    s = await opened()
    await s.when(add(1), AGENCY)
    refusal = await s.refused(add(1), HOST)
    assert isinstance(refusal, StateConflict)
    assert refusal.code == "already_longlisted"


async def test_a_removed_candidate_can_be_added_back() -> None:
    s = await opened()
    await s.when(add(1), AGENCY)
    removal = RemoveCandidate(achievement_id="ach-01", reason="持有人暂不参加")
    assert await s.when(removal, AGENCY) == ["CandidateRemoved"]
    round_ = await s.round()
    assert round_.longlist == {}
    assert round_.removed == {"ach-01": "持有人暂不参加"}
    assert await s.when(add(1, "持有人确认参加"), AGENCY) == ["CandidateLonglisted"]
    round_ = await s.round()
    assert list(round_.longlist) == ["ach-01"]
    assert round_.removed == {}


async def test_only_a_longlisted_candidate_can_be_removed() -> None:
    s = await opened()
    refusal = await s.refused(RemoveCandidate(achievement_id="ach-01", reason="x"), AGENCY)
    assert refusal.code == "not_on_longlist"


@pytest.mark.parametrize("ctx", [HOLDER, company(1), PROVINCE])
async def test_only_agencies_and_the_host_change_the_longlist(ctx: CommandContext) -> None:
    s = await opened()
    assert (await s.refused(add(1), ctx)).code == "curators_only"


async def test_another_host_may_not_touch_the_round() -> None:
    s = await longlisted(12)
    assert (await s.refused(add(20), OTHER_HOST)).code == "not_your_round"
    push = PublishLonglist(company_ids=[company_id(1)])
    assert (await s.refused(push, OTHER_HOST)).code == "not_your_round"


async def test_an_unknown_round_is_not_found() -> None:
    s = Scenario()
    with pytest.raises(NotFound):
        await s.screening.handle(RemoveCandidate(achievement_id="a", reason="x"), AGENCY, "round-x")


# publishing


async def test_publishing_pushes_the_longlist_to_the_companies_named() -> None:
    s = await published(count=12, companies=2)
    event = await s.last()
    assert isinstance(event, LonglistPublished)
    assert event.candidate_ids == ids(*range(1, 13))
    assert event.company_ids == [company_id(1), company_id(2)]
    assert (await s.round()).status is not None


async def test_a_longlist_shorter_than_the_shortlist_is_not_published() -> None:
    s = await longlisted(9)
    refusal = await s.refused(PublishLonglist(company_ids=[company_id(1)]))
    assert refusal.code == "longlist_too_short"
    assert "至少需要 10 项" in refusal.message_zh


async def test_only_organisers_publish() -> None:
    s = await longlisted(12)
    refusal = await s.refused(PublishLonglist(company_ids=[company_id(1)]), AGENCY)
    assert refusal.code == "organisers_only"


def test_companies_are_named_by_their_unified_social_credit_code() -> None:
    with pytest.raises(ValidationError):
        PublishLonglist(company_ids=["深圳某某科技有限公司"])
    with pytest.raises(ValidationError):
        PublishLonglist(company_ids=["91440300MA5F0001I"])  # 17 characters
    with pytest.raises(ValidationError):
        PublishLonglist(company_ids=["914403000MA5F0001O"])  # O is not used


async def test_publishing_again_reaches_only_the_companies_added_since() -> None:
    s = await published(count=12, companies=2)
    again = PublishLonglist(company_ids=[company_id(1), company_id(2)])
    assert await s.when(again) == []  # a retry
    more = PublishLonglist(company_ids=[company_id(2), company_id(3)])
    assert await s.when(more) == ["LonglistPublished"]
    assert (await s.last()).company_ids == [company_id(3)]
    assert (await s.round()).companies == [company_id(1), company_id(2), company_id(3)]


async def test_after_publishing_candidates_are_removed_but_not_added() -> None:
    s = await published(count=12)
    refusal = await s.refused(add(20), AGENCY)
    assert refusal.code == "longlist_published"
    removal = RemoveCandidate(achievement_id="ach-03", reason="持有人撤回")
    assert await s.when(removal, AGENCY) == ["CandidateRemoved"]


# company interest and demands


async def test_a_pushed_company_answers_per_candidate() -> None:
    s = await published()
    answers = RecordInterest(
        answers=[
            answer(1, "must_meet", "fits_our_needs", "希望尽快对接"),
            answer(2, "not_interested", "too_early"),
        ]
    )
    assert await s.when(answers, company(1)) == ["CompanyInterestRecorded"]
    event = await s.last()
    assert event.company_id == company_id(1)
    assert event.answers[1].reason is InterestReason.TOO_EARLY


async def test_answers_before_publishing_are_refused() -> None:
    s = await longlisted(12)
    refusal = await s.refused(RecordInterest(answers=[answer(1, "interested")]), company(1))
    assert isinstance(refusal, StateConflict)
    assert refusal.code == "not_published"
    demand = await s.refused(StateDemand(demand="需要储能电池梯次利用技术"), company(1))
    assert demand.code == "not_published"


async def test_only_companies_the_longlist_was_pushed_to_answer() -> None:
    s = await published(companies=2)
    refusal = await s.refused(RecordInterest(answers=[answer(1, "interested")]), company(9))
    assert refusal.code == "not_pushed_to_you"
    by_agency = await s.refused(RecordInterest(answers=[answer(1, "interested")]), AGENCY)
    assert by_agency.code == "companies_only"


async def test_answers_name_candidates_of_the_pushed_longlist_once_each() -> None:
    s = await published(count=12)
    stray = await s.refused(RecordInterest(answers=[answer(20, "interested")]), company(1))
    assert stray.code == "not_on_pushed_longlist"
    twice = RecordInterest(answers=[answer(1, "interested"), answer(1, "must_meet")])
    assert (await s.refused(twice, company(1))).code == "duplicate_answer"


async def test_not_interested_needs_a_reason_and_other_needs_words() -> None:
    s = await published()
    bare = await s.refused(RecordInterest(answers=[answer(1, "not_interested")]), company(1))
    assert bare.code == "reason_required"
    other = await s.refused(
        RecordInterest(answers=[answer(1, "not_interested", "other")]), company(1)
    )
    assert other.code == "suggestion_required"


async def test_a_company_states_its_own_demand() -> None:
    s = await published()
    demand = StateDemand(
        demand="需要光伏组件清洗机器人", fields=["new_energy", "high_end_equipment"]
    )
    assert await s.when(demand, company(2)) == ["CompanyDemandStated"]
    round_ = await s.round()
    assert round_.demands[0].company_id == company_id(2)
    assert round_.demands[0].fields[1] is IndustryField.HIGH_END_EQUIPMENT


async def test_the_tally_counts_each_companys_latest_answer_by_level_and_reason() -> None:
    s = await published()
    await s.when(
        RecordInterest(answers=[answer(1, "must_meet"), answer(2, "not_interested", "price")]),
        company(1),
    )
    await s.when(
        RecordInterest(answers=[answer(1, "interested"), answer(2, "not_interested", "price")]),
        company(2),
    )
    # Company 1 changes its mind about ach-02.
    await s.when(RecordInterest(answers=[answer(2, "interested", "other", "价格可谈")]), company(1))
    tallies = (await s.round()).tally()
    assert dict(tallies["ach-01"].levels) == {"must_meet": 1, "interested": 1}
    assert dict(tallies["ach-02"].levels) == {"interested": 1, "not_interested": 1}
    assert dict(tallies["ach-02"].reasons) == {"price": 1, "other": 1}
    assert tallies["ach-02"].suggestions == ["价格可谈"]
    # A candidate removed after publication leaves the tally.
    await s.when(RemoveCandidate(achievement_id="ach-02", reason="持有人撤回"), AGENCY)
    assert "ach-02" not in (await s.round()).tally()


# the shortlist


async def test_fewer_than_ten_or_more_than_twenty_are_refused() -> None:
    s = await published(count=24)
    few = await s.refused(FinalizeShortlist(selected=ids(*range(1, 10))))
    assert few.code == "shortlist_size"
    assert few.message_zh == "拟路演项目应为 10–20 个，当前选择了 9 个"
    many = await s.refused(FinalizeShortlist(selected=ids(*range(1, 22))))
    assert many.code == "shortlist_size"
    assert "当前选择了 21 个" in many.message_zh


async def test_finalising_names_the_selected_and_the_rest_of_the_longlist() -> None:
    s = await published(count=14)
    await s.when(RemoveCandidate(achievement_id="ach-14", reason="持有人撤回"), AGENCY)
    selected = ids(*range(1, 11))
    command = FinalizeShortlist(selected=selected, reasons={"ach-01": "企业需求强烈"}, note="定稿")
    assert await s.when(command) == ["ShortlistFinalized"]
    event = await s.last()
    assert isinstance(event, ShortlistFinalized)
    assert event.selected == selected
    assert event.not_selected == ids(11, 12, 13)
    assert event.reasons["ach-01"] == "企业需求强烈"
    assert event.reasons["ach-02"].startswith("评估综合分 4.70")  # from the suggestion
    assert set(event.reasons) == set(selected)


async def test_the_province_may_finalise_an_agency_may_not() -> None:
    s = await published(count=12)
    command = FinalizeShortlist(selected=ids(*range(1, 11)))
    assert (await s.refused(command, AGENCY)).code == "organisers_only"
    assert await s.when(command, PROVINCE) == ["ShortlistFinalized"]


async def test_the_shortlist_comes_from_the_longlist_once_each() -> None:
    s = await published(count=12)
    unknown = await s.refused(FinalizeShortlist(selected=[*ids(*range(1, 10)), "ach-25"]))
    assert unknown.code == "not_on_longlist"
    twice = await s.refused(FinalizeShortlist(selected=[*ids(*range(1, 10)), "ach-01"]))
    assert twice.code == "duplicate_selection"
    stray = await s.refused(
        FinalizeShortlist(selected=ids(*range(1, 11)), reasons={"ach-12": "备选"})
    )
    assert stray.code == "reason_for_unselected"


async def test_no_shortlist_before_the_companies_were_asked() -> None:
    s = await longlisted(12)
    refusal = await s.refused(FinalizeShortlist(selected=ids(*range(1, 11))))
    assert refusal.code == "not_published"


async def test_a_round_with_an_excused_range_uses_its_own_range() -> None:
    exceptions = [{"size": "shortlist_min", "reason": "半天专场，6个项目"}]
    s = await published(count=12, shortlist_min=6, exceptions=exceptions)
    assert await s.when(FinalizeShortlist(selected=ids(*range(1, 7)))) == ["ShortlistFinalized"]


async def test_nothing_changes_after_finalising() -> None:
    s = await published(count=12)
    await s.when(FinalizeShortlist(selected=ids(*range(1, 11))))
    refusals = [
        await s.refused(add(20), AGENCY),
        await s.refused(RemoveCandidate(achievement_id="ach-01", reason="x"), AGENCY),
        await s.refused(PublishLonglist(company_ids=[company_id(5)])),
        await s.refused(RecordInterest(answers=[answer(1, "interested")]), company(1)),
        await s.refused(StateDemand(demand="还有一个需求"), company(1)),
        await s.refused(FinalizeShortlist(selected=ids(*range(1, 11)))),
    ]
    assert {r.code for r in refusals} == {"round_finalized"}
    assert all(isinstance(r, StateConflict) for r in refusals)
    assert "路演项目已确定" in refusals[0].message_zh


# the suggested shortlist


def test_company_interest_outweighs_a_small_difference_in_evaluation() -> None:
    candidates = [
        Candidate("a", "高分无人问", IndustryField.NEW_ENERGY, Decimal("4.60")),
        Candidate("b", "企业必须对接", IndustryField.NEW_ENERGY, Decimal("4.20")),
        Candidate("c", "企业不感兴趣", IndustryField.NEW_ENERGY, Decimal("4.70")),
    ]
    answers = [
        answer_for("b", "must_meet"),
        answer_for("b", "interested"),
        answer_for("c", "not_interested", "price"),
        answer_for("c", "not_interested", "too_early"),
    ]
    suggestions = suggest_shortlist(candidates, tally(answers), [IndustryField.NEW_ENERGY], 3)
    assert [s.achievement_id for s in suggestions] == ["b", "a", "c"]
    assert suggestions[0].reason_zh == (
        "评估综合分 4.20；企业意愿：必须对接 1 家、感兴趣 1 家、不感兴趣 0 家；覆盖主题领域“新能源”"
    )
    assert suggestions[1].reason_zh == "评估综合分 4.60；尚无企业反馈；属于主题领域“新能源”"
    assert "2 not interested" in suggestions[2].reason_en
    assert [s.rank for s in suggestions] == [1, 2, 3]


def test_the_suggestion_covers_the_theme_fields() -> None:
    candidates = [
        Candidate("e1", "新能源一", IndustryField.NEW_ENERGY, Decimal("4.80")),
        Candidate("e2", "新能源二", IndustryField.NEW_ENERGY, Decimal("4.70")),
        Candidate("it", "信息技术", IndustryField.NEXT_GEN_IT, Decimal("4.50")),
        Candidate("bio", "生物", IndustryField.BIOTECH, Decimal("4.75")),
    ]
    themes = [IndustryField.NEW_ENERGY, IndustryField.NEXT_GEN_IT]
    suggestions = suggest_shortlist(candidates, {}, themes, 4)
    # The second theme field comes before a second project of the first, and the field outside
    # the theme comes last despite its score.
    assert [s.achievement_id for s in suggestions] == ["e1", "it", "e2", "bio"]
    assert [s.covers_new_field for s in suggestions] == [True, True, False, False]
    assert suggestions[3].reason_zh.endswith("领域“生物”不在本场主题内")


def test_the_suggestion_is_at_most_the_rounds_maximum_and_stable_on_ties() -> None:
    candidates = [
        Candidate(f"x{i}", f"项目{i}", IndustryField.NEW_ENERGY, Decimal("4.00")) for i in range(5)
    ]
    suggestions = suggest_shortlist(candidates, {}, [IndustryField.NEW_ENERGY], 3)
    assert [s.achievement_id for s in suggestions] == ["x0", "x1", "x2"]
    assert suggest_shortlist([], {}, [IndustryField.NEW_ENERGY], 10) == []


async def test_the_round_suggests_up_to_its_maximum_from_its_longlist() -> None:
    s = await published(count=24)
    before = [x.achievement_id for x in (await s.round()).suggestions()]
    assert len(before) == 20
    assert before[:2] == ["ach-01", "ach-03"]  # the best of each theme field first
    # ach-23, biotech (outside the theme) and the weakest evaluation, is not suggested ...
    assert "ach-23" not in before
    # ... until a company must meet it.
    await s.when(RecordInterest(answers=[answer(23, "must_meet", "fits_our_needs")]), company(1))
    after = (await s.round()).suggestions()
    chosen = next(x for x in after if x.achievement_id == "ach-23")
    assert "必须对接 1 家" in chosen.reason_zh
    assert len(after) == 20


def answer_for(achievement_id: str, level: str, reason: str | None = None) -> InterestAnswer:
    code = InterestReason(reason) if reason else None
    return InterestAnswer(achievement_id=achievement_id, level=InterestLevel(level), reason=code)
