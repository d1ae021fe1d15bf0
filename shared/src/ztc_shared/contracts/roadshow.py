"""Events published by roadshow on ``ztc.roadshow.events``: the annual programme and every roadshow.

Three kinds of stream:

- ``host_application`` (``host-application-{year}-{province}``): a provincial department applies to
  run the programme for a year (提出申请) and Torch Center approves or rejects it (确定名单).
- ``programme`` (``programme-{year}``): the year's programme, launched with its confirmed hosts and
  a launch notice that notify delivers (正式启动).
- ``roadshow_event`` (``roadshow-{uuid}``): one roadshow, from its plan (制定方案) through company
  registration (企业报名), the shortlist from screening, coaching (路演辅导), the live day and its
  outcomes (RoadshowConcluded, which tracking turns into cases).
- ``roadshow_review`` (``review-{roadshow stream id}``): the experts' review of that roadshow's pitches
  (专家评议): assignments, recusals, criteria, scores and the closing of the window with results.

Companies are identified by their 统一社会信用代码, checked with its check character
(``ztc_shared.contracts.identifiers``).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from ztc_shared.contracts.identifiers import CREDIT_CODE_PATTERN
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import EVENTS, DomainEvent
from ztc_shared.personal.vault import SealedPersonalData

TOPIC = "ztc.roadshow.events"
HOST_APPLICATION = "host_application"
PROGRAMME = "programme"
ROADSHOW_EVENT = "roadshow_event"
ROADSHOW_REVIEW = "roadshow_review"

# Events carry the shape only; commands check the check character before anything is recorded.
CompanyId = Annotated[
    str,
    Field(pattern=CREDIT_CODE_PATTERN, description="统一社会信用代码 Unified social credit code"),
]
AchievementId = Annotated[str, Field(min_length=1, max_length=64)]
Region = Annotated[str, Field(pattern=r"^\d{6}$", description="行政区划代码（GB/T 2260） Region")]
Score = Annotated[Decimal, Field(ge=0, le=10, decimal_places=1, description="0–10 分 Score")]


def host_application_id(year: int, province: str) -> str:
    return f"host-application-{year}-{province}"


def programme_id(year: int) -> str:
    return f"programme-{year}"


def review_id(roadshow_id: str) -> str:
    return f"review-{roadshow_id}"


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# --- the year: applications and the programme -------------------------------------------------


class HostKind(StrEnum):
    """承办单位类型."""

    MUNICIPAL_DEPARTMENT = "municipal_department"  # 市级科技管理部门
    HIGH_TECH_ZONE = "high_tech_zone"  # 国家高新区管委会
    DEMONSTRATION_ZONE = "demonstration_zone"  # 国家科技成果转移转化示范区
    REGIONAL_CENTRE = "regional_centre"  # 国家技术转移区域中心


HOST_KIND_NAMES = {
    HostKind.MUNICIPAL_DEPARTMENT: "市级科技管理部门",
    HostKind.HIGH_TECH_ZONE: "国家高新区管委会",
    HostKind.DEMONSTRATION_ZONE: "国家科技成果转移转化示范区",
    HostKind.REGIONAL_CENTRE: "国家技术转移区域中心",
}


class ProposedHost(_Value):
    """A host unit the province proposes (承办单位); ``host_id`` is its account."""

    host_id: str = Field(min_length=1, max_length=64, description="承办单位账号 Host account")
    name: str = Field(min_length=2, max_length=100, description="单位名称 Name")
    kind: HostKind = Field(description="类型 Kind")
    region: Region


class CompanyScale(_Value):
    """科技企业规模: how many technology companies the province has."""

    tech_companies: int = Field(ge=0, description="科技型企业数量 Technology companies")
    high_tech_enterprises: int = Field(ge=0, description="高新技术企业数量 High-tech enterprises")
    listed_companies: int = Field(ge=0, description="上市企业数量 Listed companies")


@EVENTS.register
class HostApplicationSubmitted(DomainEvent):
    """A provincial department applied to run the programme this year (提出申请), with the factors
    Torch Center weighs: fields, industrial base, company scale and funding guarantee."""

    event_type = "HostApplicationSubmitted"
    stream_type = HOST_APPLICATION

    year: int = Field(ge=2018, le=2100)
    province: Region
    applicant_id: str = Field(min_length=1, max_length=64)
    fields: list[IndustryField] = Field(min_length=1, max_length=9)
    industrial_base: str = Field(min_length=1, max_length=5000)
    company_scale: CompanyScale
    funding_wan: Decimal = Field(ge=0, description="工作经费（万元） Funding guaranteed")
    funding_note: str = Field(default="", max_length=2000)
    proposed_hosts: list[ProposedHost] = Field(min_length=1, max_length=50)


@EVENTS.register
class HostApplicationApproved(DomainEvent):
    """Torch Center approved the application (列入年度承办单位名单); ``confirmed_hosts`` are the
    proposed hosts it confirmed, all of them unless it left some out."""

    event_type = "HostApplicationApproved"
    stream_type = HOST_APPLICATION

    year: int
    province: Region
    confirmed_hosts: list[ProposedHost] = Field(min_length=1)
    note: str = Field(default="", max_length=2000)


@EVENTS.register
class HostApplicationRejected(DomainEvent):
    """Torch Center rejected the application, and why (未列入年度名单)."""

    event_type = "HostApplicationRejected"
    stream_type = HOST_APPLICATION

    year: int
    province: Region
    reason: str = Field(min_length=2, max_length=2000)


class Audience(StrEnum):
    """Who the launch notice mobilises (组织动员)."""

    RESEARCHERS = "researchers"  # 高校、院所科研人员
    COMPANIES = "companies"  # 科技企业
    PARKS = "parks"  # 产业园区
    AGENCIES = "agencies"  # 技术转移机构


AUDIENCE_NAMES = {
    Audience.RESEARCHERS: "高校、院所科研人员",
    Audience.COMPANIES: "科技企业",
    Audience.PARKS: "产业园区",
    Audience.AGENCIES: "技术转移机构",
}


class ConfirmedHost(ProposedHost):
    """A host of the year's list, with the province whose application named it."""

    province: Region


