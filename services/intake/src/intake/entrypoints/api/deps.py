"""Dependency aliases of intake's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from intake.bootstrap import Intake
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.web import CommandContextFor, require_roles

SUBMITTERS = (Role.HOLDER, Role.SUPPORT_ORG)
READERS = (Role.HOLDER, Role.SUPPORT_ORG, Role.EXPERT, Role.PROVINCE, Role.TORCH_CENTER)


async def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]
SubmitterContext = Annotated[CommandContext, Depends(CommandContextFor(*SUBMITTERS))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]
