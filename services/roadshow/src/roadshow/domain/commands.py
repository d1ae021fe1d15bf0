"""What people ask roadshow to do (imperative, frozen)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, model_validator

from ztc_shared.contracts.identifiers import CreditCode
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.roadshow import (
    AchievementId,
    AgendaBlock,
    Audience,
    CoachingFocus,
    CompanyScale,
    Criterion,
    EventFormat,
    MeetingLevel,
    MeetingSide,
    ParticipantKind,
    Pitch,
    ProposedHost,
    Region,
    Score,
)
from ztc_shared.contracts.taxonomy import IndustryField


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


# the year


class SubmitHostApplication(_Command):
    """A provincial department applies to run the programme this year (提出申请)."""

    year: int = Field(ge=2018, le=2100, description="年度 Year")
    fields: list[IndustryField] = Field(
        min_length=1, max_length=9, description="对接技术领域 Technology fields"
    )
    industrial_base: str = Field(
        min_length=2, max_length=5000, description="产业发展基础 Industrial base"
    )
    company_scale: CompanyScale = Field(description="科技企业规模 Scale of tech companies")
    funding_wan: Decimal = Field(ge=0, le=10**7, description="工作经费保障（万元） Funding")
    funding_note: str = Field(default="", max_length=2000, description="经费说明 Funding note")
    proposed_hosts: list[ProposedHost] = Field(
        min_length=1, max_length=50, description="拟推荐承办单位 Proposed host units"
    )


class ApproveHostApplication(_Command):
    """Torch Center approves an application; ``host_ids`` confirms a subset, all when empty."""

    host_ids: list[str] = Field(default_factory=list, description="确认的承办单位 Confirmed hosts")
    note: str = Field(default="", max_length=2000, description="说明 Note")


class RejectHostApplication(_Command):
    """Torch Center rejects an application, with the reason."""

    reason: str = Field(min_length=2, max_length=2000, description="理由 Reason")


class LaunchProgramme(_Command):
    """Launch the year's programme (正式启动) with its notice (启动通知)."""

    notice_title: str = Field(min_length=2, max_length=200, description="通知标题 Notice title")
    notice_body: str = Field(min_length=2, max_length=20000, description="通知正文 Notice text")
    audiences: list[Audience] = Field(
        default_factory=lambda: list(Audience), min_length=1, description="动员对象 Audiences"
    )


# a roadshow


class PlanRoadshow(_Command):
    """A host plans a roadshow (制定方案)."""

    year: int = Field(ge=2018, le=2100, description="年度 Year")
    title: str = Field(min_length=2, max_length=200, description="名称 Title")
    fields: list[IndustryField] = Field(
        min_length=1, max_length=9, description="主题领域 Theme fields"
    )
    industry_needs: str = Field(default="", max_length=5000, description="产业需求 Industry needs")
    region: Region
    event_date: date = Field(description="日期 Date")
    venue: str = Field(default="", max_length=300, description="地点 Venue")
    format: EventFormat = Field(description="形式 Format")
    livestream_url: str | None = Field(
        default=None, max_length=500, pattern=r"^https?://\S+$", description="直播链接 Livestream"
    )
    capacity: int = Field(ge=1, le=100000, description="容量 Capacity")
    agenda: list[AgendaBlock] = Field(min_length=1, max_length=50, description="议程 Agenda")
    plan_text: str = Field(min_length=2, max_length=50000, description="工作方案 Plan")


class OpenRegistration(_Command):
    closes_on: date | None = Field(default=None, description="报名截止 Closes on")


class RegisterCompany(_Command):
    """A company, park or investor registers (企业报名); SZSE registers the listed companies it
    invites (深交所邀请), and the host may register the local firms it mobilised."""

    company_id: CreditCode
    name: str = Field(min_length=2, max_length=200, description="单位名称 Name")
    kind: ParticipantKind = Field(description="类型 Kind")
    contact_name: str = Field(min_length=1, max_length=50, description="联系人 Contact")
    contact_phone: str = Field(default="", max_length=30, description="电话 Phone")
    interests: str = Field(default="", max_length=2000, description="关注方向 Interests")


class EraseRegistrant(_Command):
    """Erase a registering company's contact person (个人信息删除): every registration's sealed
    contact of that company becomes unreadable, wherever a copy of the event is."""

    company_id: CreditCode


class ApproveRegistration(_Command):
    company_id: CreditCode


class DeclineRegistration(_Command):
    company_id: CreditCode
    reason: str = Field(min_length=2, max_length=1000, description="理由 Reason")


class CancelRegistration(_Command):
    company_id: CreditCode
    reason: str = Field(default="", max_length=1000, description="原因 Reason")


class ReceiveShortlist(_Command):
    """The projects for the stage as screening finalised them (for now given by the host)."""

    round_id: str = Field(min_length=1, max_length=64, description="筛选轮次 Screening round")
    pitches: list[Pitch] = Field(min_length=1, max_length=100, description="路演项目 Pitches")
    not_selected: list[AchievementId] = Field(default_factory=list, description="未入选 Others")


