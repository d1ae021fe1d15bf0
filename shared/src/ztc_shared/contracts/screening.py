"""Events published by screening on ``ztc.screening.events``: screening rounds (筛选项目).

A round belongs to one roadshow event. Agencies settle a longlist of about 100 candidates from the
library (初筛), the host pushes it to the local companies registered for the event (推送企业), the
companies answer per candidate (对接意愿), and the host picks the 10–20 projects for the stage
(确定拟路演项目). ``ShortlistFinalized`` names both the selected projects and the rest of the
longlist, so that roadshow can run the stage and offer the others online and offline channels.

Companies are identified by their 统一社会信用代码 (unified social credit code, GB 32100: 18
characters, digits and upper-case letters without I, O, S, V, Z); the shape is checked, the check
digit is not (the registry of companies lives elsewhere).
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import EVENTS, DomainEvent

TOPIC = "ztc.screening.events"
SCREENING_ROUND = "screening_round"

CREDIT_CODE_PATTERN = r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$"
CompanyId = Annotated[
    str,
    Field(pattern=CREDIT_CODE_PATTERN, description="统一社会信用代码 Unified social credit code"),
]
AchievementId = Annotated[str, Field(min_length=1, max_length=64)]

# The guideline's sizes (工作指引 第六步): about 100 in the longlist, about 10–20 on the stage.
LONGLIST_DEFAULT = 100
LONGLIST_RANGE = (50, 150)
SHORTLIST_RANGE = (10, 20)


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class SizeName(StrEnum):
    """Which of a round's sizes an exception concerns."""

    LONGLIST_TARGET = "longlist_target"  # 初筛数量
    SHORTLIST_MIN = "shortlist_min"  # 路演项目下限
    SHORTLIST_MAX = "shortlist_max"  # 路演项目上限


SIZE_NAMES = {
    SizeName.LONGLIST_TARGET: "初筛数量",
    SizeName.SHORTLIST_MIN: "路演项目数量下限",
    SizeName.SHORTLIST_MAX: "路演项目数量上限",
}


class SizeException(_Value):
    """A size outside the guideline's range, and why the round needs it (例外说明)."""

    size: SizeName
    reason: str = Field(min_length=2, max_length=500, description="理由 Reason")


class InterestLevel(StrEnum):
    """How much a company wants to meet the holder of a candidate (对接意愿)."""

    MUST_MEET = "must_meet"  # 必须对接
    INTERESTED = "interested"  # 感兴趣
    NOT_INTERESTED = "not_interested"  # 不感兴趣


LEVEL_NAMES = {
    InterestLevel.MUST_MEET: "必须对接",
    InterestLevel.INTERESTED: "感兴趣",
    InterestLevel.NOT_INTERESTED: "不感兴趣",
}


class InterestReason(StrEnum):
    """Why a company answered as it did; mostly why not, which is what agencies learn from."""

    TOO_EARLY = "too_early"  # 阶段过早
    UNCLEAR_RETURNS = "unclear_returns"  # 收益不明确
    NOT_OUR_FIELD = "not_our_field"  # 非本企业领域
    PRICE = "price"  # 价格
    UNCLEAR_IP = "unclear_ip"  # 知识产权不清晰
    UNCLEAR_DESCRIPTION = "unclear_description"  # 描述不清楚
    FITS_OUR_NEEDS = "fits_our_needs"  # 契合企业需求
    OTHER = "other"  # 其他


REASON_NAMES = {
    InterestReason.TOO_EARLY: "阶段过早",
    InterestReason.UNCLEAR_RETURNS: "收益不明确",
    InterestReason.NOT_OUR_FIELD: "非本企业领域",
    InterestReason.PRICE: "价格",
    InterestReason.UNCLEAR_IP: "知识产权不清晰",
    InterestReason.UNCLEAR_DESCRIPTION: "描述不清楚",
    InterestReason.FITS_OUR_NEEDS: "契合企业需求",
    InterestReason.OTHER: "其他",
}


