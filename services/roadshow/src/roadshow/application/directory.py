"""What roadshow knows of other services' records: achievements (from intake) and screening rounds
(from screening), kept by the ``screening`` reaction and read by the online channel and the
shortlist reaction.

The directory is a port; ``adapters/directory.py`` keeps it in roadshow's MongoDB and
``InMemoryDirectory`` serves unit tests (both pass ``tests/unit/test_directory.py``'s contract).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

# The fields of intake's achievement events that roadshow keeps.
CARD_FIELDS = ("title", "holder_id", "holder_name", "institution", "field")


@dataclass(frozen=True)
class AchievementCard:
    achievement_id: str
    title: str = ""
    holder_id: str | None = None
    holder_name: str = ""
    institution: str = ""
    field: str | None = None


@dataclass(frozen=True)
class RoundCard:
    round_id: str
    roadshow_ref: str
    host_id: str | None
    candidates: dict[str, dict[str, Any]] = field(default_factory=dict)  # id → title, field


class Directory(Protocol):
    async def achievement(self, achievement_id: str) -> AchievementCard | None: ...

    async def achievements(self, ids: list[str]) -> dict[str, AchievementCard]: ...

    async def round(self, round_id: str) -> RoundCard | None: ...

    async def remember_achievement(self, achievement_id: str, values: dict[str, Any]) -> None:
        """Set the given card fields (others are kept); idempotent."""

    async def remember_round(
        self, round_id: str, roadshow_ref: str, host_id: str | None
    ) -> None: ...

    async def remember_candidate(
        self, round_id: str, achievement_id: str, title: str, field_code: str
    ) -> None: ...


def card_values(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in CARD_FIELDS}


class InMemoryDirectory:
    def __init__(self) -> None:
        self.cards: dict[str, dict[str, Any]] = {}
        self.rounds: dict[str, dict[str, Any]] = {}

    async def achievement(self, achievement_id: str) -> AchievementCard | None:
        card = self.cards.get(achievement_id)
        return AchievementCard(achievement_id, **card) if card is not None else None

    async def achievements(self, ids: list[str]) -> dict[str, AchievementCard]:
        return {i: AchievementCard(i, **self.cards[i]) for i in ids if i in self.cards}

    async def round(self, round_id: str) -> RoundCard | None:
        found = self.rounds.get(round_id)
        if found is None or "roadshow_ref" not in found:
            return None
        return RoundCard(
            round_id, found["roadshow_ref"], found.get("host_id"), dict(found["candidates"])
        )

    async def remember_achievement(self, achievement_id: str, values: dict[str, Any]) -> None:
        self.cards.setdefault(achievement_id, {}).update(card_values(values))

    async def remember_round(self, round_id: str, roadshow_ref: str, host_id: str | None) -> None:
        entry = self.rounds.setdefault(round_id, {"candidates": {}})
        entry.update(roadshow_ref=roadshow_ref, host_id=host_id)

    async def remember_candidate(
        self, round_id: str, achievement_id: str, title: str, field_code: str
    ) -> None:
        entry = self.rounds.setdefault(round_id, {"candidates": {}})
        entry["candidates"][achievement_id] = {"title": title, "field": field_code}