@EVENTS.register
class ProgrammeLaunched(DomainEvent):
    """The year's programme was launched (正式启动): the confirmed host list and the launch notice,
    which notify delivers to ``audiences``; their registration is open from now on."""

    event_type = "ProgrammeLaunched"
    stream_type = PROGRAMME

    year: int
    hosts: list[ConfirmedHost] = Field(min_length=1)
    notice_title: str = Field(min_length=2, max_length=200)
    notice_body: str = Field(min_length=2, max_length=20000)
    audiences: list[Audience] = Field(min_length=1)


# --- one roadshow -------------------------------------------------------------------------------


class EventFormat(StrEnum):
    ON_SITE = "on_site"  # 线下
    ONLINE = "online"  # 线上（直播）
    HYBRID = "hybrid"  # 线上线下结合


FORMAT_NAMES = {
    EventFormat.ON_SITE: "线下",
    EventFormat.ONLINE: "线上直播",
    EventFormat.HYBRID: "线上线下结合",
}


class AgendaKind(StrEnum):
    """The blocks of a roadshow day (工作指引 第八步)."""

    KEYNOTE = "keynote"  # 主旨演讲与经验分享
    PITCHES = "pitches"  # 科技成果持有人现场路演
    EXPERT_REVIEW = "expert_review"  # 技术及行业专家现场评议
    QA = "qa"  # 科技企业及产业园区问答
    ONE_TO_ONE = "one_to_one"  # 台下“一对一”对接交流


AGENDA_NAMES = {
    AgendaKind.KEYNOTE: "主旨演讲与经验分享",
    AgendaKind.PITCHES: "科技成果持有人现场路演",
    AgendaKind.EXPERT_REVIEW: "技术及行业专家现场评议",
    AgendaKind.QA: "科技企业及产业园区问答",
    AgendaKind.ONE_TO_ONE: "一对一对接交流",
}


