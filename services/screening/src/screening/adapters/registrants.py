"""Roadshows' approved registrants in screening's MongoDB (``roadshow_registrants``): one document
per roadshow, ``seats.<credit code>`` set by each event, so applying an event twice changes nothing."""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from screening.application.registrants import CONFIRMED

COLLECTION = "roadshow_registrants"


class MongoRegistrants:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._collection = database[COLLECTION]

    async def confirmed(self, roadshow_id: str) -> list[str]:
        document = await self._collection.find_one({"_id": roadshow_id})
        seats: dict[str, str] = (document or {}).get("seats", {})
        return [company for company, seat in seats.items() if seat == CONFIRMED]

    async def record(self, roadshow_id: str, company_id: str, seat: str) -> None:
        await self._collection.update_one(
            {"_id": roadshow_id}, {"$set": {f"seats.{company_id}": seat}}, upsert=True
        )
