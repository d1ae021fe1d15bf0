"""The achievement aggregate (科技成果): from draft through evaluation to the library and beyond.

    draft ─submit→ submitted ─assign→ under evaluation ─(all evaluated)→ evaluated ─admit→ admitted
      ↑              │  ↑                    │                              │            │ publish
      │           return│ resubmit         return                         reject        ↓
      └─(edit)─── returned                                                  ↓        published
                                                                       rejected        │ material update
    any live state ─withdraw→ withdrawn;  admitted/published/rejected/withdrawn ─archive→ archived
                                                                   published ── back to submitted

Every transition is one command method that checks the state (and who asks) and records one event.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Any

from intake.domain.access import Actor, not_yours, operators_only
from intake.domain.commands import (
    AdmitAchievement,
    ArchiveAchievement,
    AssignEvaluators,
    DismissDuplicate,
    DraftAchievement,
    EvaluateAchievement,
    GrantConfidentialAccess,
    MergeDuplicate,
    PublishAchievement,
    RecuseEvaluator,
    RejectAchievement,
    ResubmitAchievement,
    ReturnAchievement,
    SubmitAchievement,
    UpdateAchievement,
    WithdrawAchievement,
)
from ztc_shared.contracts.intake import (
    ACHIEVEMENT,
    ALWAYS_PUBLIC,
    DETAIL_FIELDS,
    MATERIAL_FIELDS,
    AchievementAdmitted,
    AchievementArchived,
    AchievementDrafted,
    AchievementEvaluated,
    AchievementPublished,
    AchievementRejected,
    AchievementResubmitted,
    AchievementReturned,
    AchievementsMerged,
    AchievementSubmitted,
    AchievementUpdated,
    AchievementWithdrawn,
    ConfidentialAccessGranted,
    DuplicateDismissed,
    DuplicateSuspected,
    EvaluationAssigned,
    EvaluationSummary,
    Evaluator,
    EvaluatorRecused,
)
from ztc_shared.contracts.taxonomy import IndustryField, is_sub_field_of
from ztc_shared.domain import Aggregate, DomainError, Forbidden, StateConflict


class AchievementStatus(StrEnum):
    DRAFT = "draft"  # 草稿
    SUBMITTED = "submitted"  # 已提交，待评估
    RETURNED = "returned"  # 退回修改
    UNDER_EVALUATION = "under_evaluation"  # 评估中
    EVALUATED = "evaluated"  # 评估完成
    ADMITTED = "admitted"  # 已入库
    REJECTED = "rejected"  # 不予入库
    PUBLISHED = "published"  # 已公开
    WITHDRAWN = "withdrawn"  # 已撤回
    ARCHIVED = "archived"  # 已归档


STATUS_NAMES = {
    AchievementStatus.DRAFT: "草稿",
    AchievementStatus.SUBMITTED: "待评估",
    AchievementStatus.RETURNED: "退回修改",
    AchievementStatus.UNDER_EVALUATION: "评估中",
    AchievementStatus.EVALUATED: "评估完成",
    AchievementStatus.ADMITTED: "已入库",
    AchievementStatus.REJECTED: "不予入库",
    AchievementStatus.PUBLISHED: "已公开",
    AchievementStatus.WITHDRAWN: "已撤回",
    AchievementStatus.ARCHIVED: "已归档",
}

EDITABLE = frozenset(
    {
        AchievementStatus.DRAFT,
        AchievementStatus.RETURNED,
        AchievementStatus.ADMITTED,
        AchievementStatus.PUBLISHED,
    }
)
ARCHIVABLE = frozenset(
    {
        AchievementStatus.ADMITTED,
        AchievementStatus.PUBLISHED,
        AchievementStatus.REJECTED,
        AchievementStatus.WITHDRAWN,
    }
)
CLOSED = frozenset({AchievementStatus.WITHDRAWN, AchievementStatus.ARCHIVED})


def _wrong_state(code: str, status: AchievementStatus | None, zh: str, en: str) -> StateConflict:
    now = STATUS_NAMES.get(status, "不存在") if status else "不存在"
    return StateConflict(code, f"{zh}（当前状态：{now}）", f"{en} (it is {status or 'absent'})")


class Achievement(Aggregate):
    stream_type = ACHIEVEMENT

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.status: AchievementStatus | None = None
        self.details: dict[str, Any] = {}
        self.holder_id: str | None = None
        self.organisation_id: str | None = None  # the drafting account's organisation
        self.assigned: dict[str, Evaluator] = {}
        self.recused: dict[str, str] = {}
        self.evaluations: dict[str, AchievementEvaluated] = {}
        self.granted: set[str] = set()
        self.call_id: str | None = None
        self.suspected: dict[str, str] = {}  # other achievement → why
        self.merged: set[str] = set()
        self.merged_into: str | None = None

    # reading

    @property
    def title(self) -> str:
        return str(self.details.get("title", ""))

    @property
    def holder_name(self) -> str:
        return str(self.details.get("holder_name", ""))

    @property
    def institution(self) -> str:
        return str(self.details.get("institution", ""))

    def confidential(self) -> set[str]:
        return set(self.details.get("confidential", []))

    def owned_by(self, actor: Actor) -> bool:
        return self.holder_id is not None and self.holder_id == actor.id

    def of_organisation(self, organisation_id: str | None) -> bool:
        """Drafted by an account of this organisation (by its id: display names are not unique;
        an achievement drafted before the id was recorded belongs to no organisation)."""
        return organisation_id is not None and self.organisation_id == organisation_id

    def summaries(self) -> list[EvaluationSummary]:
        return [
            EvaluationSummary(
                evaluator_id=e.evaluator_id,
                scores=e.scores,
                mean=e.scores.mean(),
                recommendation=e.recommendation,
            )
            for e in self.evaluations.values()
        ]

    def combined_score(self) -> Decimal | None:
        means = [s.mean for s in self.summaries()]
        if not means:
            return None
        return (sum(means, Decimal(0)) / len(means)).quantize(Decimal("0.01"))

    # the holder's commands

    def draft(self, command: DraftAchievement, actor: Actor) -> None:
        if self.exists:
            raise StateConflict(
                "already_drafted", "该科技成果已经创建", "This achievement already exists"
            )
        _check_sub_field(command.field, command.sub_field)
        _check_confidential(command.confidential)
        self._record(
            AchievementDrafted(
                **command.model_dump(), holder_id=actor.id, organisation_id=actor.organisation
            )
        )

    def update(self, command: UpdateAchievement, actor: Actor) -> None:
        self._require_owner(actor)
        if self.status not in EDITABLE:
            raise _wrong_state(
                "not_editable",
                self.status,
                "评估中或已结束的成果不能修改",
                "It cannot be changed while under evaluation or once closed",
            )
        changes = {
            name: value
            for name, value in command.changes().items()
            if self.details.get(name) != value
        }
        if not changes:
            return
        field = IndustryField(changes.get("field", self.details["field"]))
        _check_sub_field(field, changes.get("sub_field", self.details.get("sub_field")))
        if "confidential" in changes:
            _check_confidential(changes["confidential"])
            # A field no longer kept confidential goes public with its current value: readers
            # that never held it (public disclosure) learn it from this event.
            for name in sorted(self.confidential() - set(changes["confidential"])):
                changes.setdefault(name, self.details.get(name))
        live = self.status in (AchievementStatus.ADMITTED, AchievementStatus.PUBLISHED)
        material = live and bool(MATERIAL_FIELDS & changes.keys())
        self._record(AchievementUpdated(changes=changes, material=material))

    def submit(
        self,
        command: SubmitAchievement,
        actor: Actor,
        duplicates: Sequence[tuple[str, str]] = (),
    ) -> None:
        """``duplicates``: achievements that look like this one (``DuplicateSuspected`` each)."""
        self._require_owner(actor)
        if self.status is not AchievementStatus.DRAFT:
            raise _wrong_state(
                "not_a_draft",
                self.status,
                "只有草稿状态的成果可以提交（该成果已提交）",
                "Only a draft can be submitted; this achievement was submitted already",
            )
        self._record(AchievementSubmitted(call_id=command.call_id))
        self._suspect(duplicates)

    def resubmit(
        self,
        _command: ResubmitAchievement,
        actor: Actor,
        duplicates: Sequence[tuple[str, str]] = (),
    ) -> None:
        self._require_owner(actor)
        if self.status is not AchievementStatus.RETURNED:
            raise _wrong_state(
                "not_returned",
                self.status,
                "只有被退回修改的成果可以重新提交",
                "Only an achievement returned for revision can be resubmitted",
            )
        self._record(AchievementResubmitted())
        self._suspect(duplicates)

    def _suspect(self, duplicates: Sequence[tuple[str, str]]) -> None:
        for other_id, reason in duplicates:
            if (
                other_id != self.id
                and other_id not in self.suspected
                and other_id not in self.merged
            ):
                self._record(DuplicateSuspected(other_id=other_id, reason=reason))

    # duplicates: the operators decide

    def merge(self, command: MergeDuplicate, actor: Actor) -> None:
        """Keep this one; the other is folded in (it is withdrawn as merged by ``absorb_into``)."""
        self._require_operator(actor)
        if command.other_id in self.merged:
            return
        if command.other_id not in self.suspected:
            raise DomainError(
                "not_suspected",
                "只能合并被标记为疑似重复的成果",
                "Only an achievement suspected to duplicate this one can be merged into it",
            )
        if self.status in CLOSED or self.merged_into:
            raise _wrong_state(
                "closed", self.status, "该成果已撤回或归档", "It is withdrawn or archived"
            )
        self._record(AchievementsMerged(merged_id=command.other_id))

    def absorb_into(self, kept_id: str, actor: Actor) -> None:
        """This one is the duplicate: withdraw it as merged into ``kept_id``."""
        self._require_operator(actor)
        if self.merged_into == kept_id:
            return
        if self.status in CLOSED or self.status is None:
            raise _wrong_state(
                "closed", self.status, "被合并的成果已撤回或归档", "The duplicate is closed already"
            )
        self._record(
            AchievementWithdrawn(reason=f"与成果 {kept_id} 重复，已合并", merged_into=kept_id)
        )

    def dismiss_duplicate(self, command: DismissDuplicate, actor: Actor) -> None:
        self._require_operator(actor)
        if command.other_id not in self.suspected:
            raise DomainError(
                "not_suspected", "该成果未被标记为疑似重复", "No such suspected duplicate"
            )
        self._record(DuplicateDismissed(other_id=command.other_id))

    def grant_access(self, command: GrantConfidentialAccess, actor: Actor) -> None:
        self._require_owner(actor)
        if self.status not in (AchievementStatus.ADMITTED, AchievementStatus.PUBLISHED):
            raise _wrong_state(
                "not_in_library",
                self.status,
                "只有已入库的成果可以授权企业查看保密信息",
                "Access can be granted only to achievements in the library",
            )
        if command.company_id in self.granted:
            return
        self._record(ConfidentialAccessGranted(company_id=command.company_id))

    def withdraw(self, command: WithdrawAchievement, actor: Actor) -> None:
        if not (self.owned_by(actor) or actor.is_operator):
            raise not_yours()
        if self.status in CLOSED or self.status is None:
            raise _wrong_state(
                "closed", self.status, "该成果已撤回或归档", "It is withdrawn or archived already"
            )
        self._record(AchievementWithdrawn(reason=command.reason))

    # the operators' commands

    def return_for_revision(self, command: ReturnAchievement, actor: Actor) -> None:
        self._require_operator(actor)
        if self.status not in (AchievementStatus.SUBMITTED, AchievementStatus.UNDER_EVALUATION):
            raise _wrong_state(
                "not_under_review",
                self.status,
                "只有待评估或评估中的成果可以退回修改",
                "Only a submitted achievement or one under evaluation can be returned",
            )
        self._record(AchievementReturned(reasons=command.reasons))

    def assign(self, command: AssignEvaluators, actor: Actor) -> None:
        self._require_operator(actor)
        if self.status not in (AchievementStatus.SUBMITTED, AchievementStatus.UNDER_EVALUATION):
            raise _wrong_state(
                "not_awaiting_evaluation",
                self.status,
                "只有待评估或评估中的成果可以分配评估人",
                "Evaluators can be assigned only to a submitted achievement",
            )
        for evaluator in command.evaluators:
            if evaluator.evaluator_id in self.assigned:
                continue
            if _same_institution(evaluator.institution, self.institution):
                if evaluator.evaluator_id not in self.recused:
                    self._record(
                        EvaluatorRecused(
                            evaluator=evaluator,
                            reason=f"与成果持有单位相同（{self.institution}），应当回避",
                        )
                    )
                continue
            self._record(EvaluationAssigned(evaluator=evaluator))

    def recuse(self, command: RecuseEvaluator, actor: Actor) -> None:
        if not (actor.is_operator or actor.id == command.evaluator_id):
            raise operators_only()
        evaluator = self.assigned.get(command.evaluator_id)
        if evaluator is None:
            raise DomainError(
                "not_assigned",
                "该评估人未被分配评估此成果",
                "This evaluator is not assigned to this achievement",
            )
        if command.evaluator_id in self.evaluations:
            raise StateConflict(
                "already_evaluated",
                "该评估人已提交评估意见，不能回避",
                "This evaluator has already evaluated it",
            )
        self._record(EvaluatorRecused(evaluator=evaluator, reason=command.reason))

    def evaluate(self, command: EvaluateAchievement, actor: Actor) -> None:
        if actor.id not in self.assigned:
            raise Forbidden(
                "not_your_evaluation",
                "您不是该成果的评估人",
                "You are not assigned to evaluate this achievement",
            )
        if self.status is not AchievementStatus.UNDER_EVALUATION:
            raise _wrong_state(
                "not_under_evaluation",
                self.status,
                "该成果不在评估中",
                "It is not under evaluation",
            )
        if actor.id in self.evaluations:
            raise StateConflict(
                "already_evaluated", "您已提交过评估意见", "You have evaluated it already"
            )
        self._record(
            AchievementEvaluated(
                evaluator_id=actor.id,
                scores=command.scores,
                comment=command.comment,
                recommendation=command.recommendation,
            )
        )

    def admit(self, command: AdmitAchievement, actor: Actor) -> None:
        self._require_operator(actor)
        if self.status is not AchievementStatus.EVALUATED:
            raise _wrong_state(
                "not_evaluated",
                self.status,
                "评估完成后才能决定入库",
                "Admission needs every assigned evaluation first",
            )
        combined = self.combined_score()
        assert combined is not None  # evaluated means at least one evaluation
        self._record(
            AchievementAdmitted(
                evaluations=self.summaries(), combined_score=combined, note=command.note
            )
        )

    def reject(self, command: RejectAchievement, actor: Actor) -> None:
        self._require_operator(actor)
        if self.status not in (
            AchievementStatus.SUBMITTED,
            AchievementStatus.UNDER_EVALUATION,
            AchievementStatus.EVALUATED,
        ):
            raise _wrong_state(
                "not_under_review",
                self.status,
                "只有待评估、评估中或评估完成的成果可以不予入库",
                "Only an achievement under review can be rejected",
            )
        self._record(
            AchievementRejected(
                reasons=command.reasons,
                evaluations=self.summaries(),
                combined_score=self.combined_score(),
            )
        )

    def publish(self, _command: PublishAchievement, actor: Actor) -> None:
        self._require_operator(actor)
        if self.status is not AchievementStatus.ADMITTED:
            raise _wrong_state(
                "not_admitted", self.status, "只有已入库的成果可以公开", "Only admitted ones"
            )
        self._record(AchievementPublished())

    def archive(self, command: ArchiveAchievement, actor: Actor) -> None:
        self._require_operator(actor)
        if self.status not in ARCHIVABLE:
            raise _wrong_state(
                "not_archivable",
                self.status,
                "只有已入库、已公开、不予入库或已撤回的成果可以归档",
                "Only admitted, published, rejected or withdrawn achievements can be archived",
            )
        self._record(AchievementArchived(reason=command.reason))

    # guards

    def _require_owner(self, actor: Actor) -> None:
        if not self.owned_by(actor):
            raise not_yours()

    def _require_operator(self, actor: Actor) -> None:
        if not actor.is_operator:
            raise operators_only()

    # state

    def _when_AchievementDrafted(self, event: AchievementDrafted) -> None:  # noqa: N802
        self.status = AchievementStatus.DRAFT
        data = event.model_dump(mode="json")
        self.holder_id = data.pop("holder_id")
        self.organisation_id = data.pop("organisation_id", None)
        self.details = {name: data[name] for name in DETAIL_FIELDS}

    def _when_AchievementUpdated(self, event: AchievementUpdated) -> None:  # noqa: N802
        self.details = {**self.details, **event.changes}
        if event.material:
            # Back for evaluation: a new round, with new evaluators.
            self.status = AchievementStatus.SUBMITTED
            self.assigned, self.recused, self.evaluations = {}, {}, {}

    def _when_AchievementSubmitted(self, event: AchievementSubmitted) -> None:  # noqa: N802
        self.status = AchievementStatus.SUBMITTED
        self.call_id = event.call_id

    def _when_AchievementReturned(self, event: AchievementReturned) -> None:  # noqa: N802
        self.status = AchievementStatus.RETURNED
        self.assigned, self.recused, self.evaluations = {}, {}, {}

    def _when_AchievementResubmitted(self, event: AchievementResubmitted) -> None:  # noqa: N802
        self.status = AchievementStatus.SUBMITTED

    def _when_EvaluationAssigned(self, event: EvaluationAssigned) -> None:  # noqa: N802
        self.assigned[event.evaluator.evaluator_id] = event.evaluator
        self._settle_evaluation()

    def _when_EvaluatorRecused(self, event: EvaluatorRecused) -> None:  # noqa: N802
        self.assigned.pop(event.evaluator.evaluator_id, None)
        self.recused[event.evaluator.evaluator_id] = event.reason
        self._settle_evaluation()

    def _when_AchievementEvaluated(self, event: AchievementEvaluated) -> None:  # noqa: N802
        self.evaluations[event.evaluator_id] = event
        self._settle_evaluation()

    def _settle_evaluation(self) -> None:
        if not self.assigned:
            self.status = AchievementStatus.SUBMITTED
        elif all(e in self.evaluations for e in self.assigned):
            self.status = AchievementStatus.EVALUATED
        else:
            self.status = AchievementStatus.UNDER_EVALUATION

    def _when_AchievementAdmitted(self, event: AchievementAdmitted) -> None:  # noqa: N802
        self.status = AchievementStatus.ADMITTED

    def _when_AchievementRejected(self, event: AchievementRejected) -> None:  # noqa: N802
        self.status = AchievementStatus.REJECTED

    def _when_AchievementPublished(self, event: AchievementPublished) -> None:  # noqa: N802
        self.status = AchievementStatus.PUBLISHED

    def _when_ConfidentialAccessGranted(self, event: ConfidentialAccessGranted) -> None:  # noqa: N802
        self.granted.add(event.company_id)

    def _when_AchievementWithdrawn(self, event: AchievementWithdrawn) -> None:  # noqa: N802
        self.status = AchievementStatus.WITHDRAWN
        self.merged_into = event.merged_into

    def _when_DuplicateSuspected(self, event: DuplicateSuspected) -> None:  # noqa: N802
        self.suspected[event.other_id] = event.reason

    def _when_DuplicateDismissed(self, event: DuplicateDismissed) -> None:  # noqa: N802
        self.suspected.pop(event.other_id, None)

    def _when_AchievementsMerged(self, event: AchievementsMerged) -> None:  # noqa: N802
        self.suspected.pop(event.merged_id, None)
        self.merged.add(event.merged_id)

    def _when_AchievementArchived(self, event: AchievementArchived) -> None:  # noqa: N802
        self.status = AchievementStatus.ARCHIVED


def _check_sub_field(field: IndustryField, sub_field: str | None) -> None:
    if sub_field is not None and not is_sub_field_of(field, sub_field):
        raise DomainError(
            "sub_field_mismatch",
            f"细分领域“{sub_field}”不属于所选领域",
            f"Sub-field {sub_field} does not belong to field {field}",
        )


def _check_confidential(names: list[str]) -> None:
    unknown = [n for n in names if n not in DETAIL_FIELDS or n == "confidential"]
    if unknown:
        raise DomainError(
            "unknown_field",
            f"不能设为保密的字段：{'、'.join(unknown)}",
            f"No such field to keep confidential: {', '.join(unknown)}",
        )
    public = sorted(ALWAYS_PUBLIC & set(names))
    if public:
        raise DomainError(
            "always_public",
            f"以下字段必须公开：{'、'.join(public)}",
            f"These fields are always public: {', '.join(public)}",
        )


def _same_institution(a: str, b: str) -> bool:
    def norm(name: str) -> str:
        return "".join(name.split()).replace("（", "(").replace("）", ")").lower()

    return bool(a and b) and norm(a) == norm(b)
