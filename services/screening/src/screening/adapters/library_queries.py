"""Reading the library projection from MongoDB, from whichever generation is active."""

from __future__ import annotations

from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from screening.application.library import LIBRARY
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.projections.processing import STATUS
from ztc_shared.projections.watch import AppliedWatch

# Drafts stay with their holders until submitted; returned, rejected, withdrawn and archived ones
# leave the working library.
VISIBLE = ["submitted", "under_evaluation", "admitted", "published"]
_PRIVATE = {"_versions": 0}


class LibraryQueries:
    def __init__(
        self, database: AsyncDatabase[dict[str, Any]], catalog: MongoProjectionCatalog
    ) -> None:
        self._database = database
        self._catalog = catalog
        self._watch = AppliedWatch(database[STATUS], LIBRARY)

    async def _collection(self) -> AsyncCollection[dict[str, Any]]:
        generation = await self._catalog.active_cached(LIBRARY)
        return self._database[generation.collection]

    async def get(self, achievement_id: str) -> dict[str, Any] | None:
        collection = await self._collection()
        # By ``_id`` alone, which every MongoDB-wire server answers without a scan.
        document = await collection.find_one({"_id": achievement_id}, projection=_PRIVATE)
        if document is None or document.get("status") not in VISIBLE:
            return None
        return document

    async def wait_for(
        self, achievement_id: str, min_version: int, wait: float
    ) -> tuple[dict[str, Any] | None, bool]:
        """Read-your-own-write: the entry once it has applied ``min_version``, or what there is
        when ``wait`` seconds have passed (then ``False``)."""
        latest: dict[str, Any] | None = None

        async def reached() -> dict[str, Any] | None:
            nonlocal latest
            latest = await self.get(achievement_id)
            if latest is not None and latest.get("stream_version", 0) >= min_version:
                return latest
            return None

        document = await self._watch.wait_for(reached, wait)
        return (document, True) if document is not None else (latest, False)

    async def applied_token(self) -> tuple[Any, ...]:
        """Changes whenever the worker records a batch (or a rebuild switches generations)."""
        generation = await self._catalog.active_cached(LIBRARY)
        status = await self._database[STATUS].find_one(
            {"_id": LIBRARY}, projection={"applied_total": 1, "applied_at": 1}
        )
        applied = (status.get("applied_total"), status.get("applied_at")) if status else ()
        return (generation.collection, *applied)

    async def entries(self, fields: dict[str, int]) -> list[dict[str, Any]]:
        """Every entry with only ``fields`` (a scan: for the recommendation index, which compares
        versions and re-reads nothing it already holds)."""
        collection = await self._collection()
        return [doc async for doc in collection.find({}, projection=fields)]

    async def search(
        self, *, field: str | None, region: str | None, page: int, page_size: int
    ) -> tuple[list[dict[str, Any]], int]:
        query: dict[str, Any] = {"status": {"$in": VISIBLE}}
        if field:
            query["field"] = field
        if region:
            query["region"] = region
        collection = await self._collection()
        total = await collection.count_documents(query)
        cursor = (
            collection.find(query, projection=_PRIVATE)
            .sort([("submitted_at", DESCENDING), ("_id", DESCENDING)])
            .skip((page - 1) * page_size)
            .limit(page_size)
        )
        return [doc async for doc in cursor], total
