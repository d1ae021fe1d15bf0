"""The companies whose registration for a roadshow was approved (报名审核通过), as roadshow's
events tell screening: the ones a round pushes its longlist to when the host names none.

A port with an in-memory fake (unit tests) and a MongoDB adapter (``adapters/registrants.py``);
both pass ``tests/unit/test_registrants.py``'s contract.
"""

from __future__ import annotations

from typing import Protocol

CONFIRMED = "confirmed"


class Registrants(Protocol):
    async def confirmed(self, roadshow_id: str) -> list[str]:
        """The companies with a confirmed seat, in the order they were first recorded."""

    async def record(self, roadshow_id: str, company_id: str, seat: str) -> None:
        """The company's seat now (``confirmed``, ``waitlisted``, ``declined``, ``cancelled``)."""


class InMemoryRegistrants:
    def __init__(self) -> None:
        self.seats: dict[str, dict[str, str]] = {}

    async def confirmed(self, roadshow_id: str) -> list[str]:
        return [c for c, s in self.seats.get(roadshow_id, {}).items() if s == CONFIRMED]

    async def record(self, roadshow_id: str, company_id: str, seat: str) -> None:
        self.seats.setdefault(roadshow_id, {})[company_id] = seat
