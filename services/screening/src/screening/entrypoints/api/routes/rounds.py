"""Screening rounds (项目筛选): the longlist, the companies' interest and the shortlist."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from pydantic import BaseModel, Field

from screening.adapters.recommendations import Recommender, RecommendersAsOf
from screening.domain.access import not_pushed_to_you, not_your_round
from screening.domain.commands import (
    FinalizeShortlist,
    LonglistCandidate,
    OpenScreeningRound,
    PublishLonglist,
    RecordInterest,
    RemoveCandidate,
    StateDemand,
)
from screening.domain.round import STATUS_NAMES, ScreeningRound
from screening.entrypoints.api.deps import (
    ROUND_READERS,
    CompanyContext,
    CuratorContext,
    LibraryDep,
    OrganiserContext,
    RoundReader,
    ScreeningDep,
)
from ztc_shared.auth import Principal, Role
from ztc_shared.contracts.screening import (
    LEVEL_NAMES,
    REASON_NAMES,
    SIZE_NAMES,
    InterestLevel,
)
from ztc_shared.contracts.taxonomy import FIELD_NAMES
from ztc_shared.domain import NotFound
from ztc_shared.events import EVENTS
from ztc_shared.history import AggregateSnapshots, AsOf, StreamHistoryDep
from ztc_shared.web import reply_to, require_roles

router = APIRouter(prefix="/rounds", tags=["rounds 项目筛选"])


class RoundAccepted(BaseModel):
    id: str
    status: str | None
    status_name: str | None
    longlist_size: int
    stream_version: int


class RemovalReason(BaseModel):
    reason: str = Field(min_length=1, max_length=500, description="移出理由 Reason")


class CandidateView(BaseModel):
    achievement_id: str
    title: str
    field: str
    field_name: str
    combined_score: str | None
    reason: str
    recommended_rank: int | None
    published: bool


class ReasonCount(BaseModel):
    code: str
    name: str
    count: int


class TallyView(BaseModel):
    """Per candidate: how many companies at each level, and for which reasons."""

    achievement_id: str
    title: str
    levels: dict[str, int]
    level_names: dict[str, str]
    reasons: list[ReasonCount]
    suggestions: list[str]
    respondents: int


class SuggestionView(BaseModel):
    rank: int
    achievement_id: str
    title: str
    field: str
    score: str
    evaluation: str
    interest: str
    covers_new_field: bool
    reason_zh: str
    reason_en: str


class DemandView(BaseModel):
    company_id: str
    demand: str
    fields: list[str]


class RoundView(BaseModel):
    id: str
    status: str
    status_name: str
    stream_version: int
    roadshow_ref: str
    title: str
    fields: list[str]
    field_names: list[str]
    industry_needs: str
    region: str
    host_id: str | None
    longlist_target: int
    shortlist_min: int
    shortlist_max: int
    exceptions: list[dict[str, str]]
    longlist: list[CandidateView]
    removed: dict[str, str]
    companies: list[str]
    tally: list[TallyView]
    demands: list[DemandView]
    suggested_shortlist: list[SuggestionView]
    selected: list[str] | None
    not_selected: list[str] | None
    selection_reasons: dict[str, str]
    my_answers: list[dict[str, Any]] = Field(
        default_factory=list, description="贵单位已填写的意愿（企业查看时）"
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RoundAccepted,
    summary="启动项目筛选 Open the screening round of a roadshow event",
    description=(
        "每场路演一个筛选轮次，编号为 `round-<路演编号>`：路演计划发布时自动启动；"
        "在此之前手工启动的，即为该路演的轮次，之后不再另开。同一路演再次启动返回 409。\n\n"
        "One round per roadshow, with the id `round-<roadshow id>`: a planned roadshow opens it by "
        "itself; one opened here first is that roadshow's round, and no other opens. Opening it "
        "again answers 409."
    ),
)
async def open_round(
    command: OpenScreeningRound,
    context: OrganiserContext,
    screening: ScreeningDep,
    response: Response,
) -> dict[str, Any]:
    body = await reply_to(screening, command, context, response)
    response.headers["Location"] = f"/rounds/{body['id']}"
    return body


@router.post(
    "/{round_id}/candidates",
    response_model=RoundAccepted,
    summary="列入初筛名单 Longlist an admitted or published achievement, with the reason",
)
async def longlist_candidate(
    round_id: str,
    command: LonglistCandidate,
    context: CuratorContext,
    screening: ScreeningDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(screening, command, context, response, round_id)


@router.post(
    "/{round_id}/candidates/{achievement_id}/remove",
    response_model=RoundAccepted,
    summary="移出初筛名单 Remove a candidate from the longlist, with the reason",
)
async def remove_candidate(
    round_id: str,
    achievement_id: str,
    body: RemovalReason,
    context: CuratorContext,
    screening: ScreeningDep,
    response: Response,
) -> dict[str, Any]:
    command = RemoveCandidate(achievement_id=achievement_id, reason=body.reason)
    return await reply_to(screening, command, context, response, round_id)


@router.post(
    "/{round_id}/publish",
    response_model=RoundAccepted,
    summary="推送初筛名单给报名企业 Push the longlist to the registered companies",
)
async def publish_longlist(
    round_id: str,
    command: PublishLonglist,
    context: OrganiserContext,
    screening: ScreeningDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(screening, command, context, response, round_id)


@router.post(
    "/{round_id}/interest",
    response_model=RoundAccepted,
    summary="填写对接意愿 A company's interest in candidates",
)
async def record_interest(
    round_id: str,
    command: RecordInterest,
    context: CompanyContext,
    screening: ScreeningDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(screening, command, context, response, round_id)


@router.post(
    "/{round_id}/demands",
    response_model=RoundAccepted,
    summary="提出技术需求 A company's own technology demand",
)
async def state_demand(
    round_id: str,
    command: StateDemand,
    context: CompanyContext,
    screening: ScreeningDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(screening, command, context, response, round_id)


@router.post(
    "/{round_id}/shortlist",
    response_model=RoundAccepted,
    summary="确定拟路演项目 Finalise the shortlist (10–20 projects unless the round says otherwise)",
)
async def finalize_shortlist(
    round_id: str,
    command: FinalizeShortlist,
    context: OrganiserContext,
    screening: ScreeningDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(screening, command, context, response, round_id)


# Rounds as of a moment, from a snapshot every 100 events (see ADR 14).
ROUNDS_AS_OF = AggregateSnapshots(ScreeningRound)


@router.get(
    "/{round_id}",
    response_model=RoundView,
    summary="查看筛选轮次 The round: longlist, live tally of interest, suggested shortlist",
)
async def read_round(
    round_id: str,
    principal: RoundReader,
    screening: ScreeningDep,
    response: Response,
    history: StreamHistoryDep,
    as_of: AsOf,
) -> RoundView:
    """The round's host, agencies and the organisers see everything (the host of another event
    nothing); a company the longlist was pushed to
    sees the candidates pushed to it and its own answers, not the other companies'. With
    ``as_of``, the round as it stood then (时间回溯), e.g. the longlist before a change."""
    if as_of is None:
        loaded = await screening.ports.store.load(round_id)
        first = loaded.events[0].event_type if loaded.events else None
        round_ = ScreeningRound.rehydrate(round_id, [EVENTS.payload(e) for e in loaded.events])
        version = loaded.version
    else:
        then = await ROUNDS_AS_OF.as_of(history, round_id, as_of)
        round_, version, first = then.aggregate, then.version, then.first_event_type
    if version == 0 or first != "ScreeningRoundOpened":
        raise NotFound("screening round", round_id)
    _require_reader(principal, round_)
    response.headers["X-Stream-Version"] = str(version)
    view = _view(round_, version)
    if principal.role is not Role.COMPANY:
        return view
    if principal.subject not in round_.companies:
        raise not_pushed_to_you()
    own = round_.answers.get(principal.subject, {})
    return view.model_copy(
        update={
            "longlist": [c for c in view.longlist if c.published],
            "companies": [principal.subject],
            "tally": [],
            "demands": [d for d in view.demands if d.company_id == principal.subject],
            "suggested_shortlist": [],
            "removed": {},
            "my_answers": [a.model_dump(mode="json") for a in own.values()],
        }
    )


RecommendationReader = Annotated[Principal, Depends(require_roles(*ROUND_READERS))]


class RecommendationView(BaseModel):
    rank: int
    achievement_id: str
    title: str
    field_name: str
    score: float = Field(description="总分 Total")
    parts: dict[str, float] = Field(
        description="得分构成：文本相关、领域匹配、技术成熟度、评估得分、企业需求 Parts of the score"
    )
    matched_terms: list[str] = Field(description="命中词 Matched terms")
    explanation: str = Field(description="推荐理由 Why")
    longlisted: bool = Field(description="已在初筛名单 Already on the longlist")


@router.get(
    "/{round_id}/recommendations",
    response_model=list[RecommendationView],
    summary="推荐候选项目 The library ranked for this round, with the reasons",
    description=(
        "按专场主题、产业需求与企业技术需求对成果库（已入库、已公开的成果）排序："
        "中文分词后的文本相关度（BM25F，标题 > 关键词 > 摘要）、领域匹配、技术成熟度、"
        "评估得分与企业需求，每项给出命中词与得分构成。\n\n"
        "The library's admitted and published achievements ranked by fit to the round's theme, the "
        "host's needs and the companies' demands, each with matched terms and the parts of its score."
    ),
)
async def recommend(
    round_id: str,
    principal: RecommendationReader,
    screening: ScreeningDep,
    library: LibraryDep,
    request: Request,
    history: StreamHistoryDep,
    as_of: AsOf,
    limit: int = Query(default=100, ge=1, le=300, description="条数 How many"),
) -> list[RecommendationView]:
    """With ``as_of``, the ranking as it would have been then (时间回溯): the round as it stood
    (its theme, needs, companies' demands and longlist) over the library as it stood."""
    if as_of is None:
        loaded = await screening.ports.store.load(round_id)
        first = loaded.events[0].event_type if loaded.events else None
        round_ = ScreeningRound.rehydrate(round_id, [EVENTS.payload(e) for e in loaded.events])
        version = loaded.version
        recommender: Recommender = request.app.state.recommender
    else:
        then = await ROUNDS_AS_OF.as_of(history, round_id, as_of)
        round_, version, first = then.aggregate, then.version, then.first_event_type
        recommenders: RecommendersAsOf = request.app.state.recommenders_as_of
        recommender, library = recommenders.at(as_of)
    if version == 0 or first != "ScreeningRoundOpened":
        raise NotFound("screening round", round_id)
    _require_reader(principal, round_)
    ranked = await recommender.recommend(round_, limit)
    views = []
    for number, item in enumerate(ranked, start=1):
        entry = await library.get(item.achievement_id) or {}
        views.append(
            RecommendationView(
                rank=number,
                achievement_id=item.achievement_id,
                title=str(entry.get("title", "")),
                field_name=str(entry.get("field_name", "")),
                score=round(item.score, 3),
                parts={k: round(v, 3) for k, v in asdict(item.parts).items()},
                matched_terms=list(item.matched_terms),
                explanation=item.explanation,
                longlisted=item.achievement_id in round_.longlist,
            )
        )
    return views


def _require_reader(principal: Principal, round_: ScreeningRound) -> None:
    """A host reads the rounds of its own events only, as it acts only on them: another host's
    round holds the companies' interest and demands."""
    host_id = round_.opened.host_id if round_.opened else None
    if principal.role is Role.HOST and host_id is not None and host_id != principal.subject:
        raise not_your_round()


def _view(round_: ScreeningRound, version: int) -> RoundView:
    opened = round_.opened
    assert opened is not None and round_.status is not None
    tallies = round_.tally()
    finalized = round_.finalized
    return RoundView(
        id=round_.id,
        status=round_.status.value,
        status_name=STATUS_NAMES[round_.status],
        stream_version=version,
        roadshow_ref=opened.roadshow_ref,
        title=opened.title,
        fields=[f.value for f in opened.fields],
        field_names=[FIELD_NAMES[f]["zh"] for f in opened.fields],
        industry_needs=opened.industry_needs,
        region=opened.region,
        host_id=opened.host_id,
        longlist_target=opened.longlist_target,
        shortlist_min=opened.shortlist_min,
        shortlist_max=opened.shortlist_max,
        exceptions=[
            {"size": e.size.value, "size_name": SIZE_NAMES[e.size], "reason": e.reason}
            for e in opened.exceptions
        ],
        longlist=[
            CandidateView(
                achievement_id=c.achievement_id,
                title=c.title,
                field=c.field.value,
                field_name=FIELD_NAMES[c.field]["zh"],
                combined_score=str(c.combined_score) if c.combined_score is not None else None,
                reason=c.reason,
                recommended_rank=c.recommended_rank,
                published=c.achievement_id in round_.published_ids,
            )
            for c in round_.longlist.values()
        ],
        removed=round_.removed,
        companies=round_.companies,
        tally=[
            TallyView(
                achievement_id=c.achievement_id,
                title=c.title,
                levels={level.value: tallies[c.achievement_id].levels[level] for level in LEVELS},
                level_names={level.value: LEVEL_NAMES[level] for level in LEVELS},
                reasons=[
                    ReasonCount(code=reason.value, name=REASON_NAMES[reason], count=count)
                    for reason, count in tallies[c.achievement_id].reasons.most_common()
                ],
                suggestions=tallies[c.achievement_id].suggestions,
                respondents=tallies[c.achievement_id].respondents,
            )
            for c in round_.longlist.values()
            if c.achievement_id in tallies
        ],
        demands=[
            DemandView(company_id=d.company_id, demand=d.demand, fields=[f.value for f in d.fields])
            for d in round_.demands
        ],
        suggested_shortlist=[
            SuggestionView(
                rank=s.rank,
                achievement_id=s.achievement_id,
                title=s.title,
                field=s.field.value,
                score=str(s.score),
                evaluation=str(s.evaluation),
                interest=str(s.interest),
                covers_new_field=s.covers_new_field,
                reason_zh=s.reason_zh,
                reason_en=s.reason_en,
            )
            for s in round_.suggestions()
        ],
        selected=finalized.selected if finalized else None,
        not_selected=finalized.not_selected if finalized else None,
        selection_reasons=finalized.reasons if finalized else {},
    )


LEVELS = tuple(InterestLevel)
