"""The achievement aggregate (科技成果): its lifecycle from draft to the library."""

from __future__ import annotations

from enum import StrEnum

from intake.domain.commands import DraftAchievement, SubmitAchievement
from ztc_shared.contracts.intake import ACHIEVEMENT, AchievementDrafted, AchievementSubmitted
from ztc_shared.contracts.taxonomy import is_sub_field_of
from ztc_shared.domain import Aggregate, DomainError, StateConflict


class AchievementStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"


class Achievement(Aggregate):
    stream_type = ACHIEVEMENT

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status: AchievementStatus | None = None
        self.title = ""
        self.holder_name = ""

    # commands

    def draft(self, command: DraftAchievement) -> None:
        if self.exists:
            raise StateConflict(
                "already_drafted", "该科技成果已经创建", "This achievement already exists"
            )
        if command.sub_field is not None and not is_sub_field_of(command.field, command.sub_field):
            raise DomainError(
                "sub_field_mismatch",
                f"细分领域“{command.sub_field}”不属于所选领域",
                f"Sub-field {command.sub_field} does not belong to field {command.field}",
            )
        self._record(AchievementDrafted(**command.model_dump()))

    def submit(self, command: SubmitAchievement) -> None:
        if self.status is not AchievementStatus.DRAFT:
            raise StateConflict(
                "not_a_draft",
                "只有草稿状态的成果可以提交（该成果已提交）",
                "Only a draft can be submitted; this achievement was submitted already",
            )
        self._record(AchievementSubmitted(call_id=command.call_id))

    # state

    def _when_AchievementDrafted(self, event: AchievementDrafted) -> None:  # noqa: N802
        self.status = AchievementStatus.DRAFT
        self.title = event.title
        self.holder_name = event.holder_name

    def _when_AchievementSubmitted(self, event: AchievementSubmitted) -> None:  # noqa: N802
        self.status = AchievementStatus.SUBMITTED
