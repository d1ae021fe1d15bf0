"""A stream's history as recorded: its commits, each with the time it was recorded.

The event store answers "what is the stream now"; this port answers "what was recorded, when" —
what ``as_of`` queries and the audit read API need. A commit is immutable once stored, and a
stream's commits are recorded in version order at non-decreasing times, so a reader may cache them:
nothing it has read ever changes, and a commit recorded after ``until`` means that everything up to
``until`` is already known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from ztc_shared.events.envelope import EventEnvelope


@dataclass(frozen=True)
class RecordedCommit:
    """One command's events and when they were recorded (the commit's ``committed_at``)."""

    stream_id: str
    stream_type: str
    first_version: int
    last_version: int
    recorded_at: datetime
    events: tuple[EventEnvelope, ...]


class StreamHistory(Protocol):
    async def commits(
        self, stream_id: str, *, until: datetime | None = None
    ) -> list[RecordedCommit]:
        """The stream's commits in version order, only those recorded at or before ``until``
        when it is given; an empty list for a stream that does not exist (or did not yet)."""
        ...

    async def recorded_until(self, until: datetime) -> list[RecordedCommit]:
        """Every stream's commits recorded at or before ``until``, in recorded order."""
        ...