class AgendaBlock(_Value):
    kind: AgendaKind
    title: str = Field(min_length=1, max_length=200, description="标题 Title")
    starts_at: datetime = Field(description="开始时间 Start")
    minutes: int = Field(ge=5, le=600, description="时长（分钟） Minutes")


@EVENTS.register
class RoadshowPlanned(DomainEvent):
    """A host planned a roadshow (制定方案). Screening opens its round from ``fields``,
    ``industry_needs`` and ``region``."""

    event_type = "RoadshowPlanned"
    stream_type = ROADSHOW_EVENT

    year: int
    host_id: str = Field(min_length=1, max_length=64)
    title: str = Field(min_length=2, max_length=200)
    fields: list[IndustryField] = Field(min_length=1, max_length=9)
    industry_needs: str = Field(default="", max_length=5000)
    region: Region
    event_date: date
    venue: str = Field(default="", max_length=300)
    format: EventFormat
    livestream_url: str | None = Field(default=None, max_length=500)
    capacity: int = Field(ge=1, le=100000)
    agenda: list[AgendaBlock] = Field(min_length=1)
    plan_text: str = Field(min_length=2, max_length=50000)


@EVENTS.register
class RegistrationOpened(DomainEvent):
    """Registration for the roadshow opened (开放报名)."""

    event_type = "RegistrationOpened"
    stream_type = ROADSHOW_EVENT

    closes_on: date | None = None


class ParticipantKind(StrEnum):
    TECH_COMPANY = "tech_company"  # 科技企业
    LISTED_COMPANY = "listed_company"  # 上市企业
    PARK = "park"  # 产业园区
    INVESTOR = "investor"  # 投资机构


PARTICIPANT_NAMES = {
    ParticipantKind.TECH_COMPANY: "科技企业",
    ParticipantKind.LISTED_COMPANY: "上市企业",
    ParticipantKind.PARK: "产业园区",
    ParticipantKind.INVESTOR: "投资机构",
}


def registrant_subject(company_id: str) -> str:
    """Whose key seals a registering company's contact person: one per company and deployment."""
    return f"registrant:{company_id}"


@EVENTS.register
class CompanyRegistered(DomainEvent):
    """A company, park or investor registered for the roadshow (企业报名); ``invited_by_szse``
    marks listed companies invited by SZSE (深交所邀请).

    v2: the contact person (name and phone) is sealed under the company's registrant key
    (``ztc_shared.personal``); erasing it (``RegistrantErased``) makes every copy unreadable.
    ``legacy_contact`` is what a v1 event carried in clear: such events were written before the
    seal, and stay as they are."""

    event_type = "CompanyRegistered"
    schema_version = 2
    stream_type = ROADSHOW_EVENT

    company_id: CompanyId
    name: str = Field(min_length=2, max_length=200)
    kind: ParticipantKind
    contact: SealedPersonalData | None = None
    legacy_contact: dict[str, str] | None = None
    interests: str = Field(default="", max_length=2000)
    invited_by_szse: bool = False
    registered_by: str = Field(min_length=1, max_length=64)


@EVENTS.upcaster("CompanyRegistered", 1)
def _registered_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    upcast = {k: v for k, v in payload.items() if k not in ("contact_name", "contact_phone")}
    upcast["legacy_contact"] = {
        "name": payload.get("contact_name", ""),
        "phone": payload.get("contact_phone", ""),
    }
    return upcast


@EVENTS.register
class RegistrantErased(DomainEvent):
    """A registering company's contact person was erased at their or an operator's request
    (个人信息删除): the key that sealed it is gone, and every consumer forgets what it learned
    from it. Carries identifiers only."""

    event_type = "RegistrantErased"
    stream_type = "registrant"

    company_id: CompanyId
    requested_by: str = Field(min_length=1, max_length=64)


