"""Achievements (科技成果): the holder's commands, the operators' decisions, evaluation, reading."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Response, status
from pydantic import BaseModel

from intake.domain.access import Actor, not_yours
from intake.domain.achievement import STATUS_NAMES, Achievement
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
from intake.entrypoints.api.deps import READERS, IntakeDep, SubmitterContext
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.domain import OPERATORS, Forbidden, NotFound
from ztc_shared.events import EVENTS
from ztc_shared.history import AggregateSnapshots, AsOf, StreamHistoryDep
from ztc_shared.web import CommandContextFor, reply_to, require_roles

router = APIRouter(prefix="/achievements", tags=["achievements 科技成果"])

EVALUATORS = (Role.EXPERT, Role.SUPPORT_ORG)
OperatorContext = Annotated[CommandContext, Depends(CommandContextFor(*OPERATORS))]
EvaluatorContext = Annotated[CommandContext, Depends(CommandContextFor(*EVALUATORS))]
RecuserContext = Annotated[CommandContext, Depends(CommandContextFor(*OPERATORS, *EVALUATORS))]
# Companies read an achievement whole once its holder granted them access; the public fields of a
# published one are for everybody at /public/achievements.
AchievementReader = Annotated[Principal, Depends(require_roles(*READERS, Role.COMPANY))]
WithdrawerContext = Annotated[
    CommandContext, Depends(CommandContextFor(Role.HOLDER, Role.SUPPORT_ORG, *OPERATORS))
]


class AchievementAccepted(BaseModel):
    id: str
    status: str | None
    stream_version: int


class EvaluationView(BaseModel):
    evaluator_id: str
    scores: dict[str, int]
    mean: str
    recommendation: str
    comment: str


class AchievementView(BaseModel):
    id: str
    status: str
    status_name: str
    stream_version: int
    holder_id: str | None
    details: dict[str, Any]
    evaluators: list[dict[str, str]]
    recused: dict[str, str]
    evaluations: list[EvaluationView]
    combined_score: str | None
    suspected_duplicates: dict[str, str]
    merged: list[str]
    merged_into: str | None


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AchievementAccepted,
    summary="创建科技成果草稿 Draft an achievement",
)
async def draft_achievement(
    command: DraftAchievement, context: SubmitterContext, intake: IntakeDep, response: Response
) -> dict[str, Any]:
    body = await reply_to(intake, command, context, response)
    response.headers["Location"] = f"/achievements/{body['id']}"
    return body


@router.patch(
    "/{achievement_id}",
    response_model=AchievementAccepted,
    summary="修改成果信息 Change some fields (title, abstract, TRL or IP of a listed one: re-evaluation)",
)
async def update_achievement(
    achievement_id: str,
    command: UpdateAchievement,
    context: SubmitterContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/submit",
    response_model=AchievementAccepted,
    summary="提交科技成果 Submit an achievement for evaluation",
)
async def submit_achievement(
    achievement_id: str,
    context: SubmitterContext,
    intake: IntakeDep,
    response: Response,
    command: SubmitAchievement = Body(default_factory=SubmitAchievement),  # noqa: B008
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/resubmit",
    response_model=AchievementAccepted,
    summary="修改后重新提交 Resubmit after revision",
)
async def resubmit_achievement(
    achievement_id: str, context: SubmitterContext, intake: IntakeDep, response: Response
) -> dict[str, Any]:
    return await reply_to(intake, ResubmitAchievement(), context, response, achievement_id)


@router.post(
    "/{achievement_id}/grant-access",
    response_model=AchievementAccepted,
    summary="授权企业查看保密信息 Let a company see the confidential fields",
)
async def grant_access(
    achievement_id: str,
    command: GrantConfidentialAccess,
    context: SubmitterContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/withdraw",
    response_model=AchievementAccepted,
    summary="撤回 Withdraw (the holder, or an operator)",
)
async def withdraw_achievement(
    achievement_id: str,
    command: WithdrawAchievement,
    context: WithdrawerContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/return",
    response_model=AchievementAccepted,
    summary="退回修改 Return for revision, with reasons",
)
async def return_achievement(
    achievement_id: str,
    command: ReturnAchievement,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/evaluators",
    response_model=AchievementAccepted,
    summary="分配评估人 Assign evaluators (one of the holder's institution is recused)",
)
async def assign_evaluators(
    achievement_id: str,
    command: AssignEvaluators,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/recusals",
    response_model=AchievementAccepted,
    summary="评估人回避 Recuse an evaluator (the evaluator or an operator)",
)
async def recuse_evaluator(
    achievement_id: str,
    command: RecuseEvaluator,
    context: RecuserContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/evaluations",
    response_model=AchievementAccepted,
    summary="提交评估意见 An assigned evaluator's scores and recommendation",
)
async def evaluate_achievement(
    achievement_id: str,
    command: EvaluateAchievement,
    context: EvaluatorContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/admit",
    response_model=AchievementAccepted,
    summary="入库 Admit to the library",
)
async def admit_achievement(
    achievement_id: str,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
    command: AdmitAchievement = Body(default_factory=AdmitAchievement),  # noqa: B008
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/reject",
    response_model=AchievementAccepted,
    summary="不予入库 Reject, with reasons",
)
async def reject_achievement(
    achievement_id: str,
    command: RejectAchievement,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/publish",
    response_model=AchievementAccepted,
    summary="信息公开 Publish (public fields only)",
)
async def publish_achievement(
    achievement_id: str, context: OperatorContext, intake: IntakeDep, response: Response
) -> dict[str, Any]:
    return await reply_to(intake, PublishAchievement(), context, response, achievement_id)


@router.post(
    "/{achievement_id}/archive",
    response_model=AchievementAccepted,
    summary="归档 Archive",
)
async def archive_achievement(
    achievement_id: str,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
    command: ArchiveAchievement = Body(default_factory=ArchiveAchievement),  # noqa: B008
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/duplicates/merge",
    response_model=AchievementAccepted,
    summary="合并重复成果 Keep this one and merge the suspected duplicate into it",
)
async def merge_duplicate(
    achievement_id: str,
    command: MergeDuplicate,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


@router.post(
    "/{achievement_id}/duplicates/dismiss",
    response_model=AchievementAccepted,
    summary="保留两项 Keep both: the suspected duplicate is not one",
)
async def dismiss_duplicate(
    achievement_id: str,
    command: DismissDuplicate,
    context: OperatorContext,
    intake: IntakeDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(intake, command, context, response, achievement_id)


# Achievements as of a moment, from a snapshot every 100 events (see ADR 14).
ACHIEVEMENTS_AS_OF = AggregateSnapshots(Achievement)


def may_read(principal: Principal, achievement: Achievement) -> bool:
    """Holders their own; an institution (by its organisation id) its own; evaluators what they
    were assigned; a company what its holder granted it; the province (its region is checked at
    the route) and the Torch Center everything."""
    actor = Actor(
        id=principal.subject, role=principal.role.value, organisation=principal.organisation
    )
    if principal.role is Role.COMPANY:
        return principal.subject in achievement.granted
    if actor.is_operator or achievement.owned_by(actor):
        return True
    if principal.subject in achievement.assigned or principal.subject in achievement.evaluations:
        return True
    # the institution by its organisation id, never by the display name its token carries
    return principal.role is Role.SUPPORT_ORG and achievement.of_organisation(
        principal.organisation
    )


@router.get(
    "/{achievement_id}",
    response_model=AchievementView,
    summary="查看科技成果 Read an achievement (its holder, institution, evaluators, operators)",
    description="`as_of` answers with the achievement as it stood then (时间回溯); who may read it "
    "is decided by the achievement as it stands now.",
)
async def read_achievement(
    achievement_id: str,
    principal: AchievementReader,
    intake: IntakeDep,
    history: StreamHistoryDep,
    as_of: AsOf,
) -> AchievementView:
    loaded = await intake.ports.store.load(achievement_id)
    if loaded.version == 0 or loaded.events[0].event_type != "AchievementDrafted":
        raise NotFound("achievement", achievement_id)
    version = loaded.version
    if as_of is None:
        achievement = Achievement.rehydrate(
            achievement_id, [EVENTS.payload(e) for e in loaded.events]
        )
        guard = achievement
    else:
        # who may read it is decided by the achievement as it is now
        guard = ACHIEVEMENTS_AS_OF.rehydrate_events(achievement_id, loaded.events, scope=history)
        then = await ACHIEVEMENTS_AS_OF.as_of(history, achievement_id, as_of)
        if then.version == 0:
            raise NotFound("achievement", achievement_id)
        achievement, version = then.aggregate, then.version
    if not may_read(principal, guard):
        if principal.role is Role.COMPANY:
            raise Forbidden(
                "access_not_granted",
                "成果持有人尚未授权贵单位查看完整信息；公开信息见 /public/achievements",
                "The holder has not granted you access; public fields are at /public/achievements",
            )
        raise not_yours()
    assert achievement.status is not None
    combined = achievement.combined_score()
    if principal.role is Role.COMPANY:
        # A grant opens the result's own fields and its combined score, not the evaluation behind
        # it: who evaluated it, their scores, comments and recommendations, recusals and suspected
        # duplicates stay inside.
        return AchievementView(
            id=achievement_id,
            status=achievement.status.value,
            status_name=STATUS_NAMES[achievement.status],
            stream_version=version,
            holder_id=None,
            details=achievement.details,
            evaluators=[],
            recused={},
            evaluations=[],
            combined_score=str(combined) if combined is not None else None,
            suspected_duplicates={},
            merged=[],
            merged_into=None,
        )
    return AchievementView(
        id=achievement_id,
        status=achievement.status.value,
        status_name=STATUS_NAMES[achievement.status],
        stream_version=version,
        holder_id=achievement.holder_id,
        details=achievement.details,
        evaluators=[e.model_dump() for e in achievement.assigned.values()],
        recused=achievement.recused,
        evaluations=[
            EvaluationView(
                evaluator_id=e.evaluator_id,
                scores=e.scores.model_dump(),
                mean=str(e.scores.mean()),
                recommendation=e.recommendation.value,
                comment=e.comment,
            )
            for e in achievement.evaluations.values()
        ],
        combined_score=str(combined) if combined is not None else None,
        suspected_duplicates=achievement.suspected,
        merged=sorted(achievement.merged),
        merged_into=achievement.merged_into,
    )
