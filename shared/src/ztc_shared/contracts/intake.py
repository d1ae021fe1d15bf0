"""Events published by intake on ``ztc.intake.events``: collection calls, achievements, the library.

An achievement's descriptive fields (``AchievementDetails``) travel whole in ``AchievementDrafted`` and,
as the changed subset, in ``AchievementUpdated``. ``confidential`` names the fields the holder keeps
out of public disclosure (信息公开); a company sees them only after ``ConfidentialAccessGranted``.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ztc_shared.contracts.taxonomy import IndustryField, is_sub_field_of
from ztc_shared.events import EVENTS, DomainEvent

TOPIC = "ztc.intake.events"
ACHIEVEMENT = "achievement"
COLLECTION_CALL = "collection_call"


class AchievementType(StrEnum):
    """成果类型."""

    PATENT = "patent"  # 专利
    SOFTWARE_COPYRIGHT = "software_copyright"  # 软件著作权
    PLANT_VARIETY = "plant_variety"  # 植物新品种
    IC_LAYOUT = "ic_layout"  # 集成电路布图设计
    KNOW_HOW = "know_how"  # 技术秘密
    OTHER = "other"  # 其他


class TransferMode(StrEnum):
    """转化方式."""

    TRANSFER = "transfer"  # 技术转让
    LICENSE = "license"  # 技术许可
    EQUITY = "equity"  # 作价入股
    JOINT_DEVELOPMENT = "joint_development"  # 合作开发
    TECHNICAL_SERVICE = "technical_service"  # 技术服务


class IpStatus(StrEnum):
    APPLIED = "applied"  # 申请中
    GRANTED = "granted"  # 已授权
    LAPSED = "lapsed"  # 已失效


class _Value(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class IpItem(_Value):
    """One patent, copyright or variety right (知识产权)."""

    kind: AchievementType
    number: str = Field(min_length=3, max_length=64, description="专利号/登记号 Number")
    status: IpStatus


class Contact(_Value):
    name: str = Field(min_length=1, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    email: str | None = Field(default=None, max_length=120, pattern=r"^[^@\s]+@[^@\s]+$")


class ProgrammeRef(_Value):
    """The national programme project the result came from (国家科技计划项目)."""

    programme: str = Field(min_length=1, max_length=100, description="计划名称")
    project_number: str = Field(min_length=1, max_length=64, description="项目编号")


class Attachment(_Value):
    """Where an attachment lies and what it is; the file itself is not in the event."""

    name: str = Field(min_length=1, max_length=200)
    size: int = Field(ge=0, le=1 << 31)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    location: str = Field(min_length=1, max_length=500)


# Fields that describe an achievement and may change while it lives.
# Details every achievement has (required or defaulted in its draft): changed, never cleared. The
# others (sub-field, asking price, contact, national programme) may be cleared with a null.
NEVER_CLEARED = frozenset(
    {
        *("title", "abstract", "field", "keywords", "trl", "achievement_type", "ip_items"),
        *("transfer_modes", "holder_name", "institution", "application_scenarios"),
        *("market_prospects", "competitor_comparison", "attachments", "confidential"),
    }
)
DETAIL_FIELDS = (
    "title",
    "abstract",
    "field",
    "sub_field",
    "keywords",
    "trl",
    "achievement_type",
    "ip_items",
    "transfer_modes",
    "asking_price_wan",
    "holder_name",
    "institution",
    "contact",
    "channel",
    "national_programme",
    "application_scenarios",
    "market_prospects",
    "competitor_comparison",
    "attachments",
    "confidential",
)
# Always public: what a library listing cannot do without.
ALWAYS_PUBLIC = frozenset({"title", "field", "sub_field", "achievement_type", "trl"})
# A change to one of these sends a published achievement back for evaluation.
MATERIAL_FIELDS = frozenset({"title", "abstract", "trl", "ip_items"})
DEFAULT_CONFIDENTIAL = ("contact", "asking_price_wan", "attachments")


class Channel(StrEnum):
    """How a result reached the library (征集渠道)."""

    NATIONAL_PROGRAMME = "national_programme"  # 国家科技计划
    OPEN_CALL = "open_call"  # 面向高校、院所公开征集
    SELF_NOMINATION = "self_nomination"  # 科研人员自主推荐
    AGENCY_SCOUTING = "agency_scouting"  # 技术转移机构挖掘


@EVENTS.register
class AchievementDrafted(DomainEvent):
    """A holder started describing a result; it is not yet in anybody's hands but theirs.

    v2 added everything after ``asking_price_wan``, each with a default; v1 payloads upcast as is.
    """

    event_type = "AchievementDrafted"
    schema_version = 2
    stream_type = ACHIEVEMENT

    title: str = Field(min_length=1, max_length=200)
    abstract: str = Field(min_length=1, max_length=5000)
    field: IndustryField
    sub_field: str | None = None
    keywords: list[str] = Field(default_factory=list, max_length=20)
    trl: int = Field(ge=1, le=9)
    holder_name: str = Field(min_length=1, max_length=100)
    institution: str = Field(min_length=1, max_length=200)
    channel: Channel
    asking_price_wan: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)
    achievement_type: AchievementType = AchievementType.OTHER
    ip_items: list[IpItem] = Field(default_factory=list, max_length=50)
    transfer_modes: list[TransferMode] = Field(default_factory=list)
    contact: Contact | None = None
    national_programme: ProgrammeRef | None = None
    application_scenarios: str = Field(default="", max_length=5000)
    market_prospects: str = Field(default="", max_length=5000)
    competitor_comparison: str = Field(default="", max_length=5000)
    attachments: list[Attachment] = Field(default_factory=list, max_length=50)
    confidential: list[str] = Field(default_factory=list)
    holder_id: str | None = Field(
        default=None, description="the account that owns it (v1: unknown)"
    )
    organisation_id: str | None = Field(
        default=None,
        max_length=200,
        description="the id of the drafting account's organisation, whose institution may read "
        "it (absent before it was recorded: then no institution reads it by its name)",
    )

    @model_validator(mode="after")
    def _sub_field_belongs(self) -> AchievementDrafted:
        if self.sub_field is not None and not is_sub_field_of(self.field, self.sub_field):
            raise ValueError(f"sub_field {self.sub_field} is not a sub-field of {self.field}")
        return self


@EVENTS.upcaster("AchievementDrafted", 1)
def _drafted_v1_to_v2(payload: dict[str, Any]) -> dict[str, Any]:
    # v2 only added fields with defaults; a v1 payload kept none of them confidential.
    return payload


@EVENTS.register
class AchievementSubmitted(DomainEvent):
    """The holder submitted the result for evaluation (提交入库申请)."""

    event_type = "AchievementSubmitted"
    schema_version = 1
    stream_type = ACHIEVEMENT

    call_id: str | None = None


class CallKind(StrEnum):
    OPEN = "open"  # 常态化开放征集（全年）
    TARGETED = "targeted"  # 重点征集（面向需求或路演）


@EVENTS.register
class CollectionCallOpened(DomainEvent):
    """A call for results opened (发布征集)."""

    event_type = "CollectionCallOpened"
    stream_type = COLLECTION_CALL

    title: str = Field(min_length=1, max_length=200)
    kind: CallKind
    fields: list[IndustryField] = Field(default_factory=list)
    deadline: datetime | None = None
    audience: str = Field(default="", max_length=500)
    need_ref: str | None = Field(default=None, max_length=64)
    roadshow_ref: str | None = Field(default=None, max_length=64)


@EVENTS.register
class CollectionCallClosed(DomainEvent):
    event_type = "CollectionCallClosed"
    stream_type = COLLECTION_CALL

    reason: str = Field(default="", max_length=500)


@EVENTS.register
class AchievementReturned(DomainEvent):
    """Sent back to the holder for revision (退回修改), with the reasons."""

    event_type = "AchievementReturned"
    stream_type = ACHIEVEMENT

    reasons: list[str] = Field(min_length=1, max_length=20)


@EVENTS.register
class AchievementResubmitted(DomainEvent):
    event_type = "AchievementResubmitted"
    stream_type = ACHIEVEMENT


class Evaluator(_Value):
    evaluator_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=50)
    institution: str = Field(min_length=1, max_length=200)


@EVENTS.register
class EvaluationAssigned(DomainEvent):
    """An agency's evaluator is to evaluate the achievement (专业评估)."""

    event_type = "EvaluationAssigned"
    stream_type = ACHIEVEMENT

    evaluator: Evaluator


