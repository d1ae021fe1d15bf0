"""Screening's composition root."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from screening.adapters.library_queries import LibraryQueries
from screening.application.library import PROJECTIONS
from screening.config import ScreeningSettings
from ztc_shared.projections import MongoProjectionCatalog, ProjectionDefinition


def projection_definitions(settings: ScreeningSettings) -> dict[str, ProjectionDefinition]:
    return {name: build(settings.topic_prefix) for name, build in PROJECTIONS.items()}


def library_queries(
    settings: ScreeningSettings, database: AsyncDatabase[dict[str, Any]]
) -> LibraryQueries:
    return LibraryQueries(
        database, MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
    )
