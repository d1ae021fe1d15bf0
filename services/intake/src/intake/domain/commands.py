"""What people ask intake to do (imperative, frozen)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from ztc_shared.contracts.intake import (
    DEFAULT_CONFIDENTIAL,
    NEVER_CLEARED,
    AchievementType,
    Attachment,
    CallKind,
    Channel,
    Contact,
    Evaluator,
    IpItem,
    ProgrammeRef,
    Recommendation,
    Scores,
    TransferMode,
)
from ztc_shared.contracts.taxonomy import IndustryField


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class DraftAchievement(_Command):
    """Start describing a result (创建科技成果草稿)."""

    title: str = Field(min_length=2, max_length=200, description="成果名称 Title")
    abstract: str = Field(min_length=10, max_length=5000, description="成果简介 Abstract")
    field: IndustryField = Field(description="所属领域（战略性新兴产业） Field")
    sub_field: str | None = Field(default=None, description="细分领域 Sub-field code")
    keywords: list[str] = Field(default_factory=list, max_length=20, description="关键词 Keywords")
    trl: int = Field(ge=1, le=9, description="技术就绪度 1–9 (GB/T 22900)")
    holder_name: str = Field(min_length=1, max_length=100, description="成果持有人 Holder")
    institution: str = Field(min_length=1, max_length=200, description="所属单位 Institution")
    channel: Channel = Field(description="征集渠道 Channel")
    asking_price_wan: Decimal | None = Field(
        default=None, ge=0, max_digits=14, decimal_places=4, description="意向价格（万元）"
    )
    achievement_type: AchievementType = Field(
        default=AchievementType.OTHER, description="成果类型 Type"
    )
    ip_items: list[IpItem] = Field(default_factory=list, max_length=50, description="知识产权")
    transfer_modes: list[TransferMode] = Field(default_factory=list, description="转化方式")
    contact: Contact | None = Field(default=None, description="联系人 Contact")
    national_programme: ProgrammeRef | None = Field(default=None, description="国家科技计划项目")
    application_scenarios: str = Field(default="", max_length=5000, description="应用场景")
    market_prospects: str = Field(default="", max_length=5000, description="市场前景")
    competitor_comparison: str = Field(
        default="", max_length=5000, description="与国内外同类技术比较"
    )
    attachments: list[Attachment] = Field(default_factory=list, max_length=50, description="附件")
    confidential: list[str] = Field(
        default_factory=lambda: list(DEFAULT_CONFIDENTIAL),
        description="不公开的字段 Fields kept out of public disclosure",
    )


class UpdateAchievement(_Command):
    """Change some fields (修改成果信息); only the fields given change."""

    title: str | None = Field(default=None, min_length=2, max_length=200)
    abstract: str | None = Field(default=None, min_length=10, max_length=5000)
    field: IndustryField | None = None
    sub_field: str | None = None
    keywords: list[str] | None = Field(default=None, max_length=20)
    trl: int | None = Field(default=None, ge=1, le=9)
    achievement_type: AchievementType | None = None
    ip_items: list[IpItem] | None = Field(default=None, max_length=50)
    transfer_modes: list[TransferMode] | None = None
    asking_price_wan: Decimal | None = Field(default=None, ge=0, max_digits=14, decimal_places=4)
    holder_name: str | None = Field(default=None, min_length=1, max_length=100)
    contact: Contact | None = None
    national_programme: ProgrammeRef | None = None
    application_scenarios: str | None = Field(default=None, max_length=5000)
    market_prospects: str | None = Field(default=None, max_length=5000)
    competitor_comparison: str | None = Field(default=None, max_length=5000)
    attachments: list[Attachment] | None = Field(default=None, max_length=50)
    confidential: list[str] | None = None

    @field_validator(*sorted(NEVER_CLEARED), mode="before", check_fields=False)
    @classmethod
    def _not_cleared(cls, value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("null_not_allowed", "may be changed but not cleared")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields given, in their JSON form."""
        data = self.model_dump(mode="json")
        return {name: data[name] for name in sorted(self.model_fields_set)}


class SubmitAchievement(_Command):
    """Submit a draft for evaluation (提交)."""

    call_id: str | None = Field(
        default=None, max_length=64, description="所响应的征集 Call answered"
    )


class ReturnAchievement(_Command):
    """Send it back to the holder for revision (退回修改)."""

    reasons: list[str] = Field(min_length=1, max_length=20, description="退回原因")


class ResubmitAchievement(_Command):
    """Submit again after revision (重新提交)."""


class AssignEvaluators(_Command):
    """Ask agencies' evaluators to evaluate it (分配评估)."""

    evaluators: list[Evaluator] = Field(min_length=1, max_length=10)


class RecuseEvaluator(_Command):
    """An evaluator steps back, or is stepped back (回避)."""

    evaluator_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=1, max_length=500)


class EvaluateAchievement(_Command):
    """An assigned evaluator's scores, comment and recommendation (评估意见)."""

    scores: Scores
    comment: str = Field(min_length=1, max_length=2000)
    recommendation: Recommendation


class AdmitAchievement(_Command):
    """Admit it to the library (入库)."""

    note: str = Field(default="", max_length=2000)


class RejectAchievement(_Command):
    """Do not admit it (不予入库), with the reasons."""

    reasons: list[str] = Field(min_length=1, max_length=20)


class PublishAchievement(_Command):
    """Disclose it publicly (信息公开): public fields only."""


class GrantConfidentialAccess(_Command):
    """Let one company see the confidential fields (授权查看)."""

    company_id: str = Field(min_length=1, max_length=64, description="统一社会信用代码")


class WithdrawAchievement(_Command):
    """The holder takes it out (撤回)."""

    reason: str = Field(min_length=1, max_length=500)


class ArchiveAchievement(_Command):
    """Put it away (归档)."""

    reason: str = Field(default="", max_length=500)


class OpenCollectionCall(_Command):
    """Open a call for results (发布征集)."""

    title: str = Field(min_length=2, max_length=200)
    kind: CallKind
    fields: list[IndustryField] = Field(default_factory=list)
    deadline: AwareDatetime | None = Field(
        default=None, description="截止时间（重点征集必填，须带时区，如 2026-12-31T17:00:00+08:00）"
    )
    audience: str = Field(default="", max_length=500, description="征集对象")
    need_ref: str | None = Field(default=None, max_length=64, description="关联需求")
    roadshow_ref: str | None = Field(default=None, max_length=64, description="关联路演")


class CloseCollectionCall(_Command):
    """Close a call (关闭征集)."""

    reason: str = Field(default="", max_length=500)


class MergeDuplicate(_Command):
    """Keep this achievement and fold the suspected duplicate into it (合并重复成果): the other is
    withdrawn as merged into this one."""

    other_id: str = Field(min_length=1, max_length=64, description="被合并的成果")


class DismissDuplicate(_Command):
    """Keep both: the suspicion was wrong (保留两项)."""

    other_id: str = Field(min_length=1, max_length=64)
