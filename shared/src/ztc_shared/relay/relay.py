"""Unpublished commits → Kafka → marked published, in commit order.

Marking happens only after the broker acknowledged every event of the batch. A crash between the two
re-sends the batch on the next start; consumers skip what they already applied, so that is harmless.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import structlog

from ztc_shared import failpoints
from ztc_shared.eventstore.ports import Outbox
from ztc_shared.kafka.publisher import EventPublisher
from ztc_shared.observability import metrics
from ztc_shared.relay.lease import Lease
from ztc_shared.relay.wake import Doorbell

log = structlog.get_logger()

SETTLE_TIMEOUT_S = 10.0
LEASE_RELEASE_TIMEOUT_S = 5.0
# The line a relay logs once it runs: make run, the tests and the supervisors wait for it.
RELAY_READY = "relay.started"


class OutboxRelay:
    def __init__(
        self,
        store: Outbox,
        publisher: EventPublisher,
        lease: Lease,
        *,
        topic: str,
        service: str,
        batch_size: int = 500,
        poll_interval: timedelta = timedelta(milliseconds=20),
        lease_retry: timedelta = timedelta(seconds=2),
        sweep_interval: timedelta = timedelta(minutes=5),
        idle_poll: timedelta = timedelta(seconds=1),
        doorbell: Doorbell | None = None,
    ) -> None:
        self._store = store
        self._publisher = publisher
        self._lease = lease
        self._topic = topic
        self._service = service
        self._batch_size = batch_size
        self._poll = poll_interval.total_seconds()
        self._lease_retry = lease_retry.total_seconds()
        self._sweep_interval = sweep_interval.total_seconds()
        self._next_sweep = 0.0
        self._stopping = asyncio.Event()
        # Idle, a relay looks again after ``idle_poll`` at the latest; woken by its doorbell (a
        # commit was made) it looks at once. Without a doorbell it backs off from ``poll`` to it.
        self._idle_poll = max(idle_poll.total_seconds(), self._poll)
        self._doorbell = doorbell
        self._idle = self._poll
        self.polls = 0  # how often it looked (tests and the idle benchmark read it)

    async def publish_once(self) -> int | None:
        """Publish one batch; the number of commits sent, or ``None`` when another instance leads."""
        if not await self._lease.acquire():
            return None
        if time.monotonic() >= self._next_sweep:
            # On taking over and now and then: commits whose outbox entry a crash lost.
            restored = await self._store.sweep()
            if restored:
                log.warning("relay.sweep_restored", commits=restored)
            self._next_sweep = time.monotonic() + self._sweep_interval
        self.polls += 1
        commits = await self._store.unpublished(self._batch_size)
        if not commits:
            metrics.RELAY_BACKLOG.labels(self._service).set(0)
            return 0
        envelopes = [event for commit in commits for event in commit.events]
        await self._publisher.publish(self._topic, envelopes)
        failpoints.hit("relay.after_produce")
        await self._store.mark_published([c.commit_id for c in commits])
        metrics.RELAY_PUBLISHED.labels(self._service).inc(len(envelopes))
        log.debug("relay.published", commits=len(commits), events=len(envelopes))
        return len(commits)

    async def run(self) -> None:
        """Run until ``stop``: publish while there is work, poll briefly when there is none."""
        log.info(RELAY_READY, topic=self._topic, owner=self._lease.owner)
        holding = False
        try:
            while not self._stopping.is_set():
                try:
                    sent = await self.publish_once()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    # Broker or database unavailable: nothing was marked, so retrying is safe.
                    log.exception("relay.batch_failed")
                    await self._sleep(1.0)
                    continue
                if sent == self._batch_size:
                    continue
                leased = sent is not None
                if leased != holding:
                    holding = leased
                    log.info("relay.lease", holding=holding, owner=self._lease.owner)
                if not leased:
                    await self._sleep(self._lease_retry)
                elif sent:
                    self._idle = self._poll  # busy: a short pause gathers the next batch
                    await self._sleep(self._poll)
                else:
                    await self._wait_for_work()
        finally:
            try:
                # Published flags still being written; what a timeout leaves, a sweep re-sends.
                await asyncio.wait_for(self._store.settle(), timeout=SETTLE_TIMEOUT_S)
            except TimeoutError:
                log.warning("relay.unsettled_on_stop")
            try:
                # A hung store must not hold the stop: an unreleased lease expires by itself.
                await asyncio.wait_for(self._lease.release(), timeout=LEASE_RELEASE_TIMEOUT_S)
            except TimeoutError:
                log.warning("relay.lease_not_released", expires_by_itself=True)
            log.info("relay.stopped", owner=self._lease.owner)

    def stop(self) -> None:
        self._stopping.set()
        if self._doorbell is not None:
            self._doorbell.ring()

    async def _wait_for_work(self) -> None:
        if self._doorbell is not None:
            await self._doorbell.wait(self._idle_poll)
            return
        await self._sleep(self._idle)
        self._idle = min(self._idle * 2, self._idle_poll)

    async def _sleep(self, seconds: float) -> None:
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except TimeoutError:
            pass
