"""Sending what the ledger holds: claim before send, record after, retry with backoff.

A dispatcher claims one due delivery at a time (a lease in the ledger, so that two dispatchers
never send the same one while the lease runs), sends it on its channel, and records the outcome
only if it still holds the lease. A crash after the send and before the record leaves the lease to
expire; the next claim sends again, with the same reference, which the receiver recognises (the
window and how it closes: ADR 10). Channels are rate-limited per process (token buckets).

With ``events``, the outcome of a round is published (``NotificationDelivered`` after the send,
``NotificationFailed`` when it is dead) before the ledger records it. A delivery claimed again
(a retry, or a takeover after a crash) first looks for its round's outcome: one recorded before a
crash is followed — the ledger catches up, and nothing is sent again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

import structlog

from notify.application import metrics
from notify.application.ports import Inbox, Ledger, Sender
from notify.application.publishing import DeliveryEvents
from notify.domain.deliveries import Delivery, RetryPolicy, SendFailed
from notify.domain.recipients import Channel
from ztc_shared import failpoints
from ztc_shared.clock import Clock
from ztc_shared.events import EventEnvelope

log = structlog.get_logger()


class TokenBucket:
    """``rate`` sends a second on average, bursts up to ``burst``; ``clock`` gives seconds."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def available(self) -> bool:
        self._refill()
        return self._tokens >= 1.0

    def take(self) -> None:
        self._refill()
        self._tokens -= 1.0

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(float(self.burst), self._tokens + (now - self._at) * self.rate)
        self._at = now


@dataclass(frozen=True)
class Outcome:
    delivery: Delivery
    delivered: bool
    error: str = ""


class Dispatcher:
    def __init__(
        self,
        ledger: Ledger,
        senders: Mapping[Channel, Sender],
        *,
        owner: str,
        clock: Clock,
        lease: timedelta,
        policy: RetryPolicy,
        limits: Mapping[Channel, TokenBucket] | None = None,
        events: DeliveryEvents | None = None,
    ) -> None:
        self._ledger = ledger
        self._senders = senders
        self._owner = owner
        self._clock = clock
        self._lease = lease
        self._policy = policy
        self._limits = dict(limits or {})
        self._events = events
        self._wake = asyncio.Event()

    def open_channels(self) -> list[Channel]:
        """The channels this dispatcher may send on now (a sender, and tokens left)."""
        return [c for c in self._senders if c not in self._limits or self._limits[c].available()]

    async def dispatch_one(self) -> Outcome | None:
        """Claim, send and record one delivery; ``None`` when nothing is due."""
        channels = self.open_channels()
        if not channels:
            return None
        now = self._clock.now()
        delivery = await self._ledger.claim(self._owner, channels, now, now + self._lease)
        if delivery is None:
            return None
        if delivery.channel in self._limits:
            self._limits[delivery.channel].take()
        if delivery.next_attempt_at is not None and self._clock.now() >= delivery.next_attempt_at:
            # The claim itself outlived the lease (a stalled process): another dispatcher may
            # hold it now, so do not send; the delivery is due again for whoever claims next.
            log.warning("notify.lease_expired_before_send", key=delivery.key)
            return None
        if self._events is not None and delivery.events and delivery.attempts > 1:
            # Tried before in this round: perhaps the outcome was recorded and the ledger not.
            earlier = await self._events.outcome(delivery)
            if earlier is not None:
                return await self._follow(delivery, earlier)
        failpoints.hit(f"notify.after_claim.{delivery.channel.value}")
        started = time.perf_counter()
        try:
            await self._senders[delivery.channel].send(delivery)
        except SendFailed as failure:
            return await self._failed(delivery, failure.reason, failure.permanent)
        except Exception as error:  # noqa: BLE001 - a channel's unexpected error is retried
            return await self._failed(delivery, f"{type(error).__name__}: {error}", False)
        finally:
            metrics.SEND_SECONDS.labels(delivery.channel.value).observe(
                time.perf_counter() - started
            )
        failpoints.hit(f"notify.after_send.{delivery.channel.value}")
        metrics.SEND_OUTCOMES.labels(delivery.channel.value, "delivered").inc()
        if self._events is not None and delivery.events:
            stored = await self._events.delivered(delivery, self._clock.now())
            failpoints.hit(f"notify.after_event.{delivery.channel.value}")
            if stored.event_type != "NotificationDelivered":
                return await self._follow(delivery, stored)
        recorded = await self._ledger.delivered(delivery.key, self._owner, self._clock.now())
        log.info(
            "notify.delivered",
            key=delivery.key,
            channel=delivery.channel.value,
            attempt=delivery.attempts,
            recorded=recorded,
        )
        return Outcome(delivery, delivered=True)

    async def _failed(self, delivery: Delivery, reason: str, permanent: bool) -> Outcome:
        now = self._clock.now()
        retry_at = None if permanent else self._policy.next_attempt(delivery.attempts, now)
        if retry_at is None and self._events is not None and delivery.events:
            # Dead: published first (passing failures are not, their outcome is).
            stored = await self._events.failed(delivery, reason, now)
            failpoints.hit(f"notify.after_event.{delivery.channel.value}")
            if stored.event_type != "NotificationFailed":
                return await self._follow(delivery, stored)
        recorded = await self._ledger.failed(
            delivery.key, self._owner, reason[:2000], retry_at, now
        )
        outcome = "dead" if retry_at is None else "retry"
        metrics.SEND_OUTCOMES.labels(delivery.channel.value, outcome).inc()
        log.warning(
            "notify.delivery_failed",
            key=delivery.key,
            channel=delivery.channel.value,
            attempt=delivery.attempts,
            reason=reason,
            dead=retry_at is None,
            recorded=recorded,
        )
        return Outcome(delivery, delivered=False, error=reason)

    async def _follow(self, delivery: Delivery, recorded: EventEnvelope) -> Outcome:
        """The round's outcome is recorded already: the ledger follows it, nothing is sent."""
        now = self._clock.now()
        if recorded.event_type == "NotificationDelivered":
            await self._ledger.delivered(delivery.key, self._owner, now)
            log.info("notify.delivered_before", key=delivery.key, attempt=delivery.attempts)
            return Outcome(delivery, delivered=True)
        reason = str(recorded.payload.get("reason") or recorded.payload.get("reason_code", ""))
        await self._ledger.failed(delivery.key, self._owner, reason, None, now)
        log.info("notify.failed_before", key=delivery.key, attempt=delivery.attempts)
        return Outcome(delivery, delivered=False, error=reason)

    def wake(self) -> None:
        """New deliveries are in the ledger: stop idling."""
        self._wake.set()

    async def run(self, idle: float = 2.0, concurrency: int = 4) -> None:
        """Dispatch until cancelled with ``concurrency`` loops. A loop with nothing due waits until
        ``wake`` or ``idle`` seconds (for retries coming due and other replicas' deliveries)."""

        async def loop() -> None:
            while True:
                try:
                    outcome = await self.dispatch_one()
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("notify.dispatch_error")
                    outcome = None
                if outcome is None:
                    try:
                        await asyncio.wait_for(self._wake.wait(), timeout=idle)
                    except TimeoutError:
                        pass
                    self._wake.clear()

        await asyncio.gather(*(loop() for _ in range(concurrency)))


class InboxSender:
    """The in-app inbox as a channel: filing is idempotent by the dedupe key."""

    def __init__(self, inbox: Inbox, clock: Clock) -> None:
        self._inbox = inbox
        self._clock = clock

    async def send(self, delivery: Delivery) -> None:
        await self._inbox.put(delivery, self._clock.now())
