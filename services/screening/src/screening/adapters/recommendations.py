"""The recommendation index of an API process, kept up with the library projection.

The index (``LibraryIndex``) lives in memory. Before ranking, the recommender asks whether the library
changed since it last looked (the projection status: one read by ``_id``); if so it reads every entry's
id, status and version and re-analyses only entries whose version it does not hold — jieba is the
costly part (about 1 ms an entry), the read is a scan. Ranking and analysis run in a worker thread,
one at a time, so requests are not held up by the event loop and never see a half-updated index.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from screening.adapters.library_queries import LibraryQueries
from screening.application.ranking import Demand, LibraryIndex, Recommendation, RoundQuery, rank
from screening.domain.round import ScreeningRound

VERSION_FIELDS = {"stream_version": 1, "status": 1}
ENTRY_FIELDS = {
    "title": 1,
    "abstract": 1,
    "keywords": 1,
    "field": 1,
    "trl": 1,
    "combined_score": 1,
    "status": 1,
    "stream_version": 1,
}


class Recommender:
    def __init__(self, library: LibraryQueries) -> None:
        self._library = library
        self._index = LibraryIndex()
        self._versions: dict[str, int] = {}
        self._token: tuple[Any, ...] | None = None
        self._lock = asyncio.Lock()

    @property
    def library(self) -> LibraryQueries:
        return self._library

    async def recommend(self, round_: ScreeningRound, limit: int = 100) -> list[Recommendation]:
        opened = round_.opened
        if opened is None:
            return []
        query = RoundQuery(
            theme_fields=tuple(opened.fields),
            needs=f"{opened.title}。{opened.industry_needs}",
            demands=tuple(
                Demand(text=d.demand, fields=tuple(d.fields), company=d.company_id)
                for d in round_.demands
            ),
        )
        async with self._lock:
            await self._catch_up()
            return await asyncio.to_thread(rank, self._index, query, limit)

    async def _catch_up(self) -> None:
        token = await self._library.applied_token()
        if token == self._token:
            return
        if self._token is not None and token[:1] != self._token[:1]:
            # a rebuild switched the library to a new generation: start afresh
            self._index, self._versions = LibraryIndex(), {}
        current = {
            str(d["_id"]): int(d.get("stream_version", 0))
            for d in await self._library.entries(VERSION_FIELDS)
        }
        changed = [i for i, v in current.items() if self._versions.get(i) != v]
        gone = [i for i in self._versions if i not in current]
        if changed:
            wanted = set(changed)
            documents = [
                d for d in await self._library.entries(ENTRY_FIELDS) if str(d["_id"]) in wanted
            ]
            await asyncio.to_thread(self._apply, documents, gone)
        elif gone:
            await asyncio.to_thread(self._apply, [], gone)
        self._versions = current
        self._token = token

    def _apply(self, documents: list[dict[str, Any]], gone: list[str]) -> None:
        for achievement_id in gone:
            self._index.remove(achievement_id)
        for document in documents:
            self._index.add(document)  # a non-candidate (e.g. withdrawn) leaves the index


class RecommendersAsOf:
    """Recommenders over the library as it stood at a moment (时间回溯), one per moment asked: the
    index of a past library is built once (analysis is the cost) and kept for the last few moments,
    as the scratch collections it reads are."""

    def __init__(self, library_at: Callable[[datetime], LibraryQueries], *, keep: int = 4) -> None:
        self._library_at = library_at
        self._keep = keep
        self._recommenders: OrderedDict[datetime, Recommender] = OrderedDict()

    def at(self, moment: datetime) -> tuple[Recommender, LibraryQueries]:
        recommender = self._recommenders.get(moment)
        if recommender is None:
            recommender = Recommender(self._library_at(moment))
            self._recommenders[moment] = recommender
            while len(self._recommenders) > self._keep:
                self._recommenders.popitem(last=False)
        self._recommenders.move_to_end(moment)
        return recommender, recommender.library
