"""Tracking's commands: what callers (and reactions) ask for, checked before anything is decided.

Companies are checked with their check character (GB 32100); amounts are 万元 with at most four
decimal places; free text is trimmed.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ztc_shared.contracts.identifiers import CreditCode
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.contracts.tracking import (
    CaseCause,
    CaseKind,
    CaseStage,
    SummaryNarrative,
    SupportKind,
    TerminationReason,
)

Wan = Annotated[
    Decimal,
    Field(ge=0, le=Decimal("100000000"), decimal_places=4, description="金额（万元） 10,000 CNY"),
]
NextFollowUp = Annotated[
    date | None,
    Field(
        default=None, description="下次跟踪日期（默认三个月后） Next follow-up (default: a quarter)"
    ),
]


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class OpenCase(_Command):
    """Open a case (纳入跟踪): sent by the reactions, or by an operator for a project found later."""

    kind: CaseKind
    cause: CaseCause = CaseCause.MANUAL
    cause_event_id: str = Field(default="", max_length=64)
    region: str = Field(pattern=r"^\d{6}$")
    achievement_id: str = Field(min_length=1, max_length=64)
    title: str = Field(default="", max_length=200)
    institution: str = Field(default="", max_length=200)
    field: IndustryField | None = None
    company_id: CreditCode | None = None
    roadshow_id: str = Field(default="", max_length=64)
    host_id: str = Field(default="", max_length=64)
    year: int = Field(ge=2018, le=2100)
    stage: CaseStage = CaseStage.PITCHED


class ReportProgress(_Command):
    """跟踪记录: what happened since the last follow-up; ``negotiating`` moves a case at 路演完成 to
    意向洽谈."""

    note: str = Field(min_length=2, max_length=5000, description="进展情况 Notes")
    negotiating: bool = Field(default=False, description="进入意向洽谈 Negotiation started")
    next_follow_up: NextFollowUp = None


class SignDeal(_Command):
    """签约: the contract's type, amount (万元) and counterpart company."""

    deal_type: TransferMode = Field(description="合作方式 Deal type")
    amount_wan: Wan
    counterpart_id: CreditCode
    counterpart_name: str = Field(min_length=2, max_length=200, description="签约企业 Counterpart")
    signed_on: date = Field(description="签约日期 Signed on")
    contract_no: str = Field(default="", max_length=64, description="合同编号 Contract number")
    note: str = Field(default="", max_length=5000)
    next_follow_up: NextFollowUp = None


class RecordLanding(_Command):
    """落地: a company founded locally, the investment (万元), jobs and production."""

    landed_on: date
    company_founded_locally: bool = Field(description="是否在本地新设企业 Company founded locally")
    company_id: CreditCode | None = None
    company_name: str = Field(default="", max_length=200)
    investment_wan: Wan
    jobs: int = Field(ge=0, le=1_000_000, description="带动就业（人） Jobs")
    production_started: bool = Field(default=False, description="是否投产 Production started")
    note: str = Field(default="", max_length=5000)
    next_follow_up: NextFollowUp = None


class RecordIndustrialisation(_Command):
    """产业化: the project reached industrial scale; its annual revenue (万元)."""

    reached_on: date
    annual_revenue_wan: Wan
    note: str = Field(default="", max_length=5000)
    next_follow_up: NextFollowUp = None


class GrantPolicySupport(_Command):
    """政策支持: land, funds, talent, tax or a green channel."""

    kind: SupportKind
    amount_wan: Wan | None = None
    granted_by: str = Field(min_length=2, max_length=200, description="支持单位 Granted by")
    granted_on: date
    description: str = Field(min_length=2, max_length=5000)


class TerminateCase(_Command):
    """终止: the case ends, with a reason."""

    reason: TerminationReason
    explanation: str = Field(min_length=2, max_length=5000, description="终止说明 Explanation")


class DraftSummary(_Command):
    """起草/修改工作总结: the host's narrative; the figures are assembled from the year's events."""

    host_name: str = Field(default="", max_length=200, description="承办单位名称 Host name")
    narrative: SummaryNarrative


class SubmitSummary(_Command):
    """提交工作总结."""


class AcceptSummary(_Command):
    """审核通过."""

    comment: str = Field(default="", max_length=5000)


class ReturnSummary(_Command):
    """退回修改, with comments."""

    comments: str = Field(min_length=2, max_length=5000, description="退回意见 Comments")