@EVENTS.register
class RegistrationApproved(DomainEvent):
    """The host approved a registration (审核通过). ``waitlisted`` means the roadshow was full: the
    company waits at ``waitlist_position`` and moves up when someone cancels."""

    event_type = "RegistrationApproved"
    stream_type = ROADSHOW_EVENT

    company_id: CompanyId
    waitlisted: bool = False
    waitlist_position: int | None = Field(default=None, ge=1)


@EVENTS.register
class RegistrationDeclined(DomainEvent):
    """The host declined a registration, and why (审核未通过)."""

    event_type = "RegistrationDeclined"
    stream_type = ROADSHOW_EVENT

    company_id: CompanyId
    reason: str = Field(min_length=2, max_length=1000)


@EVENTS.register
class RegistrationCancelled(DomainEvent):
    """A registration was cancelled (取消报名). When it held a seat, ``promoted`` is the first
    company on the waiting list, which takes the seat (候补递补)."""

    event_type = "RegistrationCancelled"
    stream_type = ROADSHOW_EVENT

    company_id: CompanyId
    reason: str = Field(default="", max_length=1000)
    promoted: CompanyId | None = None


class Pitch(_Value):
    """A project on the stage, as screening's shortlist names it."""

    achievement_id: AchievementId
    title: str = Field(min_length=1, max_length=200)
    holder_name: str = Field(default="", max_length=100)
    institution: str = Field(default="", max_length=200)
    field: IndustryField | None = None


@EVENTS.register
class ShortlistReceived(DomainEvent):
    """The projects for the stage arrived from screening (拟路演项目); ``not_selected`` are offered
    online and offline channels instead."""

    event_type = "ShortlistReceived"
    stream_type = ROADSHOW_EVENT

    round_id: str = Field(min_length=1, max_length=64)
    pitches: list[Pitch] = Field(min_length=1)
    not_selected: list[AchievementId] = Field(default_factory=list)


class CoachingFocus(StrEnum):
    """What coaching stresses (路演辅导重点)."""

    TECHNOLOGY_LEADERSHIP = "technology_leadership"  # 技术领先性
    INDUSTRIALISATION_FEASIBILITY = "industrialisation_feasibility"  # 产业化可行性
    INDUSTRY_PROSPECTS = "industry_prospects"  # 产业发展前景


FOCUS_NAMES = {
    CoachingFocus.TECHNOLOGY_LEADERSHIP: "技术领先性",
    CoachingFocus.INDUSTRIALISATION_FEASIBILITY: "产业化可行性",
    CoachingFocus.INDUSTRY_PROSPECTS: "产业发展前景",
}


@EVENTS.register
class CoachingSessionHeld(DomainEvent):
    """A coaching session for one shortlisted project (路演辅导), by SZSE or an agency."""

    event_type = "CoachingSessionHeld"
    stream_type = ROADSHOW_EVENT

    achievement_id: AchievementId
    coach: str = Field(min_length=1, max_length=100)
    coach_organisation: str = Field(default="", max_length=200)
    held_at: datetime
    focus: list[CoachingFocus] = Field(min_length=1)
    feedback: str = Field(min_length=2, max_length=5000)
    recorded_by: str = Field(min_length=1, max_length=64)


@EVENTS.register
class RoadshowStarted(DomainEvent):
    """The roadshow went live (路演开始): pitches, review, Q&A and meetings happen now."""

    event_type = "RoadshowStarted"
    stream_type = ROADSHOW_EVENT


@EVENTS.register
class QuestionAsked(DomainEvent):
    """A company or park asked a question about a pitch (问答)."""

    event_type = "QuestionAsked"
    stream_type = ROADSHOW_EVENT

    achievement_id: AchievementId
    company_id: CompanyId
    question: str = Field(min_length=2, max_length=2000)


@EVENTS.register
class IntentDeclared(DomainEvent):
    """A company declared its intent to cooperate on a project (对接意向)."""

    event_type = "IntentDeclared"
    stream_type = ROADSHOW_EVENT

    achievement_id: AchievementId
    company_id: CompanyId
    modes: list[TransferMode] = Field(min_length=1)
    note: str = Field(default="", max_length=2000)


