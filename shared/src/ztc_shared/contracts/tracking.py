"""Events published by tracking on ``ztc.tracking.events``: tracking cases and year-end summaries.

Two kinds of stream:

- ``tracking_case`` (``case-{uuid5}``): one project followed until it lands (跟踪服务). A case climbs
  the ladder 路演完成 → 意向洽谈 → 签约 → 落地 → 产业化, or ends in 终止 with a reason. Its id is
  derived from what caused it, so a redelivered cause never opens a second case:

  * a **pitch case** per (roadshow, achievement) for every project on stage
    (``pitch_case_id(roadshow_id, achievement_id)``), opened from roadshow's ``RoadshowConcluded``;
  * an **intent case** per (achievement, company) for every declared intent, on stage, at a
    one-to-one meeting or through the online channel (``intent_case_id(achievement_id,
    company_id)``), opened from roadshow's ``IntentDeclared`` (or the intents a
    ``RoadshowConcluded`` lists). A second intent of the same company for the same achievement, at a
    later roadshow, lands in the same case.

- ``year_summary`` (``summary-{year}-{host_id}``): a host's year-end summary (工作总结), drafted from the
  year's figures plus the host's narrative, submitted by 31 December and accepted or returned by
  Torch Center.

Every payload repeats the envelope's ``region`` so that a consumer routing by province need not look
at the envelope. Amounts are in 万元 (``Decimal``, JSON strings). Companies are identified by their
统一社会信用代码 (``ztc_shared.contracts.identifiers``): events carry the shape, commands check the
check character.
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from ztc_shared.contracts.identifiers import CREDIT_CODE_PATTERN
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import EVENTS, DomainEvent

TOPIC = "ztc.tracking.events"
TRACKING_CASE = "tracking_case"
YEAR_SUMMARY = "year_summary"

CompanyId = Annotated[
    str,
    Field(pattern=CREDIT_CODE_PATTERN, description="统一社会信用代码 Unified social credit code"),
]
AchievementId = Annotated[str, Field(min_length=1, max_length=64)]
Region = Annotated[str, Field(pattern=r"^\d{6}$", description="行政区划代码（GB/T 2260） Region")]
AmountWan = Annotated[Decimal, Field(ge=0, description="金额（万元） Amount in 10,000 CNY")]

# Fixed namespace: case ids must be the same in every deployment and every replay.
CASE_NAMESPACE = uuid.UUID("6f1d7a52-3c0b-5e4e-9a1f-7b4c2d9e8a10")


def pitch_case_id(roadshow_id: str, achievement_id: str) -> str:
    """The case of a project that went on stage at a roadshow."""
    return f"case-{uuid.uuid5(CASE_NAMESPACE, f'pitch|{roadshow_id}|{achievement_id}')}"


def intent_case_id(achievement_id: str, company_id: str) -> str:
    """The case of a company's intent to cooperate on an achievement, whichever the channel."""
    return f"case-{uuid.uuid5(CASE_NAMESPACE, f'intent|{achievement_id}|{company_id}')}"


def summary_id(year: int, host_id: str) -> str:
    """A host's year-end summary."""
    return f"summary-{year}-{host_id}"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --- tracking cases -----------------------------------------------------------------------------


class CaseKind(StrEnum):
    PITCH = "pitch"  # 路演项目跟踪
    INTENT = "intent"  # 对接意向跟踪


CASE_KIND_NAMES = {CaseKind.PITCH: "路演项目跟踪", CaseKind.INTENT: "对接意向跟踪"}


class CaseStage(StrEnum):
    """The ladder (跟踪阶段), in order; ``terminated`` ends it from any open stage."""

    PITCHED = "pitched"  # 路演完成
    NEGOTIATING = "negotiating"  # 意向洽谈
    SIGNED = "signed"  # 签约
    LANDED = "landed"  # 落地
    INDUSTRIALISED = "industrialised"  # 产业化
    TERMINATED = "terminated"  # 终止


