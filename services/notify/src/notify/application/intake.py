"""One batch of events in: remember the facts, learn contacts, plan the deliveries.

Offsets are acknowledged only after this has stored everything the batch calls for, so a crash
loses nothing; the ledger's dedupe keys make the redelivered batch add nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import timedelta

import structlog
from pymongo.errors import PyMongoError

from notify.application import metrics
from notify.application.facts import Facts
from notify.application.planning import learn_contacts, plan
from notify.application.ports import Directory, Ledger
from notify.application.publishing import DeliveryEvents
from notify.application.rendering import Renderer
from ztc_shared import failpoints
from ztc_shared.clock import Clock
from ztc_shared.events.codec import decode_event
from ztc_shared.projections.processing import BatchProcessor, DeadLetterSink
from ztc_shared.projections.runner import DeadLetter, Message

log = structlog.get_logger()


class EventIntake:
    def __init__(
        self,
        facts_processor: BatchProcessor,
        facts: Facts,
        directory: Directory,
        ledger: Ledger,
        renderer: Renderer,
        dead_letters: DeadLetterSink,
        clock: Clock,
        on_added: Callable[[], None] = lambda: None,
        max_age: timedelta = timedelta(days=14),
        events: DeliveryEvents | None = None,
    ) -> None:
        self._facts_processor = facts_processor
        self._facts = facts
        self._directory = directory
        self._ledger = ledger
        self._renderer = renderer
        self._dead_letters = dead_letters
        self._clock = clock
        self._on_added = on_added
        self._max_age = max_age
        self._events = events

    async def process(self, messages: Sequence[Message]) -> int:
        """The number of new deliveries the batch called for."""
        # Facts first (the kernel's runner: idempotent, retried, undecodable → dead letters).
        await self._facts_processor.process(messages)
        added = 0
        letters: list[DeadLetter] = []
        for message in messages:
            try:
                event = decode_event(message.value)
            except Exception:  # noqa: BLE001, S112 - dead-lettered by the facts processor already
                continue
            try:
                await learn_contacts(event, self._directory, self._clock.now())
                if self._clock.now() - event.occurred_at > self._max_age:
                    # History (a new deployment, a replay from the start) is remembered as facts
                    # but not announced again: nobody wants last year's reminders today.
                    continue
                deliveries = await plan(
                    event, self._facts, self._directory, self._renderer, self._clock.now()
                )
                if self._events is not None and deliveries:
                    # Published before stored: a delivery in the ledger has its stream begun,
                    # and a crash in between publishes nothing twice (the place is taken).
                    known = await self._ledger.known([d.key for d in deliveries])
                    deliveries = await self._events.queued(
                        [d for d in deliveries if d.key not in known], self._clock.now()
                    )
                    failpoints.hit("notify.after_queued")
                new = await self._ledger.add(deliveries, self._clock.now())
                metrics.DELIVERIES_PLANNED.inc(new)
                added += new
            except PyMongoError:
                raise  # the database is away: nothing acknowledged, the batch comes again
            except Exception as error:  # noqa: BLE001 - this event can never be planned
                letters.append(DeadLetter(message, f"planning failed: {error!r}"))
        if added:
            self._on_added()
        if letters:
            await self._dead_letters.send(letters)
            for letter in letters:
                log.warning(
                    "notify.dead_letter", reason=letter.reason, offset=letter.message.offset
                )
        return added
