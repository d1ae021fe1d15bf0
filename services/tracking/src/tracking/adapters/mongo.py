"""MongoDB adapters: reading the facts projection (whichever generation is active) and the
reactor's roadshow directory.

The figures need every facts document, and a MongoDB-wire server without a usable index (FerretDB
scans a collection for any query but one by ``_id``) takes seconds to return a province's thousands
of them (docs/benchmarks.md). So ``MongoFacts.all`` keeps the last read in memory, tagged with the
projection's status (generation, events applied, time of the last batch): an unchanged status is
answered from memory, a changed one from memory while one background read refreshes it (at most
``max_stale`` seconds old), and only the first question waits for the read.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from tracking.application.facts import CASE, NAME
from tracking.application.figures import Facts, summary_figures
from ztc_shared.contracts.tracking import SummaryFigures
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.projections.processing import STATUS

DIRECTORY = "roadshow_directory"
_PRIVATE = {"_versions": 0}


def cases_of(facts: Facts, filters: dict[str, Any], limit: int = 500) -> list[dict[str, Any]]:
    """The cases among ``facts`` whose fields equal ``filters``, soonest follow-up first."""
    documents = [
        d
        for d in facts.of(CASE)
        if "achievement_id" in d and all(d.get(k) == v for k, v in filters.items())
    ]
    documents.sort(key=lambda d: (d.get("next_follow_up") or "9999", d["_id"]))
    return documents[:limit]


class MongoFacts:
    """Queries over the facts projection."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        catalog: MongoProjectionCatalog,
        collection: str | None = None,
        *,
        max_stale: float = 30.0,
    ) -> None:
        self._database = database
        self._catalog = catalog
        self._fixed = collection  # a given generation's collection (rebuild comparisons)
        self.max_stale = max_stale
        self._cached: tuple[tuple[Any, ...], float, Facts] | None = None
        self._refresh: asyncio.Task[Facts] | None = None
        self.reads = 0

    async def collection(self) -> AsyncCollection[dict[str, Any]]:
        if self._fixed is not None:
            return self._database[self._fixed]
        generation = await self._catalog.active_cached(NAME)
        return self._database[generation.collection]

    async def all(self) -> Facts:
        """Every facts document, indexed for the figures (see the module's docstring)."""
        if self._fixed is not None:
            return await self._read(self._fixed)
        token = await self._token()
        cached = self._cached
        if cached is not None and cached[0] == token:
            return cached[2]
        if self._refresh is None or self._refresh.done():
            self._refresh = asyncio.create_task(self._reload(token))
        if cached is not None and time.monotonic() - cached[1] < self.max_stale:
            return cached[2]
        return await asyncio.shield(self._refresh)

    async def _token(self) -> tuple[Any, ...]:
        generation = await self._catalog.active_cached(NAME)
        status = await self._database[STATUS].find_one(
            {"_id": NAME}, projection={"applied_total": 1, "applied_at": 1, "generation": 1}
        )
        applied = (
            (status.get("generation"), status.get("applied_total"), status.get("applied_at"))
            if status
            else ()
        )
        return (generation.collection, *applied)

    async def _reload(self, token: tuple[Any, ...]) -> Facts:
        generation = await self._catalog.active_cached(NAME)
        facts = await self._read(generation.collection)
        self._cached = (token, time.monotonic(), facts)
        return facts

    async def _read(self, collection: str) -> Facts:
        self.reads += 1
        # The figures need no timelines: leaving them out halves what the server sends.
        cursor = self._database[collection].find({}, projection={**_PRIVATE, "timeline": 0})
        return Facts([d async for d in cursor])

    async def summary_figures(self, host_id: str, year: int) -> SummaryFigures:
        return summary_figures(await self.all(), host_id, year)

    async def cases(self, filters: dict[str, Any], limit: int = 500) -> list[dict[str, Any]]:
        """Cases whose fields equal ``filters``, soonest follow-up first (from ``all``)."""
        return cases_of(await self.all(), filters, limit)

    async def case(self, case_id: str) -> dict[str, Any] | None:
        collection = await self.collection()
        return await collection.find_one({"_id": case_id}, projection=_PRIVATE)

    async def about(
        self, *, achievement_id: str | None = None, company_id: str | None = None
    ) -> list[dict[str, Any]]:
        collection = await self.collection()
        query = (
            {"achievement_ids": achievement_id} if achievement_id else {"company_ids": company_id}
        )
        return [d async for d in collection.find(query, projection=_PRIVATE)]


class MongoRoadshowDirectory:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._collection = database[DIRECTORY]

    async def get(self, roadshow_id: str) -> dict[str, Any] | None:
        document = await self._collection.find_one({"_id": roadshow_id})
        if document is None:
            return None
        document.pop("_id", None)
        return document

    async def merge(self, roadshow_id: str, fields: dict[str, Any]) -> None:
        await self._collection.update_one({"_id": roadshow_id}, {"$set": fields}, upsert=True)