STAGE_NAMES = {
    CaseStage.PITCHED: "路演完成",
    CaseStage.NEGOTIATING: "意向洽谈",
    CaseStage.SIGNED: "签约",
    CaseStage.LANDED: "落地",
    CaseStage.INDUSTRIALISED: "产业化",
    CaseStage.TERMINATED: "终止",
}
LADDER = (
    CaseStage.PITCHED,
    CaseStage.NEGOTIATING,
    CaseStage.SIGNED,
    CaseStage.LANDED,
    CaseStage.INDUSTRIALISED,
)


class CaseCause(StrEnum):
    """What opened the case."""

    ON_STAGE = "on_stage"  # 现场路演
    INTENT_ON_STAGE = "intent_on_stage"  # 路演现场对接意向
    INTENT_AT_MEETING = "intent_at_meeting"  # 一对一对接意向
    INTENT_ONLINE = "intent_online"  # 线上渠道对接意向
    MANUAL = "manual"  # 手工登记


CAUSE_NAMES = {
    CaseCause.ON_STAGE: "现场路演",
    CaseCause.INTENT_ON_STAGE: "路演现场对接意向",
    CaseCause.INTENT_AT_MEETING: "一对一对接意向",
    CaseCause.INTENT_ONLINE: "线上渠道对接意向",
    CaseCause.MANUAL: "手工登记",
}

# Deal types are the transfer modes (合作方式): 技术转让, 技术许可, 作价入股, 合作开发, 技术服务.
DealType = TransferMode
DEAL_TYPE_NAMES = {
    TransferMode.TRANSFER: "技术转让",
    TransferMode.LICENSE: "技术许可",
    TransferMode.EQUITY: "作价入股",
    TransferMode.JOINT_DEVELOPMENT: "合作开发",
    TransferMode.TECHNICAL_SERVICE: "技术服务",
}


class SupportKind(StrEnum):
    """Local policy support for landing (政策支持)."""

    LAND = "land"  # 用地
    FUNDS = "funds"  # 资金
    TALENT = "talent"  # 人才
    TAX = "tax"  # 税收
    GREEN_CHANNEL = "green_channel"  # 绿色通道


SUPPORT_NAMES = {
    SupportKind.LAND: "用地保障",
    SupportKind.FUNDS: "资金支持",
    SupportKind.TALENT: "人才政策",
    SupportKind.TAX: "税收优惠",
    SupportKind.GREEN_CHANNEL: "绿色通道",
}


class TerminationReason(StrEnum):
    COMPANY_WITHDREW = "company_withdrew"  # 企业放弃
    HOLDER_WITHDREW = "holder_withdrew"  # 成果方放弃
    PRICE = "price"  # 价格未谈拢
    TECHNOLOGY_IMMATURE = "technology_immature"  # 技术不成熟
    IP_ISSUE = "ip_issue"  # 知识产权问题
    FUNDING = "funding"  # 资金不足
    OTHER = "other"  # 其他


TERMINATION_NAMES = {
    TerminationReason.COMPANY_WITHDREW: "企业放弃",
    TerminationReason.HOLDER_WITHDREW: "成果方放弃",
    TerminationReason.PRICE: "价格未谈拢",
    TerminationReason.TECHNOLOGY_IMMATURE: "技术不成熟",
    TerminationReason.IP_ISSUE: "知识产权问题",
    TerminationReason.FUNDING: "资金不足",
    TerminationReason.OTHER: "其他",
}


