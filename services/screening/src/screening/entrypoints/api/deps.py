"""Dependency aliases of screening's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from screening.adapters.library_queries import LibraryQueries
from screening.bootstrap import Screening
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.domain import OPERATORS
from ztc_shared.web import CommandContextFor, require_roles

LIBRARY_READERS = (
    Role.SUPPORT_ORG,
    Role.HOST,
    Role.PROVINCE,
    Role.TORCH_CENTER,
    Role.SZSE,
    Role.EXPERT,
)


async def get_library(request: Request) -> LibraryQueries:
    library: LibraryQueries = request.app.state.library
    return library


LibraryDep = Annotated[LibraryQueries, Depends(get_library)]
LibraryReader = Annotated[Principal, Depends(require_roles(*LIBRARY_READERS))]


async def get_screening(request: Request) -> Screening:
    screening: Screening = request.app.state.screening
    return screening


ScreeningDep = Annotated[Screening, Depends(get_screening)]

# The round's people: who opens and decides (承办单位, 主办单位) and who curates (技术转移机构).
ORGANISERS = (Role.HOST, *OPERATORS)
CURATORS = (Role.SUPPORT_ORG, Role.HOST)
ROUND_READERS = (Role.HOST, Role.SUPPORT_ORG, *OPERATORS)

OrganiserContext = Annotated[CommandContext, Depends(CommandContextFor(*ORGANISERS))]
CuratorContext = Annotated[CommandContext, Depends(CommandContextFor(*CURATORS))]
CompanyContext = Annotated[CommandContext, Depends(CommandContextFor(Role.COMPANY))]
RoundReader = Annotated[Principal, Depends(require_roles(*ROUND_READERS, Role.COMPANY))]
