"""Events published by intake on ``ztc.intake.events``: achievements and the project library."""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from pydantic import Field, model_validator

from ztc_shared.contracts.taxonomy import IndustryField, is_sub_field_of
from ztc_shared.events import EVENTS, DomainEvent

TOPIC = "ztc.intake.events"
ACHIEVEMENT = "achievement"


class Channel(StrEnum):
    """How a result reached the library (征集渠道)."""

    NATIONAL_PROGRAMME = "national_programme"  # 国家科技计划
    OPEN_CALL = "open_call"  # 面向高校、院所公开征集
    SELF_NOMINATION = "self_nomination"  # 科研人员自主推荐
    AGENCY_SCOUTING = "agency_scouting"  # 技术转移机构挖掘


@EVENTS.register
class AchievementDrafted(DomainEvent):
    """A holder started describing a result; it is not yet in anybody's hands but theirs."""

    event_type = "AchievementDrafted"
    schema_version = 1
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

    @model_validator(mode="after")
    def _sub_field_belongs(self) -> AchievementDrafted:
        if self.sub_field is not None and not is_sub_field_of(self.field, self.sub_field):
            raise ValueError(f"sub_field {self.sub_field} is not a sub-field of {self.field}")
        return self


@EVENTS.register
class AchievementSubmitted(DomainEvent):
    """The holder submitted the result for evaluation (提交入库申请)."""

    event_type = "AchievementSubmitted"
    schema_version = 1
    stream_type = ACHIEVEMENT

    call_id: str | None = None