@EVENTS.register
class EvaluatorRecused(DomainEvent):
    """An evaluator may not or will not evaluate it (回避), and why."""

    event_type = "EvaluatorRecused"
    stream_type = ACHIEVEMENT

    evaluator: Evaluator
    reason: str = Field(min_length=1, max_length=500)


class Recommendation(StrEnum):
    ADMIT = "admit"
    REJECT = "reject"


class Scores(_Value):
    """Each 1–5."""

    advancement: int = Field(ge=1, le=5, description="技术先进性")
    maturity: int = Field(ge=1, le=5, description="技术成熟度")
    industrial_prospects: int = Field(ge=1, le=5, description="产业化前景")
    intellectual_property: int = Field(ge=1, le=5, description="知识产权")
    team_willingness: int = Field(ge=1, le=5, description="团队转化意愿")

    def mean(self) -> Decimal:
        total = (
            self.advancement
            + self.maturity
            + self.industrial_prospects
            + self.intellectual_property
            + self.team_willingness
        )
        return (Decimal(total) / 5).quantize(Decimal("0.01"))


@EVENTS.register
class AchievementEvaluated(DomainEvent):
    event_type = "AchievementEvaluated"
    stream_type = ACHIEVEMENT

    evaluator_id: str
    scores: Scores
    comment: str = Field(min_length=1, max_length=2000)
    recommendation: Recommendation


