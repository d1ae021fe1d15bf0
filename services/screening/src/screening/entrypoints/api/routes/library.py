"""The project library as screening sees it (项目库)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, model_validator

from screening.adapters.library_queries import VISIBLE
from screening.application.library import library_definition
from screening.entrypoints.api.deps import LibraryDep, LibraryReader
from ztc_shared.contracts.intake import ALWAYS_PUBLIC
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.domain import NotFound
from ztc_shared.history import AsOf, fold, replay_until
from ztc_shared.web.errors import error_body
from ztc_shared.web.paging import Page, page_size_up_to

router = APIRouter(prefix="/library", tags=["library 项目库"])


class LibraryEntryPublic(BaseModel):
    """An entry of the library; a field its holder keeps confidential is absent (``null``)."""

    id: str = Field(validation_alias="_id")
    title: str
    abstract: str | None = None
    field: IndustryField
    field_name: str
    sub_field: str | None = None
    sub_field_name: str | None = None
    keywords: list[str] | None = None
    trl: int
    holder_name: str | None = None
    institution: str | None = None
    channel: str | None = None
    asking_price_wan: Decimal | None = None
    region: str
    status: str
    submitted_at: datetime | None = None
    stream_version: int

    @model_validator(mode="before")
    @classmethod
    def _withhold_confidential(cls, document: Any) -> Any:
        # The projection holds no confidential values, so an entry lacks them (a holder may keep
        # the abstract or the institution to themselves: that is not an error); entries projected
        # before it withheld them (until the library is rebuilt) must not show them either.
        if isinstance(document, dict):
            kept = set(document.get("confidential", [])) - ALWAYS_PUBLIC
            return {k: v for k, v in document.items() if k not in kept}
        return document


class LibraryPagePublic(BaseModel):
    items: list[LibraryEntryPublic]
    total: int
    page: int
    page_size: int


@router.get("", response_model=LibraryPagePublic, summary="项目库列表 List the library")
async def list_library(
    _reader: LibraryReader,
    library: LibraryDep,
    request: Request,
    as_of: AsOf,
    field: IndustryField | None = None,
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    page: Page = 1,
    page_size: Annotated[int, page_size_up_to(200)] = 20,
) -> LibraryPagePublic:
    """``as_of`` answers with the library as it stood then (时间回溯), rebuilt from intake's topic."""
    if as_of is not None:
        library = request.app.state.library_as_of(as_of)
    items, total = await library.search(
        field=field.value if field else None, region=region, page=page, page_size=page_size
    )
    return LibraryPagePublic(
        items=[LibraryEntryPublic.model_validate(item) for item in items],
        total=total,
        page=page,
        page_size=page_size,
    )


@router.get(
    "/{achievement_id}",
    response_model=LibraryEntryPublic,
    summary="项目库条目 One library entry (optionally waiting for your own write)",
    responses={503: {"description": "The projection has not reached min_version in time"}},
)
async def read_entry(
    achievement_id: str,
    _reader: LibraryReader,
    library: LibraryDep,
    request: Request,
    response: Response,
    as_of: AsOf,
    min_version: Annotated[
        int | None, Query(ge=1, description="等待投影达到的版本 Wait until this version is applied")
    ] = None,
    wait_ms: Annotated[int, Query(ge=0, le=10_000)] = 2_000,
) -> Any:
    if as_of is not None:
        # Rebuilt from intake's topic with the projection's own rules (ADR 14); reads the
        # achievement's partition from the start, so it is for audit, not for every page.
        settings = request.app.state.settings
        definition = library_definition(settings.topic_prefix)
        events = await replay_until(
            settings.kafka_bootstrap_servers, definition.topics, as_of, key=achievement_id
        )
        then = fold(definition.projector(), events).get(achievement_id)
        if then is None or then.get("status") not in VISIBLE:
            raise NotFound("library entry", achievement_id)
        response.headers["X-Stream-Version"] = str(then["stream_version"])
        return LibraryEntryPublic.model_validate(then)
    if min_version is None:
        document = await library.get(achievement_id)
        if document is None:
            raise NotFound("library entry", achievement_id)
        return LibraryEntryPublic.model_validate(document)
    document, reached = await library.wait_for(achievement_id, min_version, wait_ms / 1000)
    if not reached:
        applied = document.get("stream_version", 0) if document else 0
        return JSONResponse(
            error_body(
                request,
                "projection_behind",
                f"项目库尚未更新到版本 {min_version}（当前 {applied}），请稍后重试",
                f"The library has not applied version {min_version} yet (it is at {applied}); "
                "retry shortly",
                applied_version=applied,
                wanted_version=min_version,
            ),
            status_code=503,
            headers={"Retry-After": "1"},
        )
    assert document is not None
    response.headers["X-Stream-Version"] = str(document["stream_version"])
    return LibraryEntryPublic.model_validate(document)
