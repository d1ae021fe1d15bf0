"""Achievements (科技成果): draft, submit, read."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response, status
from pydantic import BaseModel

from intake.domain.commands import DraftAchievement, SubmitAchievement
from intake.entrypoints.api.deps import IntakeDep, Reader, SubmitterContext
from ztc_shared.contracts.intake import AchievementDrafted
from ztc_shared.domain import NotFound
from ztc_shared.events import EVENTS

router = APIRouter(prefix="/achievements", tags=["achievements 科技成果"])


class AchievementAccepted(BaseModel):
    id: str
    status: str | None
    stream_version: int


class AchievementPublic(BaseModel):
    id: str
    status: str
    stream_version: int
    draft: dict[str, Any]


def _headers(response: Response, version: int, replayed: bool) -> None:
    response.headers["X-Stream-Version"] = str(version)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AchievementAccepted,
    summary="创建科技成果草稿 Draft an achievement",
)
async def draft_achievement(
    command: DraftAchievement, context: SubmitterContext, intake: IntakeDep, response: Response
) -> dict[str, Any]:
    result = await intake.handle(command, context)
    _headers(response, result.stream_version, result.replayed)
    response.headers["Location"] = f"/achievements/{result.stream_id}"
    return result.body


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
    result = await intake.handle(command, context, achievement_id)
    _headers(response, result.stream_version, result.replayed)
    return result.body


@router.get(
    "/{achievement_id}",
    response_model=AchievementPublic,
    summary="查看科技成果（写入端） Read an achievement from its events",
)
async def read_achievement(
    achievement_id: str, _reader: Reader, intake: IntakeDep
) -> AchievementPublic:
    loaded = await intake.ports.store.load(achievement_id)
    if loaded.version == 0:
        raise NotFound("achievement", achievement_id)
    draft: dict[str, Any] = {}
    state = "draft"
    for envelope in loaded.events:
        payload = EVENTS.payload(envelope)
        if isinstance(payload, AchievementDrafted):
            draft = payload.model_dump(mode="json")
        elif envelope.event_type == "AchievementSubmitted":
            state = "submitted"
    return AchievementPublic(
        id=achievement_id, status=state, stream_version=loaded.version, draft=draft
    )