class PitchOutcome(_Value):
    """One pitch as the roadshow ended: its review result and what the audience did."""

    achievement_id: AchievementId
    title: str
    institution: str = ""
    raw_score: Decimal | None = None
    normalised_score: Decimal | None = None
    rank: int | None = None
    questions: int = 0
    intents: list[CompanyId] = Field(default_factory=list)
    meetings_held: int = 0


@EVENTS.register
class RoadshowConcluded(DomainEvent):
    """The roadshow ended (路演结束); tracking opens a case per pitch and per declared intent.
    ``online_channel`` are the longlisted projects not on stage (线上线下对接渠道)."""

    event_type = "RoadshowConcluded"
    stream_type = ROADSHOW_EVENT

    pitches: list[PitchOutcome] = Field(min_length=1)
    online_channel: list[AchievementId] = Field(default_factory=list)
    attendees: int = Field(ge=0)
    szse_invited_attendees: int = Field(ge=0)
    summary: str = Field(default="", max_length=5000)


# --- the review ---------------------------------------------------------------------------------


class Criterion(_Value):
    """A review criterion and its weight (评议指标及权重)."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,40}$")
    name: str = Field(min_length=1, max_length=50)
    weight: Decimal = Field(gt=0, le=100)


DEFAULT_CRITERIA = (
    Criterion(code="technology_leadership", name="技术领先性", weight=Decimal(1)),
    Criterion(code="industrialisation_feasibility", name="产业化可行性", weight=Decimal(1)),
    Criterion(code="industry_prospects", name="产业发展前景", weight=Decimal(1)),
)


@EVENTS.register
class ReviewCriteriaSet(DomainEvent):
    """The host set the review's criteria and weights (the three defaults and any added)."""

    event_type = "ReviewCriteriaSet"
    stream_type = ROADSHOW_REVIEW

    roadshow_id: str
    criteria: list[Criterion] = Field(min_length=1)


@EVENTS.register
class ExpertAssigned(DomainEvent):
    """An expert was assigned to review the roadshow's pitches (评议专家)."""

    event_type = "ExpertAssigned"
    stream_type = ROADSHOW_REVIEW

    roadshow_id: str
    expert_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=50)
    institution: str = Field(min_length=1, max_length=200)
    title: str = Field(default="", max_length=100)


class RecusalGround(StrEnum):
    SAME_INSTITUTION = "same_institution"  # 同一单位
    DECLARED = "declared"  # 本人申报


@EVENTS.register
class ExpertRecused(DomainEvent):
    """An expert stands aside from one pitch (回避) and does not score it."""

    event_type = "ExpertRecused"
    stream_type = ROADSHOW_REVIEW

    expert_id: str
    achievement_id: AchievementId
    ground: RecusalGround
    reason: str = Field(min_length=2, max_length=1000)


@EVENTS.register
class PitchScored(DomainEvent):
    """An expert's review of one pitch (现场评议): a score per criterion and the comment, or an
    abstention with its reason in ``comment``. A later review of the same pitch replaces it."""

    event_type = "PitchScored"
    stream_type = ROADSHOW_REVIEW

    expert_id: str
    achievement_id: AchievementId
    scores: dict[str, Score] = Field(default_factory=dict)
    weighted: Decimal | None = None
    abstained: bool = False
    comment: str = Field(min_length=2, max_length=5000)


class ExpertComment(_Value):
    expert_id: str
    name: str
    weighted: Decimal | None
    abstained: bool
    comment: str


class PitchResult(_Value):
    """One pitch's result: the mean of the experts' weighted scores (``raw_score``), the mean of
    their per-expert z-scores (``normalised_score``, so a harsh and a lenient expert count alike),
    its rank by the normalised score, and every comment."""

    achievement_id: AchievementId
    title: str
    raw_score: Decimal | None
    normalised_score: Decimal | None
    rank: int | None
    scored_by: int
    abstentions: int
    recusals: list[str] = Field(default_factory=list)
    comments: list[ExpertComment] = Field(default_factory=list)


