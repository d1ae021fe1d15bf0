"""Finding the same result arriving twice (重复成果): a shared patent number, or the same institution
and a near-identical title once both are normalised.

``suspects`` is pure and shared by both finders: the MongoDB one reads candidates from the catalogue
projection, the in-memory one (unit tests) from a list. A suspicion is recorded on the submitted
achievement (``DuplicateSuspected``) for operators to merge or dismiss; nothing is dropped.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from difflib import SequenceMatcher
from typing import Any, Protocol

# How alike two normalised titles of one institution must be to be suspected.
TITLE_SIMILARITY = 0.9
GONE = frozenset({"withdrawn", "archived"})
_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_title(title: str) -> str:
    """Full-width to half-width, lower case, no spaces or punctuation."""
    return _NOISE.sub("", unicodedata.normalize("NFKC", title)).lower()


def normalise_number(number: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", number)).upper()


def normalise_institution(name: str) -> str:
    return _NOISE.sub("", unicodedata.normalize("NFKC", name))


def ip_numbers(details: Mapping[str, Any]) -> list[str]:
    return [normalise_number(str(item["number"])) for item in details.get("ip_items") or []]


def suspects(
    achievement_id: str, details: Mapping[str, Any], candidates: Iterable[Mapping[str, Any]]
) -> list[tuple[str, str]]:
    """``(other id, reason in Chinese)`` for each candidate that looks like the same result."""
    numbers = set(ip_numbers(details))
    title = normalise_title(str(details.get("title", "")))
    institution = normalise_institution(str(details.get("institution", "")))
    found: list[tuple[str, str]] = []
    for other in candidates:
        other_id = str(other["_id"])
        if other_id == achievement_id or other.get("status") in GONE:
            continue
        if other.get("merged_into"):
            continue
        shared = sorted(numbers & set(ip_numbers(other)))
        if shared:
            found.append((other_id, f"共有知识产权编号：{'、'.join(shared)}"))
            continue
        same_place = institution and institution == normalise_institution(
            str(other.get("institution", ""))
        )
        if not same_place:
            continue
        similarity = SequenceMatcher(
            None, title, normalise_title(str(other.get("title", "")))
        ).ratio()
        if similarity >= TITLE_SIMILARITY:
            found.append(
                (
                    other_id,
                    f"同一单位（{other.get('institution')}）且成果名称相近："
                    f"“{other.get('title')}”（相似度 {similarity:.0%}）",
                )
            )
    return found


class DuplicateFinder(Protocol):
    async def find(self, achievement_id: str, details: Mapping[str, Any]) -> list[tuple[str, str]]:
        """Achievements already known that look like this one, with the reason."""
        ...


class InMemoryDuplicateFinder:
    """Candidates from a list (unit tests); the same matching as the MongoDB finder."""

    def __init__(self, documents: Sequence[Mapping[str, Any]] = ()) -> None:
        self.documents = list(documents)

    async def find(self, achievement_id: str, details: Mapping[str, Any]) -> list[tuple[str, str]]:
        return suspects(achievement_id, details, self.documents)


class NoDuplicateFinder:
    """For a service wired without a catalogue: nothing is ever suspected."""

    async def find(self, achievement_id: str, details: Mapping[str, Any]) -> list[tuple[str, str]]:
        return []
