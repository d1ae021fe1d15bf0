"""Projections as of a moment, for the list and search queries (时间回溯 over many records).

A read model's list or search query runs against a collection the projection catalog names. As of a
moment, the same query runs unchanged against a scratch collection holding the projection *as it
was then*: the projector's own rules folded over the events on its topics up to the moment
(``replay_until`` + the runner's version guard), written with the projection's indexes.
``AsOfCatalog`` answers ``active``/``active_cached`` with that collection, so a query adapter built
on it (``IntakeQueries(database, AsOfCatalog(...))``) needs no change.

Scratch collections are named ``asof_<projection>_<moment, ms since epoch>_<process><build>_<built, s
since epoch>`` and kept for the last few moments asked (one replay per moment, however many queries
follow), then dropped. They are derived from immutable history: never stale, only absent. An event
the projector refuses is skipped, as the live projection dead-letters it.

A process uses a scratch collection for at most ``max_age`` after building it (then builds it
afresh), so one built longer ago than ``sweep_after`` (well beyond ``max_age``) belongs to no live
process — a process that crashed or was killed before dropping its own — and any process building
one sweeps those away (at most every ``sweep_every``). The name alone says when it was built: no
registry of processes to keep, and nothing a crash can leave inconsistent.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
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
        max_age: timedelta = timedelta(minutes=30),
        sweep_after: timedelta = timedelta(hours=3),
        sweep_every: timedelta = timedelta(minutes=10),
        clock: Callable[[], float] = time.time,
    ) -> None:
        if sweep_after <= max_age:
            raise ValueError("sweep_after must exceed max_age: a live process's scratch must stay")
        self._database = database
        self._bootstrap = bootstrap_servers
        self._definitions = dict(definitions)
        self._keep = keep
        self._max_age = max_age.total_seconds()
        self._sweep_after = sweep_after.total_seconds()
        self._sweep_every = sweep_every.total_seconds()
        self._clock = clock
        self._swept_at: float | None = None
        self._builds = 0
        self._built: OrderedDict[tuple[str, datetime], tuple[float, Generation]] = OrderedDict()
        # Out of use, dropped a minute later: a query that was handed one may still be reading it.
        self._retired: list[tuple[float, str]] = []
        self._lock = asyncio.Lock()

    async def generation(self, projection: str, moment: datetime) -> Generation:
        key = (projection, moment)
        async with self._lock:  # one replay at a time; others asking for it wait and share it
            if key in self._built:
                built_at, kept = self._built[key]
                if self._clock() - built_at < self._max_age:
                    self._built.move_to_end(key)
                    return kept
                del self._built[key]  # old enough for another process to sweep: build afresh
                self._retired.append((self._clock(), kept.collection))
            await self._drop_retired()
            if self._swept_at is None or self._clock() - self._swept_at >= self._sweep_every:
                await self.sweep()
            built_at = self._clock()
            built = await self._build(self._definitions[projection], moment, built_at)
            self._built[key] = (built_at, built)
            while len(self._built) > self._keep:
                _, (_, old) = self._built.popitem(last=False)
                self._retired.append((self._clock(), old.collection))
            return built

    async def _drop_retired(self, grace: float = 60.0) -> None:
        now = self._clock()
        due = [name for retired_at, name in self._retired if now - retired_at >= grace]
        self._retired = [(at, name) for at, name in self._retired if name not in due]
        for name in due:
            await self._database.drop_collection(name)

    async def sweep(self) -> list[str]:
        """Drop the scratch collections built longer ago than ``sweep_after``: those of processes
        that ended without dropping theirs. Returns the names dropped."""
        self._swept_at = now = self._clock()
        dropped = []
        for name in await self._database.list_collection_names():
            built_at = built_at_of(name)
            if built_at is not None and now - built_at > self._sweep_after:
                await self._database.drop_collection(name)
                dropped.append(name)
        if dropped:
            log.info("as_of.scratch_swept", collections=dropped)
        return dropped

    async def _build(
        self, definition: ProjectionDefinition, moment: datetime, built_at: float
    ) -> Generation:
        events = await replay_until(self._bootstrap, definition.topics, moment)
        projector = definition.projector()
        documents: dict[str, dict[str, Any]] = {}
        skipped = 0
        for event in events:
            try:
                documents = apply_event(projector, documents, event)
            except Exception:  # noqa: BLE001 - the live projection dead-letters what it refuses
                skipped += 1
        self._builds += 1  # names never repeat in a process: a retired one is never a live one
        moment_ms = max(0, int(moment.timestamp() * 1000))
        name = f"{PREFIX}{definition.name}_{moment_ms}_{_PROCESS}{self._builds}_{int(built_at)}"
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
        for _, generation in self._built.values():
            await self._database.drop_collection(generation.collection)
        self._built.clear()
        await self._drop_retired(grace=0.0)


def built_at_of(name: str) -> int | None:
    """When a scratch collection was built (seconds since the epoch), from its name; ``None`` for
    any other collection (and for one named before names said so, which no sweep touches)."""
    if not name.startswith(PREFIX):
        return None
    parts = name.split("_")
    if len(parts) < 5 or not (parts[-1].isdigit() and parts[-3].isdigit()):
        return None
    return int(parts[-1])


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