@EVENTS.register
class TrackingCaseOpened(DomainEvent):
    """A tracking case opened (纳入跟踪). ``cause_event_id`` is the event that caused it (also the
    envelope's ``causation_id``); ``next_follow_up`` is the first follow-up date (quarterly by
    default). ``roadshow_id`` is empty for an intent from the online channel outside a roadshow."""

    event_type = "TrackingCaseOpened"
    stream_type = TRACKING_CASE

    kind: CaseKind
    cause: CaseCause
    cause_event_id: str = Field(default="", max_length=64)
    region: Region
    achievement_id: AchievementId
    title: str = Field(default="", max_length=200)
    institution: str = Field(default="", max_length=200)
    field: IndustryField | None = None
    company_id: CompanyId | None = None
    roadshow_id: str = Field(default="", max_length=64)
    host_id: str = Field(default="", max_length=64)
    year: int = Field(ge=2018, le=2100)
    stage: CaseStage
    opened_on: date
    next_follow_up: date


@EVENTS.register
class ProgressReported(DomainEvent):
    """A follow-up was recorded (跟踪记录): notes, and the next follow-up date. A report on a case
    still at 路演完成 may move it to 意向洽谈 (``stage`` is the case's stage after the report)."""

    event_type = "ProgressReported"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    stage: CaseStage
    note: str = Field(min_length=2, max_length=5000)
    reported_on: date
    next_follow_up: date


@EVENTS.register
class DealSigned(DomainEvent):
    """A contract was signed (签约): its type, amount in 万元 and the counterpart company. A case
    may record several deals; the first moves it to 签约."""

    event_type = "DealSigned"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    deal_type: TransferMode
    amount_wan: AmountWan
    counterpart_id: CompanyId
    counterpart_name: str = Field(min_length=2, max_length=200)
    signed_on: date
    contract_no: str = Field(default="", max_length=64)
    note: str = Field(default="", max_length=5000)
    next_follow_up: date


@EVENTS.register
class ProjectLanded(DomainEvent):
    """The project landed (落地): a company founded locally and/or an investment, jobs and a
    production line. ``company_id`` is the local company that carries it, when there is one."""

    event_type = "ProjectLanded"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    landed_on: date
    company_founded_locally: bool
    company_id: CompanyId | None = None
    company_name: str = Field(default="", max_length=200)
    investment_wan: AmountWan
    jobs: int = Field(ge=0, le=1_000_000)
    production_started: bool = False
    note: str = Field(default="", max_length=5000)
    next_follow_up: date


@EVENTS.register
class ProjectIndustrialised(DomainEvent):
    """The project reached industrial scale (产业化): revenue in 万元 over the period reported."""

    event_type = "ProjectIndustrialised"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    reached_on: date
    annual_revenue_wan: AmountWan
    note: str = Field(default="", max_length=5000)
    next_follow_up: date


@EVENTS.register
class PolicySupportGranted(DomainEvent):
    """Local policy support granted to the project (政策支持): land, funds, talent, tax or a green
    channel; ``amount_wan`` when it has a value in money."""

    event_type = "PolicySupportGranted"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    kind: SupportKind
    amount_wan: AmountWan | None = None
    granted_by: str = Field(min_length=2, max_length=200)
    granted_on: date
    description: str = Field(min_length=2, max_length=5000)


@EVENTS.register
class CaseTerminated(DomainEvent):
    """The case ended without (further) success (终止), and why."""

    event_type = "CaseTerminated"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    stage_before: CaseStage
    reason: TerminationReason
    explanation: str = Field(min_length=2, max_length=5000)
    terminated_on: date


@EVENTS.register
class FollowUpOverdue(DomainEvent):
    """The case's follow-up date passed without a report (跟踪逾期). Announced once per due date;
    notify tells the host."""

    event_type = "FollowUpOverdue"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    title: str = Field(default="", max_length=200)
    company_id: CompanyId | None = None
    host_id: str = Field(default="", max_length=64)
    stage: CaseStage
    due_on: date
    detected_on: date
    days_overdue: int = Field(ge=1)


