"""Projections as of a moment, for the list and search queries (时间回溯 over many records).

A read model's list or search query runs against a collection the projection catalog names. As of a
moment, the same query runs unchanged against a scratch collection holding the projection *as it
was then*: the projector's own rules folded over the events on its topics up to the moment
(``replay_until`` + the runner's version guard), written with the projection's indexes.
``AsOfCatalog`` answers ``active``/``active_cached`` with that collection, so a query adapter built
on it (``IntakeQueries(database, AsOfCatalog(...))``) needs no change.

Scratch collections are named ``asof_<projection>_<ms since epoch>_<process>`` and kept for the last
few moments asked (one replay per moment, however many queries follow), then dropped. They are
derived from immutable history: never stale, only absent. An event the projector refuses is
skipped, as the live projection dead-letters it.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import structlog
from pymongo.asynchronous.database import AsyncDatabase

from ztc_shared.history.as_of import apply_event
from ztc_shared.history.topics import replay_until
from ztc_shared.projections.catalog import Generation, MongoProjectionCatalog
from ztc_shared.projections.runner import ProjectionDefinition

log = structlog.get_logger()

PREFIX = "asof_"
_PROCESS = uuid.uuid4().hex[:8]


class AsOfBuilder:
    """Builds (and keeps a few of) the scratch collections of one service's projections."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        bootstrap_servers: str,
        definitions: Mapping[str, ProjectionDefinition],
        *,
        keep: int = 4,
    ) -> None:
        self._database = database
        self._bootstrap = bootstrap_servers
        self._definitions = dict(definitions)
        self._keep = keep
        self._built: OrderedDict[tuple[str, datetime], Generation] = OrderedDict()
        self._lock = asyncio.Lock()

    async def generation(self, projection: str, moment: datetime) -> Generation:
        key = (projection, moment)
        async with self._lock:  # one replay at a time; others asking for it wait and share it
            if key in self._built:
                self._built.move_to_end(key)
                return self._built[key]
            built = await self._build(self._definitions[projection], moment)
            self._built[key] = built
            while len(self._built) > self._keep:
                _, old = self._built.popitem(last=False)
                await self._database.drop_collection(old.collection)
            return built

    async def _build(self, definition: ProjectionDefinition, moment: datetime) -> Generation:
        events = await replay_until(self._bootstrap, definition.topics, moment)
        projector = definition.projector()
        documents: dict[str, dict[str, Any]] = {}
        skipped = 0
        for event in events:
            try:
                documents = apply_event(projector, documents, event)
            except Exception:  # noqa: BLE001 - the live projection dead-letters what it refuses
                skipped += 1
        name = f"{PREFIX}{definition.name}_{int(moment.timestamp() * 1000)}_{_PROCESS}"
        await self._database.drop_collection(name)
        collection = self._database[name]
        rows = list(documents.values())
        for start in range(0, len(rows), 1000):
            await collection.insert_many(rows[start : start + 1000], ordered=False)
        for field, direction in definition.indexes:
            await collection.create_index([(field, direction)])
        log.info(
            "as_of.projection_built",
            projection=definition.name,
            as_of=moment.isoformat(),
            events=len(events),
            documents=len(rows),
            skipped=skipped,
        )
        return Generation(
            projection=definition.name, number=0, collection=name, group_id=f"as-of-{name}"
        )

    async def close(self) -> None:
        """Drop every scratch collection this process built."""
        for generation in self._built.values():
            await self._database.drop_collection(generation.collection)
        self._built.clear()


class AsOfCatalog(MongoProjectionCatalog):
    """The service's projection catalog, except that the active generation of every projection is
    the projection as of ``moment``: hand it to a query adapter instead of the live catalog."""

    def __init__(
        self,
        database: AsyncDatabase[dict[str, Any]],
        service: str,
        prefix: str,
        builder: AsOfBuilder,
        moment: datetime,
    ) -> None:
        super().__init__(database, service, prefix)
        self._builder = builder
        self._moment = moment

    async def active(self, projection: str) -> Generation:
        return await self._builder.generation(projection, self._moment)

    async def active_cached(self, projection: str, max_age: float = 1.0) -> Generation:
        return await self._builder.generation(projection, self._moment)
