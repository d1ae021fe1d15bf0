"""What people ask intake to do (imperative, frozen)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ztc_shared.contracts.intake import Channel
from ztc_shared.contracts.taxonomy import IndustryField


class DraftAchievement(BaseModel):
    """Start describing a result (创建科技成果草稿)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

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


class SubmitAchievement(BaseModel):
    """Submit a draft for evaluation (提交)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    call_id: str | None = Field(
        default=None, max_length=64, description="所响应的征集 Call answered"
    )