@EVENTS.register
class CaseStalled(DomainEvent):
    """No progress on the case for ``threshold_days`` (进展停滞). Announced once per stretch
    without progress (keyed by ``last_progress_on``); notify tells the host."""

    event_type = "CaseStalled"
    stream_type = TRACKING_CASE

    region: Region
    achievement_id: AchievementId
    title: str = Field(default="", max_length=200)
    company_id: CompanyId | None = None
    host_id: str = Field(default="", max_length=64)
    stage: CaseStage
    last_progress_on: date
    detected_on: date
    threshold_days: int = Field(ge=1)


# --- year-end summaries (工作总结) --------------------------------------------------------------


class SummaryFigures(_Value):
    """The year's figures of one host, assembled from events (年度工作数据)."""

    roadshows_held: int = Field(ge=0, description="举办路演场次")
    results_collected: int = Field(ge=0, description="征集成果数")
    longlisted: int = Field(ge=0, description="初筛入围项目数")
    on_stage: int = Field(ge=0, description="路演项目数")
    audience: int = Field(ge=0, description="参会企业/人数")
    meetings_held: int = Field(ge=0, description="一对一对接场次")
    intents: int = Field(ge=0, description="对接意向数")
    deals: int = Field(ge=0, description="签约项目数")
    deal_amount_wan: AmountWan = Field(description="签约金额（万元）")
    landed: int = Field(ge=0, description="落地项目数")
    landed_investment_wan: AmountWan = Field(description="落地投资（万元）")
    industrialised: int = Field(ge=0, description="产业化项目数")


class SummaryNarrative(_Value):
    """The host's own words (工作经验、成效、不足与建议)."""

    experience: str = Field(default="", max_length=20000, description="工作经验")
    results: str = Field(default="", max_length=20000, description="工作成效")
    shortfalls: str = Field(default="", max_length=20000, description="存在不足")
    suggestions: str = Field(default="", max_length=20000, description="意见建议")


@EVENTS.register
class SummaryDrafted(DomainEvent):
    """A host's year-end summary was drafted (or redrafted): the year's figures and its
    narrative. A later draft replaces the earlier one."""

    event_type = "SummaryDrafted"
    stream_type = YEAR_SUMMARY

    region: Region
    year: int = Field(ge=2018, le=2100)
    host_id: str = Field(min_length=1, max_length=64)
    host_name: str = Field(default="", max_length=200)
    figures: SummaryFigures
    narrative: SummaryNarrative
    deadline: date


@EVENTS.register
class SummaryDue(DomainEvent):
    """A reminder that the summary is due (工作总结提醒): ``days_left`` before ``deadline``, or
    ``overdue`` once it passed without a submission. Announced once per reminder day."""

    event_type = "SummaryDue"
    stream_type = YEAR_SUMMARY

    region: Region
    year: int = Field(ge=2018, le=2100)
    host_id: str = Field(min_length=1, max_length=64)
    deadline: date
    days_left: int
    overdue: bool = False


@EVENTS.register
class SummarySubmitted(DomainEvent):
    """The host submitted the summary to Torch Center (提交); ``late`` after 31 December."""

    event_type = "SummarySubmitted"
    stream_type = YEAR_SUMMARY

    region: Region
    year: int = Field(ge=2018, le=2100)
    host_id: str = Field(min_length=1, max_length=64)
    submitted_on: date
    late: bool = False


@EVENTS.register
class SummaryAccepted(DomainEvent):
    """Torch Center accepted the summary (审核通过)."""

    event_type = "SummaryAccepted"
    stream_type = YEAR_SUMMARY

    region: Region
    year: int = Field(ge=2018, le=2100)
    host_id: str = Field(min_length=1, max_length=64)
    comment: str = Field(default="", max_length=5000)


@EVENTS.register
class SummaryReturned(DomainEvent):
    """Torch Center returned the summary with comments (退回修改); the host redrafts and
    resubmits."""

    event_type = "SummaryReturned"
    stream_type = YEAR_SUMMARY

    region: Region
    year: int = Field(ge=2018, le=2100)
    host_id: str = Field(min_length=1, max_length=64)
    comments: str = Field(min_length=2, max_length=5000)
