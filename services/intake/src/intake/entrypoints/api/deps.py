"""Dependency aliases of intake's routes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request

from intake.adapters.queries import IntakeQueries
from intake.application.projections import initialise_segmenter
from intake.bootstrap import Intake, intake_queries, projection_definitions
from intake.config import IntakeSettings
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.domain import OPERATORS, DomainError
from ztc_shared.history import AsOf
from ztc_shared.history.collections import AsOfBuilder, AsOfCatalog
from ztc_shared.mongo import make_client
from ztc_shared.web import CommandContextFor, require_roles

SUBMITTERS = (Role.HOLDER, Role.SUPPORT_ORG)
READERS = (Role.HOLDER, Role.SUPPORT_ORG, Role.EXPERT, Role.PROVINCE, Role.TORCH_CENTER)


async def get_intake(request: Request) -> Intake:
    intake: Intake = request.app.state.intake
    return intake


IntakeDep = Annotated[Intake, Depends(get_intake)]
SubmitterContext = Annotated[CommandContext, Depends(CommandContextFor(*SUBMITTERS))]
Reader = Annotated[Principal, Depends(require_roles(*READERS))]


@asynccontextmanager
async def read_side(app: FastAPI) -> AsyncIterator[None]:
    """The read side of the catalogue and public routes: a database connection of its own and the
    queries over the projections. Both routers name this lifespan; the first to start opens it.
    jieba's dictionary loads in the background meanwhile, so the first search need not wait."""
    if getattr(app.state, "queries", None) is not None:
        yield
        return
    settings: IntakeSettings = app.state.settings
    client = make_client(settings.mongodb_uri)
    database = client[settings.database]
    app.state.queries = intake_queries(settings, database)
    builder = AsOfBuilder(
        database, settings.kafka_bootstrap_servers, projection_definitions(settings)
    )
    app.state.queries_as_of = lambda moment: IntakeQueries(
        database,
        AsOfCatalog(database, settings.service, settings.topic_prefix, builder, moment),
    )
    warm = asyncio.create_task(asyncio.to_thread(initialise_segmenter))
    try:
        yield
    finally:
        app.state.queries = None
        await asyncio.gather(warm, return_exceptions=True)
        await builder.close()
        await client.close()


async def get_queries(request: Request, as_of: AsOf) -> IntakeQueries:
    """The queries over the live projections, or — with ``as_of`` (时间回溯) — over the projections
    as they stood then, rebuilt from intake's topic: every list, search and export takes it."""
    if as_of is not None:
        then: IntakeQueries = request.app.state.queries_as_of(as_of)
        return then
    queries: IntakeQueries = request.app.state.queries
    return queries


QueriesDep = Annotated[IntakeQueries, Depends(get_queries)]


async def get_live_queries(request: Request) -> IntakeQueries:
    """The queries over the live projections only: for the public routes, which take no
    ``as_of`` — an achievement withdrawn or made confidential since must not be disclosed again
    through the past, and an anonymous caller must not start replays of the topic. Asked for one,
    they say so (422) rather than answer about today as if it were then."""
    if "as_of" in request.query_params:
        raise DomainError(
            "as_of_not_public",
            "公开检索只提供当前已公开的成果，不支持时间回溯（as_of）",
            "The public search shows what is published now; it takes no as_of",
        )
    queries: IntakeQueries = request.app.state.queries
    return queries


LiveQueriesDep = Annotated[IntakeQueries, Depends(get_live_queries)]
OperatorReader = Annotated[Principal, Depends(require_roles(*OPERATORS))]
