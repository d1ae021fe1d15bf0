"""The counters as of a moment (时间回溯), rebuilt from the topics the read model consumes.

``replay_until`` reads the dashboard's topics (in national mode: every topic its pattern matches
now) from the beginning and keeps the events that occurred by the moment; ``fold_counters`` folds
them with the read model's own rules into an in-memory counter store, which the live queries read
unchanged (``DashboardQueries`` over a store instead of the active generation's collection).

One replay per moment, shared by every question about it that arrives meanwhile (the page, its
exports, several scopes); the last ``keep`` moments are kept, older ones dropped, all of them on
shutdown. They are derived from immutable history, so a kept moment is never stale.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

import structlog
from aiokafka import AIOKafkaConsumer

from dashboard.adapters.counters import InMemoryCounterStore
from dashboard.application.as_of import fold_counters, in_occurrence_order
from ztc_shared.history import replay_until

log = structlog.get_logger()

Topics = Callable[[], Awaitable[Sequence[str]]]


def fixed_topics(topics: Sequence[str]) -> Topics:
    """A province's dashboard: its deployment's own topics."""

    async def listed() -> Sequence[str]:
        return tuple(topics)

    return listed


def topics_matching(bootstrap_servers: str, pattern: str) -> Topics:
    """The national dashboard: the mirrored topics the worker's pattern matches, as they are now
    (a province mirrored later is found by the next moment built)."""
    compiled = re.compile(pattern)

    async def listed() -> Sequence[str]:
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap_servers, enable_auto_commit=False)
        await consumer.start()
        try:
            names = await consumer.topics()
        finally:
            await consumer.stop()
        return sorted(t for t in names if compiled.match(t))

    return listed


class CountersAsOf:
    def __init__(self, bootstrap_servers: str, topics: Topics, *, keep: int = 4) -> None:
        self._bootstrap = bootstrap_servers
        self._topics = topics
        self._keep = keep
        self._built: OrderedDict[datetime, asyncio.Task[InMemoryCounterStore]] = OrderedDict()
        self._replaying = asyncio.Semaphore(1)  # the machine's cores are for the live side

    async def at(self, moment: datetime) -> InMemoryCounterStore:
        """The counter store as of ``moment`` (an aware datetime; equal instants share one)."""
        task = self._built.get(moment)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = asyncio.create_task(self._build(moment))
            self._built[moment] = task
            while len(self._built) > self._keep:
                self._built.popitem(last=False)  # an asker still waiting keeps its own reference
        self._built.move_to_end(moment)
        return await asyncio.shield(task)

    async def _build(self, moment: datetime) -> InMemoryCounterStore:
        async with self._replaying:
            started = time.perf_counter()
            topics = await self._topics()
            events = await replay_until(self._bootstrap, topics, moment)
            store = InMemoryCounterStore()
            # In a thread: the API goes on answering live reads while a long history is folded.
            store.documents = await asyncio.to_thread(
                lambda: fold_counters(in_occurrence_order(events))
            )
            log.info(
                "as_of.counters_built",
                as_of=moment.isoformat(),
                topics=len(topics),
                events=len(events),
                documents=len(store.documents),
                seconds=round(time.perf_counter() - started, 3),
            )
            return store

    async def close(self) -> None:
        """Drop every moment kept (and stop a replay still running)."""
        for task in self._built.values():
            task.cancel()
        await asyncio.gather(*self._built.values(), return_exceptions=True)
        self._built.clear()
