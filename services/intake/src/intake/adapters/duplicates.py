"""Duplicate candidates from the catalogue projection (the active generation).

One query per submission: achievements sharing an IP number, or of the same institution. On FerretDB
that query scans the catalogue (fine at the scale of a provincial library); on MongoDB the indexes on
``institution`` and ``ip_items.number`` answer it. The catalogue is eventually consistent: two
duplicates submitted within the same second may not see each other; an operator still sees both in
the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from intake.application.duplicates import suspects
from ztc_shared.projections import MongoProjectionCatalog

CATALOGUE = "catalogue"
_FIELDS = {"title": 1, "institution": 1, "ip_items": 1, "status": 1, "merged_into": 1}


class CatalogueDuplicateFinder:
    def __init__(
        self, database: AsyncDatabase[dict[str, Any]], catalog: MongoProjectionCatalog
    ) -> None:
        self._database = database
        self._catalog = catalog

    async def find(self, achievement_id: str, details: Mapping[str, Any]) -> list[tuple[str, str]]:
        generation = await self._catalog.active_cached(CATALOGUE)
        collection = self._database[generation.collection]
        numbers = [str(item["number"]) for item in details.get("ip_items") or []]
        either: list[dict[str, Any]] = [{"institution": details.get("institution", "")}]
        if numbers:
            either.append({"ip_items.number": {"$in": numbers}})
        candidates = [
            document async for document in collection.find({"$or": either}, projection=_FIELDS)
        ]
        return suspects(achievement_id, details, candidates)