class EvaluationSummary(_Value):
    evaluator_id: str
    scores: Scores
    mean: Decimal
    recommendation: Recommendation


@EVENTS.register
class AchievementAdmitted(DomainEvent):
    """Admitted to the library (入库), with every evaluation and the combined score."""

    event_type = "AchievementAdmitted"
    stream_type = ACHIEVEMENT

    evaluations: list[EvaluationSummary]
    combined_score: Decimal
    note: str = Field(default="", max_length=2000)


@EVENTS.register
class AchievementRejected(DomainEvent):
    event_type = "AchievementRejected"
    stream_type = ACHIEVEMENT

    reasons: list[str] = Field(min_length=1, max_length=20)
    evaluations: list[EvaluationSummary] = Field(default_factory=list)
    combined_score: Decimal | None = None


@EVENTS.register
class AchievementPublished(DomainEvent):
    """Disclosed to the public (信息公开): its public fields only."""

    event_type = "AchievementPublished"
    stream_type = ACHIEVEMENT


@EVENTS.register
class AchievementUpdated(DomainEvent):
    """The holder changed some fields; ``changes`` holds their new values. ``material`` says the
    change sends a published or admitted achievement back for evaluation.

    A field of :data:`NEVER_CLEARED` is changed, never cleared: a null for one of them (stored before
    the command refused it) is dropped as the event is read, so no consumer ever applies it."""

    event_type = "AchievementUpdated"
    stream_type = ACHIEVEMENT

    changes: dict[str, Any]
    material: bool

    @field_validator("changes")
    @classmethod
    def _nulls_never_clear(cls, changes: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in changes.items() if v is not None or k not in NEVER_CLEARED}


@EVENTS.register
class ConfidentialAccessGranted(DomainEvent):
    """The holder let one company see the confidential fields."""

    event_type = "ConfidentialAccessGranted"
    stream_type = ACHIEVEMENT

    company_id: str = Field(min_length=1, max_length=64)


@EVENTS.register
class DuplicateSuspected(DomainEvent):
    """Looks like another achievement (shared patent number, or same institution and title)."""

    event_type = "DuplicateSuspected"
    stream_type = ACHIEVEMENT

    other_id: str
    reason: str


@EVENTS.register
class DuplicateDismissed(DomainEvent):
    """An operator looked at a suspected duplicate and keeps both (保留两项)."""

    event_type = "DuplicateDismissed"
    stream_type = ACHIEVEMENT

    other_id: str


@EVENTS.register
class AchievementsMerged(DomainEvent):
    """Recorded on the achievement that is kept; the other is withdrawn as merged."""

    event_type = "AchievementsMerged"
    stream_type = ACHIEVEMENT

    merged_id: str


@EVENTS.register
class AchievementWithdrawn(DomainEvent):
    event_type = "AchievementWithdrawn"
    stream_type = ACHIEVEMENT

    reason: str = Field(min_length=1, max_length=500)
    merged_into: str | None = None


@EVENTS.register
class AchievementArchived(DomainEvent):
    event_type = "AchievementArchived"
    stream_type = ACHIEVEMENT

    reason: str = Field(default="", max_length=500)
