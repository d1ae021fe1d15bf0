"""Waiting for a projection to catch up (read-your-own-write), with one status poll per process.

The projection worker updates its status document (``projection_status``, ``_id`` = projection name)
after every batch it wrote. While at least one request waits, ``AppliedWatch`` polls that one document
every ``interval`` and wakes every waiter when it changed; each waiter then reads its own document
again. The database sees one status read per interval and one read per waiter per batch, instead of
every waiting request polling its own document.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import structlog
from pymongo.asynchronous.collection import AsyncCollection

log = structlog.get_logger(__name__)

T = TypeVar("T")


class AppliedWatch:
    def __init__(
        self,
        status: AsyncCollection[dict[str, Any]],
        projection: str,
        *,
        interval: float = 0.005,
    ) -> None:
        self._status = status
        self._projection = projection
        self._interval = interval
        self._changed = asyncio.Event()
        self._token: tuple[Any, ...] | None = None
        self._waiting = 0
        self._poller: asyncio.Task[None] | None = None
        self.polls = 0

    async def wait_for(self, check: Callable[[], Awaitable[T | None]], wait: float) -> T | None:
        """Call ``check`` now and after every batch the worker writes, until it returns something
        or ``wait`` seconds have passed (then ``None``)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        self._waiting += 1
        try:
            while True:
                changed = self._changed  # taken before the check, so no change goes unseen
                found = await check()
                remaining = deadline - loop.time()
                if found is not None or remaining <= 0:
                    return found
                if self._poller is None or self._poller.done():
                    self._poller = asyncio.create_task(self._poll())
                try:
                    await asyncio.wait_for(changed.wait(), remaining)
                except TimeoutError:
                    return await check()
        finally:
            self._waiting -= 1

    async def _poll(self) -> None:
        while self._waiting:
            try:
                status = await self._status.find_one(
                    {"_id": self._projection},
                    projection={"applied_total": 1, "applied_at": 1, "generation": 1},
                )
            except Exception:  # waiters time out and answer with what they have
                log.exception("projection.watch_failed", projection=self._projection)
                await asyncio.sleep(max(self._interval, 0.5))
                continue
            self.polls += 1
            token = (
                (status.get("generation"), status.get("applied_total"), status.get("applied_at"))
                if status
                else None
            )
            if token != self._token:
                self._token = token
                changed, self._changed = self._changed, asyncio.Event()
                changed.set()
            await asyncio.sleep(self._interval)
