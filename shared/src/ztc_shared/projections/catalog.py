"""Projection generations: which collection and consumer group serve a projection now.

A rebuild replays the topics from the start into a new collection with a new consumer group (the next
generation). Once it has caught up it is switched in with one conditional update of the catalog
document; the worker of the old generation sees the switch, stops, and restarts on the new one, whose
group has committed offsets consistent with its collection. Each collection is only ever written by its
own generation's group, in partition order, so the version guard always holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

CATALOG = "projection_catalog"


@dataclass(frozen=True)
class Generation:
    projection: str
    number: int
    collection: str
    group_id: str

    @staticmethod
    def of(service: str, projection: str, number: int, prefix: str = "") -> Generation:
        """``prefix`` is the deployment's topic prefix: groups of isolated runs never meet."""
        return Generation(
            projection=projection,
            number=number,
            collection=f"{projection}_g{number}",
            group_id=f"{prefix}ztc-{service}-{projection}-g{number}",
        )


class MongoProjectionCatalog:
    def __init__(
        self, database: AsyncDatabase[dict[str, Any]], service: str, prefix: str = ""
    ) -> None:
        self._catalog = database[CATALOG]
        self._service = service
        self.prefix = prefix
        self._cache: dict[str, tuple[float, Generation]] = {}

    async def active(self, projection: str) -> Generation:
        """The generation serving ``projection``; the first one is registered on first use."""
        document = await self._catalog.find_one({"_id": projection})
        if document is None:
            first = Generation.of(self._service, projection, 1, self.prefix)
            try:
                await self._catalog.insert_one(
                    {
                        "_id": projection,
                        "generation": 1,
                        "collection": first.collection,
                        "group_id": first.group_id,
                        "switched_at": datetime.now(UTC),
                    }
                )
            except DuplicateKeyError:
                pass  # registered concurrently by another process
            document = await self._catalog.find_one({"_id": projection})
            assert document is not None
        return Generation(
            projection=projection,
            number=int(document["generation"]),
            collection=str(document["collection"]),
            group_id=str(document["group_id"]),
        )

    async def active_cached(self, projection: str, max_age: float = 1.0) -> Generation:
        """For readers: the active generation, looked up at most once per ``max_age`` seconds."""
        cached = self._cache.get(projection)
        now = time.monotonic()
        if cached is not None and now - cached[0] < max_age:
            return cached[1]
        generation = await self.active(projection)
        self._cache[projection] = (now, generation)
        return generation

    async def switch(self, current: Generation, new: Generation) -> bool:
        """Make ``new`` active, only if ``current`` still is (another rebuild may have won)."""
        result = await self._catalog.update_one(
            {"_id": current.projection, "generation": current.number},
            {
                "$set": {
                    "generation": new.number,
                    "collection": new.collection,
                    "group_id": new.group_id,
                    "switched_at": datetime.now(UTC),
                    "previous_collection": current.collection,
                }
            },
        )
        self._cache.pop(current.projection, None)
        return result.modified_count == 1
