"""Reading intake's catalogue and public disclosure from MongoDB, from whichever generation is active.

Reads by id use ``{_id: id}`` alone (answered without a scan by FerretDB too); lists, filters and
search scan, which is fine for the thousands of achievements a region holds. Public reads always ask
for :data:`PUBLIC_KEYS` and nothing else, and only visible (published) documents are answered.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pymongo import DESCENDING
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase

from intake.application.projections import CATALOGUE, PUBLIC, PUBLIC_KEYS, segment
from ztc_shared.auth import Principal, Role
from ztc_shared.domain import OPERATORS
from ztc_shared.projections import MongoProjectionCatalog
from ztc_shared.projections.processing import STATUS
from ztc_shared.projections.watch import AppliedWatch

PUBLIC_PROJECTION = dict.fromkeys(PUBLIC_KEYS, 1)
_RANKING = {"_id": 1, "search_tokens": 1, "search_weights": 1, "published_at": 1}
_PRIVATE = {"_versions": 0}


class Sort(StrEnum):
    RELEVANCE = "relevance"  # 相关度
    DATE = "date"  # 公开时间，新的在前


@dataclass(frozen=True)
class PublicSearch:
    """What a visitor asks the public library for."""

    q: str | None = None
    field: str | None = None
    sub_field: str | None = None
    trl_min: int | None = None
    trl_max: int | None = None
    region: str | None = None
    transfer_mode: str | None = None
    sort: Sort = Sort.RELEVANCE
    page: int = 1
    page_size: int = 20

    def terms(self) -> list[str]:
        return segment(self.q.strip()) if self.q else []

    def filter(self, terms: Sequence[str]) -> dict[str, Any]:
        query: dict[str, Any] = {"visible": True}
        if self.field:
            query["field"] = self.field
        if self.sub_field:
            query["sub_field"] = self.sub_field
        trl: dict[str, int] = {}
        if self.trl_min is not None:
            trl["$gte"] = self.trl_min
        if self.trl_max is not None:
            trl["$lte"] = self.trl_max
        if trl:
            query["trl"] = trl
        if self.region:
            query["region"] = self.region
        if self.transfer_mode:
            query["transfer_modes"] = self.transfer_mode
        if terms:
            query["search_tokens"] = {"$in": list(terms)}
        return query


def relevance(document: Mapping[str, Any], terms: Sequence[str]) -> tuple[int, int]:
    """(weighted score, number of query terms matched) of a public document."""
    weights = dict(
        zip(document.get("search_tokens", []), document.get("search_weights", []), strict=False)
    )
    matched = [weights[t] for t in terms if t in weights]
    return sum(matched), len(matched)


def rank(candidates: Sequence[Mapping[str, Any]], terms: Sequence[str]) -> list[str]:
    """Ids best first: by weighted score, then how many terms matched, then newest, then id."""

    def key(document: Mapping[str, Any]) -> tuple[int, int, float, str]:
        score, matched = relevance(document, terms)
        published = document.get("published_at")
        when = published.timestamp() if isinstance(published, datetime) else 0.0
        return (-score, -matched, -when, str(document["_id"]))

    return [str(d["_id"]) for d in sorted(candidates, key=key)]


def reader_scope(principal: Principal) -> dict[str, Any]:
    """The catalogue filter of what ``principal`` may see (mirrors ``may_read``): holders their own,
    an institution its own (by organisation id, not by name), evaluators what they are assigned or
    evaluated, operators everything (a province is held to its region by the route)."""
    if principal.role in OPERATORS:
        return {}
    mine: list[dict[str, Any]] = [
        {"holder_id": principal.subject},
        {"evaluator_ids": principal.subject},
        {"evaluated_by": principal.subject},
    ]
    if principal.role is Role.SUPPORT_ORG and principal.organisation:
        mine.append({"organisation_id": principal.organisation})
    return {"$or": mine}


class IntakeQueries:
    def __init__(
        self, database: AsyncDatabase[dict[str, Any]], catalog: MongoProjectionCatalog
    ) -> None:
        self._database = database
        self._catalog = catalog
        self._public_watch = AppliedWatch(database[STATUS], PUBLIC)

    async def _collection(self, projection: str) -> AsyncCollection[dict[str, Any]]:
        generation = await self._catalog.active_cached(projection)
        return self._database[generation.collection]

    # -- 信息公开 public disclosure ---------------------------------------------------------

    async def _public_document(self, achievement_id: str) -> dict[str, Any] | None:
        collection = await self._collection(PUBLIC)
        return await collection.find_one({"_id": achievement_id}, projection=PUBLIC_PROJECTION)

    async def public_get(self, achievement_id: str) -> dict[str, Any] | None:
        """A published achievement's public fields, or ``None``."""
        document = await self._public_document(achievement_id)
        return document if document is not None and document.get("visible") is True else None

    async def public_wait_for(
        self, achievement_id: str, min_version: int, wait: float
    ) -> tuple[dict[str, Any] | None, bool]:
        """Read-your-own-write: the document once it has applied ``min_version`` (published or
        not: the caller answers 404 for a hidden one), or what there is after ``wait`` seconds
        (then ``False``)."""
        latest: dict[str, Any] | None = None

        async def reached() -> dict[str, Any] | None:
            nonlocal latest
            latest = await self._public_document(achievement_id)
            if latest is not None and latest.get("stream_version", 0) >= min_version:
                return latest
            return None

        document = await self._public_watch.wait_for(reached, wait)
        return (document, True) if document is not None else (latest, False)

    async def public_search(self, search: PublicSearch) -> tuple[list[dict[str, Any]], int]:
        collection = await self._collection(PUBLIC)
        terms = search.terms()
        query = search.filter(terms)
        skip = (search.page - 1) * search.page_size
        if not terms or search.sort is Sort.DATE:
            total = await collection.count_documents(query)
            cursor = (
                collection.find(query, projection=PUBLIC_PROJECTION)
                .sort([("published_at", DESCENDING), ("_id", DESCENDING)])
                .skip(skip)
                .limit(search.page_size)
            )
            return [doc async for doc in cursor], total
        candidates = [doc async for doc in collection.find(query, projection=_RANKING)]
        ids = rank(candidates, terms)[skip : skip + search.page_size]
        if not ids:
            return [], len(candidates)
        found = {
            doc["_id"]: doc
            async for doc in collection.find(
                {"_id": {"$in": ids}, "visible": True}, projection=PUBLIC_PROJECTION
            )
        }
        return [found[i] for i in ids if i in found], len(candidates)

    # -- 成果库 the catalogue -------------------------------------------------------------

    @staticmethod
    def _catalogue_filter(
        scope: Mapping[str, Any], status: str | None, field: str | None
    ) -> dict[str, Any]:
        query: dict[str, Any] = dict(scope)
        if status:
            query["status"] = status
        if field:
            query["field"] = field
        return query

    async def catalogue_get(self, achievement_id: str) -> dict[str, Any] | None:
        collection = await self._collection(CATALOGUE)
        return await collection.find_one({"_id": achievement_id}, projection=_PRIVATE)

    async def catalogue_list(
        self,
        scope: Mapping[str, Any],
        *,
        status: str | None = None,
        field: str | None = None,
        page: int = 1,
        page_size: int = 20,
    ) -> tuple[list[dict[str, Any]], int]:
        collection = await self._collection(CATALOGUE)
        query = self._catalogue_filter(scope, status, field)
        total = await collection.count_documents(query)
        cursor = (
            collection.find(query, projection=_PRIVATE)
            .sort([("updated_at", DESCENDING), ("_id", DESCENDING)])
            .skip((page - 1) * page_size)
            .limit(page_size)
        )
        return [doc async for doc in cursor], total

    async def catalogue_export(
        self, scope: Mapping[str, Any], *, status: str | None = None, field: str | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Every catalogue entry in scope, oldest draft first (for the Excel export)."""
        collection = await self._collection(CATALOGUE)
        query = self._catalogue_filter(scope, status, field)
        cursor = collection.find(query, projection=_PRIVATE).sort([("drafted_at", 1), ("_id", 1)])
        async for document in cursor:
            yield document