class InterestAnswer(_Value):
    """One company's answer about one candidate."""

    achievement_id: AchievementId
    level: InterestLevel
    reason: InterestReason | None = Field(default=None, description="原因 Reason code")
    suggestion: str = Field(default="", max_length=2000, description="意见建议 Suggestions")


@EVENTS.register
class ScreeningRoundOpened(DomainEvent):
    """A screening round opened for one roadshow event (启动项目筛选): its theme, the host's industry
    needs, its region and sizes. ``exceptions`` records each size outside the guideline's range with
    its reason. ``host_id`` is the host's account (承办单位) when known."""

    event_type = "ScreeningRoundOpened"
    stream_type = SCREENING_ROUND

    roadshow_ref: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    fields: list[IndustryField] = Field(min_length=1, max_length=9)
    industry_needs: str = Field(default="", max_length=5000)
    region: str = Field(pattern=r"^\d{6}$")
    longlist_target: int = Field(ge=1)
    shortlist_min: int = Field(ge=1)
    shortlist_max: int = Field(ge=1)
    exceptions: list[SizeException] = Field(default_factory=list)
    host_id: str | None = Field(default=None, max_length=64)


@EVENTS.register
class CandidateLonglisted(DomainEvent):
    """An achievement of the library joined the longlist (列入初筛名单), as the library showed it then.
    ``recommended_rank``/``recommendation_score`` are set when it came from the recommendation."""

    event_type = "CandidateLonglisted"
    stream_type = SCREENING_ROUND

    achievement_id: AchievementId
    title: str = Field(min_length=1, max_length=200)
    field: IndustryField
    combined_score: Decimal | None = None
    reason: str = Field(min_length=1, max_length=500)
    recommended_rank: int | None = Field(default=None, ge=1)
    recommendation_score: Decimal | None = None


@EVENTS.register
class CandidateRemoved(DomainEvent):
    """Taken off the longlist (移出初筛名单), and why; it may be added back later."""

    event_type = "CandidateRemoved"
    stream_type = SCREENING_ROUND

    achievement_id: AchievementId
    reason: str = Field(min_length=1, max_length=500)


@EVENTS.register
class LonglistPublished(DomainEvent):
    """The longlist was pushed to companies (推送企业); notify delivers it to ``company_ids``. A later
    push names only the companies added since."""

    event_type = "LonglistPublished"
    stream_type = SCREENING_ROUND

    candidate_ids: list[AchievementId] = Field(min_length=1)
    company_ids: list[CompanyId] = Field(min_length=1)


@EVENTS.register
class CompanyInterestRecorded(DomainEvent):
    """A company's answers on some candidates (企业对接意愿); a later answer on the same candidate
    replaces the earlier one."""

    event_type = "CompanyInterestRecorded"
    stream_type = SCREENING_ROUND

    company_id: CompanyId
    answers: list[InterestAnswer] = Field(min_length=1)


@EVENTS.register
class CompanyDemandStated(DomainEvent):
    """A company's own technology demand (企业技术需求), stated while answering."""

    event_type = "CompanyDemandStated"
    stream_type = SCREENING_ROUND

    company_id: CompanyId
    demand: str = Field(min_length=1, max_length=5000)
    fields: list[IndustryField] = Field(default_factory=list, max_length=9)


@EVENTS.register
class ShortlistFinalized(DomainEvent):
    """The projects for the stage are decided (确定拟路演项目). ``not_selected`` is the rest of the
    longlist, to be offered online and offline channels; ``reasons`` says why each was selected."""

    event_type = "ShortlistFinalized"
    stream_type = SCREENING_ROUND

    selected: list[AchievementId] = Field(min_length=1)
    not_selected: list[AchievementId] = Field(default_factory=list)
    reasons: dict[str, str] = Field(default_factory=dict)
    note: str = Field(default="", max_length=2000)
