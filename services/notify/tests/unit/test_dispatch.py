"""Sending what the ledger holds: once on success, again later on a passing failure, onto the
dead-letter list on a permanent one; rate limits hold channels back."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from notify.adapters.memory import InMemoryDirectory, InMemoryLedger
from notify.application.dispatch import Dispatcher, TokenBucket
from notify.config import NotifySettings
from notify.domain.deliveries import Delivery, RetryPolicy, SendFailed, Status
from notify.domain.recipients import Channel, Contact
from notify.testing.contracts import T0, delivery, directory_contract, ledger_contract
from ztc_shared.clock import FixedClock


class ScriptedChannel:
    """A channel that answers with the failures it is given, then succeeds."""

    def __init__(self, *failures: SendFailed) -> None:
        self.failures = list(failures)
        self.sent: list[Delivery] = []

    async def send(self, item: Delivery) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(item)


def dispatcher(
    ledger: InMemoryLedger,
    clock: FixedClock,
    senders: dict[Channel, ScriptedChannel],
    limits: dict[Channel, TokenBucket] | None = None,
) -> Dispatcher:
    return Dispatcher(
        ledger,
        senders,
        owner="worker-1",
        clock=clock,
        lease=timedelta(seconds=30),
        policy=RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=2)),
        limits=limits,
    )


async def test_the_in_memory_ledger_keeps_the_ledger_contract() -> None:
    async def make() -> InMemoryLedger:
        return InMemoryLedger()

    await ledger_contract(make)


async def test_the_in_memory_directory_keeps_the_directory_contract() -> None:
    async def make(contacts: list[Contact], secrets: dict[str, str]) -> InMemoryDirectory:
        return InMemoryDirectory(contacts, secrets)

    await directory_contract(make)


async def test_a_delivery_is_sent_once_and_recorded() -> None:
    ledger, clock, mail = InMemoryLedger(), FixedClock(T0), ScriptedChannel()
    await ledger.add([delivery()])
    outcome = await dispatcher(ledger, clock, {Channel.EMAIL: mail}).dispatch_one()
    assert outcome is not None and outcome.delivered
    assert await dispatcher(ledger, clock, {Channel.EMAIL: mail}).dispatch_one() is None
    assert len(mail.sent) == 1
    stored = await ledger.get(delivery().key)
    assert stored is not None and stored.status is Status.DELIVERED


async def test_a_passing_failure_is_retried_with_growing_delays_then_dead_lettered() -> None:
    ledger, clock = InMemoryLedger(), FixedClock(T0)
    mail = ScriptedChannel(
        SendFailed("SMTP unavailable"), SendFailed("SMTP unavailable"), SendFailed("x")
    )
    send = dispatcher(ledger, clock, {Channel.EMAIL: mail})
    await ledger.add([delivery()])
    key = delivery().key

    await send.dispatch_one()
    first = await ledger.get(key)
    assert first is not None and first.status is Status.PENDING
    assert first.next_attempt_at == T0 + timedelta(seconds=2)
    assert await send.dispatch_one() is None  # not due yet

    clock.advance(timedelta(seconds=2))
    await send.dispatch_one()
    second = await ledger.get(key)
    assert second is not None and second.next_attempt_at == clock.now() + timedelta(seconds=4)

    clock.advance(timedelta(seconds=4))
    await send.dispatch_one()  # the third failure of three attempts
    dead = await ledger.get(key)
    assert dead is not None and dead.status is Status.DEAD and dead.attempts == 3
    assert mail.sent == []

    # An operator sends it again from the dead-letter list; this time it goes through.
    assert await ledger.retry(key, clock.now())
    outcome = await send.dispatch_one()
    assert outcome is not None and outcome.delivered and len(mail.sent) == 1


async def test_a_permanent_failure_goes_straight_to_the_dead_letter_list() -> None:
    ledger, clock = InMemoryLedger(), FixedClock(T0)
    hook = ScriptedChannel(SendFailed("HTTP 410", permanent=True))
    await ledger.add([delivery(channel=Channel.WEBHOOK)])
    await dispatcher(ledger, clock, {Channel.WEBHOOK: hook}).dispatch_one()
    [dead] = await ledger.list(status=Status.DEAD)
    assert dead.attempts == 1 and dead.last_error == "HTTP 410"


class Seconds:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_rate_limited_channel_waits_while_others_go_on() -> None:
    ledger, clock, seconds = InMemoryLedger(), FixedClock(T0), Seconds()
    mail, inbox = ScriptedChannel(), ScriptedChannel()
    limits = {Channel.EMAIL: TokenBucket(rate=1.0, burst=1, clock=seconds)}
    send = dispatcher(ledger, clock, {Channel.EMAIL: mail, Channel.INBOX: inbox}, limits)
    await ledger.add(
        [
            delivery("e1"),
            delivery("e2"),
            delivery("e1", Channel.INBOX),
            delivery("e2", Channel.INBOX),
        ]
    )
    while await send.dispatch_one() is not None:
        pass
    # One mail used the only token; the inbox went on; the second mail waits for the next token.
    assert len(mail.sent) == 1 and len(inbox.sent) == 2
    assert send.open_channels() == [Channel.INBOX]
    seconds.now = 1.0
    assert Channel.EMAIL in send.open_channels()
    assert await send.dispatch_one() is not None
    assert len(mail.sent) == 2


def test_a_token_bucket_refills_at_its_rate() -> None:
    seconds = Seconds()
    bucket = TokenBucket(rate=2.0, burst=2, clock=seconds)
    bucket.take()
    bucket.take()
    seconds.now = 0.1
    assert not bucket.available()
    seconds.now = 0.5
    assert bucket.available()
    seconds.now = 100.0
    bucket.take()
    bucket.take()
    assert not bucket.available()  # never more than the burst


async def test_a_dispatcher_that_lost_its_lease_does_not_record_over_the_new_owner() -> None:
    ledger, clock = InMemoryLedger(), FixedClock(T0)
    await ledger.add([delivery()])
    slow = await ledger.claim("slow", [Channel.EMAIL], T0, T0 + timedelta(seconds=30))
    assert slow is not None
    clock.advance(timedelta(seconds=31))
    outcome = await dispatcher(ledger, clock, {Channel.EMAIL: ScriptedChannel()}).dispatch_one()
    assert outcome is not None and outcome.delivered
    assert not await ledger.delivered(slow.key, "slow", clock.now())
    stored = await ledger.get(slow.key)
    assert stored is not None and stored.lease_owner == "worker-1" and stored.attempts == 2


class StallingClock:
    """Time jumps past the lease between the claim and the send (a stalled process)."""

    def __init__(self) -> None:
        self.calls = 0

    def now(self) -> datetime:
        self.calls += 1
        return T0 if self.calls == 1 else T0 + timedelta(seconds=31)


async def test_a_claim_that_outlived_its_lease_is_not_sent() -> None:
    ledger, mail = InMemoryLedger(), ScriptedChannel()
    await ledger.add([delivery()])
    send = Dispatcher(
        ledger,
        {Channel.EMAIL: mail},
        owner="worker-1",
        clock=StallingClock(),
        lease=timedelta(seconds=30),
        policy=RetryPolicy(),
    )
    assert await send.dispatch_one() is None
    assert mail.sent == []


def test_a_lease_must_outlast_a_send() -> None:
    with pytest.raises(ValidationError, match="must exceed"):
        NotifySettings(NOTIFY_DELIVERY_LEASE_SECONDS=5, NOTIFY_SEND_TIMEOUT=10)
