"""Reading the roadshow calendar from MongoDB, from whichever generation is active."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from pymongo import ASCENDING, DESCENDING
from pymongo.asynchronous.database import AsyncDatabase

from roadshow.application.calendar import CALENDAR, PUBLIC_KEYS
from ztc_shared.projections import MongoProjectionCatalog

PROJECTION = dict.fromkeys(PUBLIC_KEYS, 1)


@dataclass(frozen=True)
class CalendarQuery:
    year: int | None = None
    status: str | None = None
    region: str | None = None  # a province (two digits kept) or a city
    host_id: str | None = None
    upcoming_from: date | None = None  # only roadshows on or after this day, soonest first
    page: int = 1
    page_size: int = 50

    def filter(self) -> dict[str, Any]:
        query: dict[str, Any] = {}
        if self.year is not None:
            query["year"] = self.year
        if self.status:
            query["status"] = self.status
        if self.host_id:
            query["host_id"] = self.host_id
        if self.region:
            stem = self.region.rstrip("0") or self.region
            query["region"] = {"$regex": f"^{stem}"}
        if self.upcoming_from is not None:
            query["event_date"] = {"$gte": self.upcoming_from.isoformat()}
        return query


class CalendarQueries:
    def __init__(
        self, database: AsyncDatabase[dict[str, Any]], catalog: MongoProjectionCatalog
    ) -> None:
        self._database = database
        self._catalog = catalog

    async def search(self, query: CalendarQuery) -> tuple[int, list[dict[str, Any]]]:
        generation = await self._catalog.active_cached(CALENDAR)
        collection = self._database[generation.collection]
        where = query.filter()
        total = await collection.count_documents(where)
        order = ASCENDING if query.upcoming_from is not None else DESCENDING
        found = (
            collection.find(where, projection=PROJECTION)
            .sort([("event_date", order), ("_id", ASCENDING)])
            .skip((query.page - 1) * query.page_size)
            .limit(query.page_size)
        )
        return total, [document async for document in found]