@EVENTS.register
class ReviewWindowClosed(DomainEvent):
    """The review window closed (评议结束) and the results opened to the host."""

    event_type = "ReviewWindowClosed"
    stream_type = ROADSHOW_REVIEW

    criteria: list[Criterion] = Field(min_length=1)
    results: list[PitchResult]


# --- one-to-one meetings (一对一对接) -----------------------------------------------------------

ROADSHOW_MEETINGS = "roadshow_meetings"


def meetings_id(roadshow_id: str) -> str:
    """The one-to-one meetings of a roadshow (``meetings-{roadshow stream id}``).

    A stream of their own beside the roadshow, like the review's: on the day the host moves,
    cancels and records meetings quickly, and those appends must not contend with registrations,
    questions and intents on the roadshow's stream (nor replay them when loading the schedule).
    """
    return f"meetings-{roadshow_id}"


class MeetingSide(StrEnum):
    COMPANY = "company"  # 企业
    PROJECT = "project"  # 项目方


class MeetingLevel(StrEnum):
    MUST_MEET = "must_meet"  # 必须见
    MEET = "meet"  # 愿意见
    NO_THANKS = "no_thanks"  # 不必了


MEETING_SIDE_NAMES = {MeetingSide.COMPANY: "企业", MeetingSide.PROJECT: "项目方"}
MEETING_LEVEL_NAMES = {
    MeetingLevel.MUST_MEET: "必须见",
    MeetingLevel.MEET: "愿意见",
    MeetingLevel.NO_THANKS: "不必了",
}


@EVENTS.register
class MeetingSlotsDeclared(DomainEvent):
    """The host sets the session up (设置对接时段): slot labels in order (a slot is referred to by
    its index), the tables per slot, the caps per company and per project, and which holder account
    speaks for each project (项目对接人). Declared again, it replaces the previous setup."""

    event_type = "MeetingSlotsDeclared"
    stream_type = ROADSHOW_MEETINGS

    roadshow_id: str
    starts_at: str = Field(pattern=r"^\d{2}:\d{2}$")
    slot_minutes: int = Field(ge=5, le=240)
    slots: list[str] = Field(min_length=1, max_length=64)
    tables: int = Field(ge=1, le=500)
    max_per_company: int = Field(ge=1, le=64)
    max_per_project: int = Field(ge=1, le=64)
    holders: dict[AchievementId, str] = Field(default_factory=dict)


@EVENTS.register
class AvailabilityDeclared(DomainEvent):
    """A company or a project declares the slots it is free (空闲时段); replaces its earlier list."""

    event_type = "AvailabilityDeclared"
    stream_type = ROADSHOW_MEETINGS

    side: MeetingSide
    party_id: str = Field(min_length=1, max_length=64)
    free_slots: list[int] = Field(default_factory=list)
    declared_by: str


@EVENTS.register
class MeetingPreferenceStated(DomainEvent):
    """One side's wish about one pair (对接意愿); a later one about the same pair replaces it.
    Any "不必了" blocks the pair."""

    event_type = "MeetingPreferenceStated"
    stream_type = ROADSHOW_MEETINGS

    side: MeetingSide
    party_id: str = Field(min_length=1, max_length=64)
    counterpart: str = Field(min_length=1, max_length=64)
    level: MeetingLevel
    stated_by: str


class PlannedMeeting(_Value):
    company_id: CompanyId
    achievement_id: AchievementId
    slot: int = Field(ge=0)
    table: int = Field(ge=1)
    priority: int = Field(ge=1, le=3, description="3 双方必须见, 2 单方必须见, 1 愿意见")


class UnplacedPair(_Value):
    company_id: CompanyId
    achievement_id: AchievementId
    priority: int = Field(ge=1, le=3)
    reason: str  # blocked | no_common_slot | cap_reached | tables_full
    detail: str  # Chinese