class RecordCoachingSession(_Command):
    """A coaching session for one shortlisted project (路演辅导)."""

    achievement_id: AchievementId
    coach: str = Field(min_length=1, max_length=100, description="辅导人 Coach")
    coach_organisation: str = Field(default="", max_length=200, description="单位 Organisation")
    held_at: AwareDatetime = Field(
        description="时间（须带时区，如 2026-12-31T09:00:00+08:00） When"
    )
    focus: list[CoachingFocus] = Field(min_length=1, description="辅导重点 Focus")
    feedback: str = Field(min_length=2, max_length=5000, description="辅导意见 Feedback")


class StartRoadshow(_Command):
    """The roadshow goes live (路演开始)."""


class AskQuestion(_Command):
    """A question from a company or park about a pitch (问答); the host may log it for them."""

    achievement_id: AchievementId
    question: str = Field(min_length=2, max_length=2000, description="问题 Question")
    company_id: CreditCode | None = Field(default=None, description="提问单位（承办单位代录时）")


class DeclareIntent(_Command):
    """A registered company declares its intent to cooperate on a project (对接意向)."""

    achievement_id: AchievementId
    modes: list[TransferMode] = Field(min_length=1, description="合作方式 Modes")
    note: str = Field(default="", max_length=2000, description="说明 Note")


class ConcludeRoadshow(_Command):
    summary: str = Field(default="", max_length=5000, description="小结 Summary")


# the review


class SetCriteria(_Command):
    """The host's criteria and weights; the three defaults stay, others may be added."""

    criteria: list[Criterion] = Field(min_length=3, max_length=12)

    @model_validator(mode="after")
    def _unique(self) -> SetCriteria:
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise ValueError("criterion codes must be unique (指标代码不能重复)")
        return self


class AssignExpert(_Command):
    expert_id: str = Field(min_length=1, max_length=64, description="专家账号 Expert account")
    name: str = Field(min_length=1, max_length=50, description="姓名 Name")
    institution: str = Field(min_length=1, max_length=200, description="单位 Institution")
    title: str = Field(default="", max_length=100, description="职称 Title")


class DeclareConflict(_Command):
    """An expert declares a conflict with one pitch and recuses (申报回避)."""

    achievement_id: AchievementId
    reason: str = Field(min_length=2, max_length=1000, description="回避理由 Reason")


class ScorePitch(_Command):
    """An expert scores one pitch on every criterion with a comment, or abstains with a reason."""

    achievement_id: AchievementId
    scores: dict[str, Score] = Field(default_factory=dict, description="各指标得分 Scores 0–10")
    abstain: bool = Field(default=False, description="弃权 Abstain")
    comment: str = Field(default="", max_length=5000, description="评议意见（必填） Comment")


class CloseReviewWindow(_Command):
    """Close the review window (结束评议): results open to the host."""


# one-to-one meetings (一对一对接); the stream id is the roadshow's


class SetUpMeetings(_Command):
    """The host's session (设置对接): start, slot length and count, tables, caps, and the holder
    account that speaks for each project (项目对接人账号)."""

    starts_at: str = Field(default="14:00", pattern=r"^\d{2}:\d{2}$", description="开始时间")
    slot_minutes: int = Field(default=20, ge=5, le=240, description="每场时长（分钟）")
    slot_count: int = Field(default=8, ge=1, le=64, description="时段数 Number of slots")
    tables: int = Field(ge=1, le=500, description="桌数 Tables per slot")
    max_per_company: int = Field(default=4, ge=1, le=64, description="每家企业会面上限")
    max_per_project: int = Field(default=8, ge=1, le=64, description="每个项目会面上限")
    holders: dict[AchievementId, str] = Field(
        default_factory=dict, description="项目对接人账号 Holder account per project"
    )


class DeclareAvailability(_Command):
    """A company (itself) or a holder (its project) declares the slots it is free."""

    side: MeetingSide = Field(description="company 企业 / project 项目方")
    party_id: str = Field(min_length=1, max_length=64, description="信用代码或项目编号")
    free_slots: list[int] = Field(max_length=64, description="空闲时段序号 Free slot indices")


class StateMeetingPreference(_Command):
    """必须见 / 愿意见 / 不必了 about one counterpart."""

    side: MeetingSide = Field(description="company 企业 / project 项目方")
    party_id: str = Field(min_length=1, max_length=64, description="信用代码或项目编号")
    counterpart: str = Field(min_length=1, max_length=64, description="对方 The other party")
    level: MeetingLevel


class ProposeMeetingSchedule(_Command):
    """Place the meetings (暂定日程); proposing again replaces the provisional schedule."""


class FinalizeMeetingSchedule(_Command):
    """Fix the schedule (正式日程)."""


class MoveMeeting(_Command):
    company_id: CreditCode
    achievement_id: AchievementId
    slot: int = Field(ge=0, description="新时段序号 New slot")
    table: int | None = Field(default=None, ge=1, description="桌号 Table (kept when free)")
    note: str = Field(default="", max_length=1000)


class CancelMeeting(_Command):
    company_id: CreditCode
    achievement_id: AchievementId
    note: str = Field(default="", max_length=1000)


