"""Dependency aliases of screening's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from screening.adapters.library_queries import LibraryQueries
from ztc_shared.auth import Principal, Role
from ztc_shared.web import require_roles

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