@EVENTS.register
class MeetingScheduleProposed(DomainEvent):
    """A provisional schedule (暂定日程), placed by the fast scheduler; proposing again replaces
    it. ``unplaced`` lists every requested pair without a meeting and why."""

    event_type = "MeetingScheduleProposed"
    stream_type = ROADSHOW_MEETINGS

    meetings: list[PlannedMeeting]
    unplaced: list[UnplacedPair] = Field(default_factory=list)
    solver: str = "fast"


@EVENTS.register
class MeetingScheduleFinalized(DomainEvent):
    """The schedule is final (正式日程); after it only the day's changes are recorded."""

    event_type = "MeetingScheduleFinalized"
    stream_type = ROADSHOW_MEETINGS

    meetings: int = Field(ge=0)


@EVENTS.register
class MeetingMoved(DomainEvent):
    """A meeting moved to another slot (and table), re-checked against every rule."""

    event_type = "MeetingMoved"
    stream_type = ROADSHOW_MEETINGS

    company_id: CompanyId
    achievement_id: AchievementId
    from_slot: int = Field(ge=0)
    to_slot: int = Field(ge=0)
    table: int = Field(ge=1)
    note: str = Field(default="", max_length=1000)


@EVENTS.register
class MeetingCancelled(DomainEvent):
    """A meeting is cancelled; its slot and table are free again, the record stays."""

    event_type = "MeetingCancelled"
    stream_type = ROADSHOW_MEETINGS

    company_id: CompanyId
    achievement_id: AchievementId
    note: str = Field(default="", max_length=1000)


@EVENTS.register
class MeetingHeld(DomainEvent):
    """A meeting of the final schedule took place (已会面)."""

    event_type = "MeetingHeld"
    stream_type = ROADSHOW_MEETINGS

    company_id: CompanyId
    achievement_id: AchievementId


@EVENTS.register
class MeetingMissed(DomainEvent):
    """A no-show (缺席): who did not come to a meeting of the final schedule."""

    event_type = "MeetingMissed"
    stream_type = ROADSHOW_MEETINGS

    company_id: CompanyId
    achievement_id: AchievementId
    absent: list[MeetingSide] = Field(min_length=1, max_length=2)
    note: str = Field(default="", max_length=1000)


# --- the online channel (线上对接渠道) ------------------------------------------------------------

ROADSHOW_ONLINE = "roadshow_online"


def online_channel_id(roadshow_id: str) -> str:
    """The online channel of a roadshow (``online-{roadshow stream id}``): the longlisted projects
    that were not put on stage, offered to the registered companies outside the event."""
    return f"online-{roadshow_id}"


@EVENTS.register
class OnlineMeetingRequested(DomainEvent):
    """A registered company asks to meet a project of the online channel (申请线上对接)."""

    event_type = "OnlineMeetingRequested"
    stream_type = ROADSHOW_ONLINE

    roadshow_id: str = Field(min_length=1, max_length=64)
    achievement_id: AchievementId
    company_id: CompanyId
    company_name: str = Field(default="", max_length=200)
    modes: list[TransferMode] = Field(min_length=1)
    message: str = Field(default="", max_length=2000)


@EVENTS.register
class OnlineMeetingAccepted(DomainEvent):
    """The holder accepted a company's request (同意对接): an intent declared through the online
    channel, which tracking follows like an ``IntentDeclared`` (one case per achievement and
    company)."""

    event_type = "OnlineMeetingAccepted"
    stream_type = ROADSHOW_ONLINE

    roadshow_id: str = Field(min_length=1, max_length=64)
    achievement_id: AchievementId
    company_id: CompanyId
    modes: list[TransferMode] = Field(min_length=1)
    accepted_by: str = Field(min_length=1, max_length=64)
    note: str = Field(default="", max_length=2000)


@EVENTS.register
class OnlineMeetingDeclined(DomainEvent):
    """The holder declined a company's request (婉拒), with a reason the company reads."""

    event_type = "OnlineMeetingDeclined"
    stream_type = ROADSHOW_ONLINE

    roadshow_id: str = Field(min_length=1, max_length=64)
    achievement_id: AchievementId
    company_id: CompanyId
    declined_by: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=2, max_length=1000)
