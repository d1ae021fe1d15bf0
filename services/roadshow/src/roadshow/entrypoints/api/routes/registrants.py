"""Erasing a registering company's contact person (个人信息删除, 个人信息保护法)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from roadshow.domain.commands import EraseRegistrant
from roadshow.entrypoints.api.deps import ErasureContext, RoadshowDep
from ztc_shared.contracts.identifiers import CREDIT_CODE_PATTERN
from ztc_shared.web import reply_to

router = APIRouter(prefix="/registrants", tags=["registrants 报名联系人"])


@router.post(
    "/{company_id}/erasure",
    summary="删除报名联系人信息 Erase a registering company's contact person",
    description="The company itself, or an operator acting on a request. Every registration's "
    "contact person of that company becomes unreadable wherever the event is kept (its key is "
    "deleted), and every service forgets what it learned from it. A second request changes "
    "nothing.",
)
async def erase_registrant(
    company_id: Annotated[str, Path(pattern=CREDIT_CODE_PATTERN)],
    context: ErasureContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, EraseRegistrant(company_id=company_id), context, response, None)
