"""The directory in roadshow's MongoDB: ``directory_achievements`` and ``directory_rounds``.

Every write is an upsert of the values an event carries (``$set``), so applying an event twice
leaves the same document.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from roadshow.application.directory import AchievementCard, RoundCard, card_values

ACHIEVEMENTS = "directory_achievements"
ROUNDS = "directory_rounds"


def _card(document: dict[str, Any]) -> AchievementCard:
    return AchievementCard(document["_id"], **card_values(document))


class MongoDirectory:
    def __init__(self, database: AsyncDatabase[dict[str, Any]]) -> None:
        self._achievements = database[ACHIEVEMENTS]
        self._rounds = database[ROUNDS]

    async def achievement(self, achievement_id: str) -> AchievementCard | None:
        document = await self._achievements.find_one({"_id": achievement_id})
        return _card(document) if document is not None else None

    async def achievements(self, ids: list[str]) -> dict[str, AchievementCard]:
        found = self._achievements.find({"_id": {"$in": ids}})
        return {d["_id"]: _card(d) async for d in found}

    async def round(self, round_id: str) -> RoundCard | None:
        document = await self._rounds.find_one({"_id": round_id})
        if document is None or "roadshow_ref" not in document:
            return None
        return RoundCard(
            round_id,
            document["roadshow_ref"],
            document.get("host_id"),
            dict(document.get("candidates", {})),
        )

    async def remember_achievement(self, achievement_id: str, values: dict[str, Any]) -> None:
        kept = card_values(values)
        if kept:
            await self._achievements.update_one(
                {"_id": achievement_id}, {"$set": kept}, upsert=True
            )

    async def remember_round(self, round_id: str, roadshow_ref: str, host_id: str | None) -> None:
        await self._rounds.update_one(
            {"_id": round_id},
            {"$set": {"roadshow_ref": roadshow_ref, "host_id": host_id}},
            upsert=True,
        )

    async def remember_candidate(
        self, round_id: str, achievement_id: str, title: str, field_code: str
    ) -> None:
        await self._rounds.update_one(
            {"_id": round_id},
            {"$set": {f"candidates.{achievement_id}": {"title": title, "field": field_code}}},
            upsert=True,
        )
