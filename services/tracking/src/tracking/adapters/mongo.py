"""MongoDB adapters: reading the facts projection (whichever generation is active) and the
reactor's roadshow directory."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from tracking.application.facts import CASE, NAME
from tracking.application.figures import Facts, summary_figures
from ztc_shared.contracts.tracking import SummaryFigures
from ztc_shared.projections import MongoProjectionCatalog

DIRECTORY = "roadshow_directory"
_PRIVATE = {"_versions": 0}


class MongoFacts:
    """Queries over the facts projection."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        catalog: MongoProjectionCatalog,
        collection: str | None = None,
    ) -> None:
        self._database = database
        self._catalog = catalog
        self._fixed = collection  # a given generation's collection (rebuild comparisons)

    async def collection(self) -> AsyncCollection[dict[str, Any]]:
        if self._fixed is not None:
            return self._database[self._fixed]
        generation = await self._catalog.active_cached(NAME)
        return self._database[generation.collection]

    async def all(self) -> Facts:
        collection = await self.collection()
        return Facts([d async for d in collection.find({}, projection=_PRIVATE)])

    async def summary_figures(self, host_id: str, year: int) -> SummaryFigures:
        return summary_figures(await self.all(), host_id, year)

    async def cases(self, filters: dict[str, Any], limit: int = 500) -> list[dict[str, Any]]:
        collection = await self.collection()
        query = {"kind": CASE, **filters}
        cursor = collection.find(query, projection={**_PRIVATE, "timeline": 0})
        documents = [d async for d in cursor.limit(limit)]
        documents.sort(key=lambda d: (d.get("next_follow_up") or "9999", d["_id"]))
        return documents

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
