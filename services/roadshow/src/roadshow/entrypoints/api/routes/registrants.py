"""Erasing a registering company's contact person (个人信息删除, 个人信息保护法)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response

from roadshow.domain.commands import EraseRegistrant
from roadshow.entrypoints.api.deps import ErasureContext, RoadshowDep
from ztc_shared.contracts.identifiers import CreditCode
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
    # checked as the command checks it (the GB 32100-2015 check character too): a code the
    # command would refuse is a 422 here, not a failure inside the route
    company_id: Annotated[CreditCode, Path(description="统一社会信用代码 Credit code")],
    context: ErasureContext,
    roadshow: RoadshowDep,
    response: Response,
) -> dict[str, Any]:
    return await reply_to(roadshow, EraseRegistrant(company_id=company_id), context, response, None)
