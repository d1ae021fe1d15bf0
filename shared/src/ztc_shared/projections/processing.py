"""One batch, whatever it takes: apply, dead-letter the unappliable, record progress.

A batch is retried (with backoff) until it is applied, so the driver acknowledges offsets only after
the write; messages that can never be applied go to ``<topic>.dlq`` with their reason instead of
blocking the partition.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import structlog
from pymongo.asynchronous.collection import AsyncCollection

from ztc_shared.observability import metrics
from ztc_shared.projections.runner import BatchOutcome, ProjectionRunner
from ztc_shared.workers.messages import CollectingDeadLetterSink as CollectingDeadLetterSink
from ztc_shared.workers.messages import DeadLetterSink as DeadLetterSink
from ztc_shared.workers.messages import KafkaDeadLetterSink as KafkaDeadLetterSink
from ztc_shared.workers.messages import Message

log = structlog.get_logger()

STATUS = "projection_status"


class BatchProcessor:
    def __init__(
        self,
        runner: ProjectionRunner,
        dead_letters: DeadLetterSink,
        *,
        status: AsyncCollection[dict[str, Any]] | None = None,
        generation: int = 1,
        max_backoff: float = 10.0,
    ) -> None:
        self._runner = runner
        self._dead_letters = dead_letters
        self._status = status
        self._generation = generation
        self._max_backoff = max_backoff

    async def process(self, messages: Sequence[Message]) -> BatchOutcome:
        started = time.perf_counter()
        outcome: BatchOutcome = await self._until_done(
            lambda: self._runner.handle(messages), "apply"
        )
        if outcome.dead_letters:
            letters = outcome.dead_letters
            await self._until_done(lambda: self._dead_letters.send(letters), "dead_letter")
            for letter in letters:
                log.warning(
                    "projection.dead_letter",
                    projection=self._runner.name,
                    topic=letter.message.topic,
                    partition=letter.message.partition,
                    offset=letter.message.offset,
                    reason=letter.reason,
                )
            metrics.DEAD_LETTERS.labels(self._runner.name).inc(len(letters))
        name = self._runner.name
        metrics.PROJECTION_APPLIED.labels(name).inc(outcome.applied)
        metrics.PROJECTION_SKIPPED.labels(name).inc(outcome.skipped)
        metrics.PROJECTION_BATCH_SECONDS.labels(name).observe(time.perf_counter() - started)
        now = datetime.now(UTC)
        if outcome.latest_event_at is not None:
            metrics.PROJECTION_LAG.labels(name).set((now - outcome.latest_event_at).total_seconds())
        if self._status is not None and (outcome.applied or outcome.dead_letters):
            await self._until_done(lambda: self._record(outcome, now), "status")
        return outcome

    async def _record(self, outcome: BatchOutcome, now: datetime) -> None:
        assert self._status is not None
        update: dict[str, Any] = {
            "$set": {"generation": self._generation, "applied_at": now},
            "$inc": {
                "applied_total": outcome.applied,
                "dead_letters_total": len(outcome.dead_letters),
            },
        }
        if outcome.latest_event_at is not None:
            update["$set"]["last_event_at"] = outcome.latest_event_at
        await self._status.update_one({"_id": self._runner.name}, update, upsert=True)

    async def _until_done(self, step: Any, what: str) -> Any:
        delay = 0.2
        while True:
            try:
                return await step()
            except asyncio.CancelledError:
                raise
            except Exception:
                # The database or the broker is unavailable: nothing is acknowledged, try again.
                log.exception(
                    "projection.retry", projection=self._runner.name, step=what, delay=delay
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_backoff)