class RecordMeetingHeld(_Command):
    company_id: CreditCode
    achievement_id: AchievementId


class RecordMeetingMissed(_Command):
    """A no-show: who did not come."""

    company_id: CreditCode
    achievement_id: AchievementId
    absent: list[MeetingSide] = Field(min_length=1, max_length=2, description="缺席方")
    note: str = Field(default="", max_length=1000)


# the online channel (线上对接渠道): the longlisted projects that are not on stage


class RequestOnlineMeeting(_Command):
    """A registered company asks to meet a project of the online channel (申请线上对接)."""

    achievement_id: AchievementId
    modes: list[TransferMode] = Field(min_length=1, description="合作方式 Ways to cooperate")
    message: str = Field(default="", max_length=2000, description="留言 Message to the holder")


class AcceptOnlineMeeting(_Command):
    """The holder (or the host on the holder's behalf) accepts a company's request (同意对接)."""

    achievement_id: AchievementId
    company_id: CreditCode = Field(description="统一社会信用代码 The company")
    note: str = Field(default="", max_length=2000, description="备注 Note to the company")


class DeclineOnlineMeeting(_Command):
    """The holder declines a company's request (婉拒), saying why."""

    achievement_id: AchievementId
    company_id: CreditCode = Field(description="统一社会信用代码 The company")
    reason: str = Field(min_length=2, max_length=1000, description="原因 Reason")


# Examples for the API's documentation, one per command that has no route-level example; the test
# of the examples validates each against its command.
EXAMPLES: dict[type[_Command], dict[str, JsonValue]] = {
    ApproveHostApplication: {"host_ids": ["host-sz"], "note": "列入2026年度承办单位名单"},
    RejectHostApplication: {"reason": "工作经费保障不足，建议下一年度再行申请"},
    LaunchProgramme: {
        "notice_title": "关于开展2026年度科技成果直通车工作的通知",
        "notice_body": "各有关单位：为促进科技成果转化，现启动2026年度科技成果直通车……",
        "audiences": ["researchers", "companies"],
    },
    OpenRegistration: {"closes_on": "2026-06-10"},
    ReceiveShortlist: {
        "round_id": "round-roadshow-01",
        "pitches": [
            {
                "achievement_id": "ach-01",
                "title": "固态电池电解质",
                "holder_name": "张三",
                "institution": "清华大学",
                "field": "new_energy",
            }
        ],
        "not_selected": ["ach-09"],
    },
    ConcludeRoadshow: {"summary": "到场企业42家，现场达成对接意向6项"},
    RecordCoachingSession: {
        "achievement_id": "ach-01",
        "coach": "刘老师",
        "coach_organisation": "深圳证券交易所",
        "held_at": "2026-06-10T14:00:00+08:00",
        "focus": ["technology_leadership", "industrialisation_feasibility"],
        "feedback": "突出与现有方案的性能对比，补充中试数据",
    },
    AskQuestion: {"achievement_id": "ach-01", "question": "量产后的单位成本预计是多少？"},
    DeclareIntent: {"achievement_id": "ach-01", "modes": ["license"], "note": "希望会后深入洽谈"},
    SetCriteria: {
        "criteria": [
            {"code": "technology_leadership", "name": "技术领先性", "weight": "0.4"},
            {"code": "industrialisation_feasibility", "name": "产业化可行性", "weight": "0.3"},
            {"code": "industry_prospects", "name": "产业发展前景", "weight": "0.2"},
            {"code": "team", "name": "团队能力", "weight": "0.1"},
        ]
    },
    AssignExpert: {
        "expert_id": "expert-zhao",
        "name": "赵专家",
        "institution": "中国科学院深圳先进技术研究院",
        "title": "研究员",
    },
    DeclareConflict: {"achievement_id": "ach-02", "reason": "曾参与该项目的前期合作研究"},
    ApproveRegistration: {"company_id": "91350100M000100Y43"},
    DeclineRegistration: {"company_id": "91350100M000100Y43", "reason": "与本场主题关联度不高"},
    CancelRegistration: {"company_id": "91350100M000100Y43", "reason": "行程冲突"},
    MoveMeeting: {
        "company_id": "91350100M000100Y43",
        "achievement_id": "ach-01",
        "slot": 3,
        "table": 2,
        "note": "企业代表下午到场",
    },
    CancelMeeting: {
        "company_id": "91350100M000100Y43",
        "achievement_id": "ach-01",
        "note": "企业取消",
    },
    RecordMeetingHeld: {"company_id": "91350100M000100Y43", "achievement_id": "ach-01"},
    RecordMeetingMissed: {
        "company_id": "91350100M000100Y43",
        "achievement_id": "ach-01",
        "absent": ["company"],
        "note": "企业代表未到场",
    },
    DeclareAvailability: {
        "side": "company",
        "party_id": "91350100M000100Y43",
        "free_slots": [0, 1, 3],
    },
}

for _command, _example in EXAMPLES.items():
    _command.model_config["json_schema_extra"] = {"examples": [_example]}
    _command.model_rebuild(force=True)
