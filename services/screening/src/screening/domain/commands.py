"""What people ask screening to do (imperative, frozen)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ztc_shared.contracts.identifiers import RECORD_ID_PATTERN
from ztc_shared.contracts.screening import (
    LONGLIST_DEFAULT,
    SHORTLIST_RANGE,
    AchievementId,
    CompanyId,
    InterestAnswer,
    SizeException,
)
from ztc_shared.contracts.taxonomy import IndustryField


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class OpenScreeningRound(_Command):
    """Open the screening round of one roadshow event (启动项目筛选).

    The sizes default to the guideline's (初筛 100 个左右, 路演 10–20 个); a size outside its range
    needs an exception with a reason (``exceptions``), or the round is refused.
    """

    # A record id: the round is ``round-<roadshow_ref>``, named in its URL and Location header.
    roadshow_ref: str = Field(
        min_length=1,
        max_length=64,
        pattern=RECORD_ID_PATTERN,
        description="路演活动 Roadshow event",
    )
    title: str = Field(min_length=2, max_length=200, description="名称 Title")
    fields: list[IndustryField] = Field(
        min_length=1, max_length=9, description="对接技术领域 Theme fields"
    )
    industry_needs: str = Field(default="", max_length=5000, description="产业需求 Industry needs")
    region: str = Field(pattern=r"^\d{6}$", description="地区（GB/T 2260） Region")
    longlist_target: int = Field(
        default=LONGLIST_DEFAULT, ge=1, le=1000, description="初筛数量 Longlist size"
    )
    shortlist_min: int = Field(
        default=SHORTLIST_RANGE[0], ge=1, le=100, description="路演项目下限 Shortlist minimum"
    )
    shortlist_max: int = Field(
        default=SHORTLIST_RANGE[1], ge=1, le=100, description="路演项目上限 Shortlist maximum"
    )
    exceptions: list[SizeException] = Field(
        default_factory=list, max_length=3, description="超出指南范围的理由 Size exceptions"
    )
    host_id: str | None = Field(
        default=None, max_length=64, description="承办单位账号（主办单位代开时） Host account"
    )

    @model_validator(mode="after")
    def _sizes_fit_together(self) -> OpenScreeningRound:
        if self.shortlist_min > self.shortlist_max:
            raise ValueError(
                "shortlist_min must not exceed shortlist_max (路演项目下限不能大于上限)"
            )
        if self.shortlist_max > self.longlist_target:
            raise ValueError(
                "shortlist_max must not exceed longlist_target (路演项目上限不能大于初筛数量)"
            )
        return self


class LonglistCandidate(_Command):
    """Put an achievement of the library on the longlist (列入初筛名单), with the reason.

    Its title, field and evaluation score come from the library, not from the caller.
    """

    achievement_id: AchievementId = Field(description="科技成果 Achievement")
    reason: str = Field(min_length=1, max_length=500, description="理由 Reason")
    recommended_rank: int | None = Field(
        default=None, ge=1, description="推荐排名（来自推荐时） Rank in the recommendation"
    )
    recommendation_score: Decimal | None = Field(
        default=None, description="推荐得分（来自推荐时） Recommendation score"
    )


class RemoveCandidate(_Command):
    """Take a candidate off the longlist (移出初筛名单), with the reason."""

    achievement_id: AchievementId
    reason: str = Field(min_length=1, max_length=500, description="理由 Reason")


class PublishLonglist(_Command):
    """Push the longlist to the round's registered local companies (推送企业).

    Without ``company_ids`` it goes to the companies whose registration for the round's roadshow was
    approved (roadshow's ``RegistrationApproved`` events, as screening has seen them so far); the
    host may name others or some of them instead.
    """

    company_ids: list[CompanyId] = Field(
        default_factory=list, max_length=2000, description="报名企业的统一社会信用代码 Companies"
    )


class RecordInterest(_Command):
    """A company's answers on candidates of a pushed longlist (填写对接意愿)."""

    answers: list[InterestAnswer] = Field(min_length=1, max_length=500)


class StateDemand(_Command):
    """A company states its own technology demand (提出技术需求)."""

    demand: str = Field(min_length=2, max_length=5000, description="技术需求 Demand")
    fields: list[IndustryField] = Field(default_factory=list, max_length=9, description="所属领域")


class FinalizeShortlist(_Command):
    """Decide the projects for the stage (确定拟路演项目); ``reasons`` per selected project are
    optional: a project without one keeps the suggested shortlist's reason, if it was suggested."""

    selected: list[AchievementId] = Field(min_length=1, max_length=100, description="入选项目")
    reasons: dict[str, str] = Field(default_factory=dict, description="入选理由 Reasons")
    note: str = Field(default="", max_length=2000, description="说明 Note")
