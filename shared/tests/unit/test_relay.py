"""The relay publishes in commit order, marks only after the broker acknowledged, and leads alone."""

from datetime import UTC, datetime, timedelta

import pytest

from ztc_shared.clock import FixedClock
from ztc_shared.contracts.intake import AchievementSubmitted
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.kafka import InMemoryPublisher
from ztc_shared.relay import InMemoryLease, OutboxRelay
from ztc_shared.testing.eventstore_contract import T0, drafted, envelopes

TOPIC = "ztc.intake.events"


async def filled_store() -> InMemoryEventStore:
    store = InMemoryEventStore()
    for index, stream in enumerate(["a", "b"]):
        await store.append(
            stream_id=stream,
            stream_type="achievement",
            expected_version=0,
            events=envelopes(stream, 1, drafted()),
            committed_at=T0 + timedelta(milliseconds=index),
        )
    await store.append(
        stream_id="a",
        stream_type="achievement",
        expected_version=1,
        events=envelopes("a", 2, AchievementSubmitted()),
        committed_at=T0 + timedelta(milliseconds=5),
    )
    return store


def relay(
    store: InMemoryEventStore, publisher: InMemoryPublisher, lease: InMemoryLease
) -> OutboxRelay:
    return OutboxRelay(store, publisher, lease, topic=TOPIC, service="intake", batch_size=10)


def lease(state: dict[str, object], owner: str, clock: FixedClock) -> InMemoryLease:
    return InMemoryLease(state, owner, ttl=timedelta(seconds=10), clock=clock)


async def test_publishes_in_commit_order_then_marks() -> None:
    store, publisher = await filled_store(), InMemoryPublisher()
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    sent = await relay(store, publisher, lease({}, "r1", clock)).publish_once()
    assert sent == 3
    published = [(e.stream_id, e.stream_version) for e in publisher.published[TOPIC]]
    assert published == [("a", 1), ("b", 1), ("a", 2)]
    assert await store.count_unpublished() == 0
    assert await relay(store, publisher, lease({}, "r1", clock)).publish_once() == 0


async def test_nothing_is_marked_when_the_broker_fails() -> None:
    store, publisher = await filled_store(), InMemoryPublisher()
    publisher.fail_next = ConnectionError("broker down")
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ConnectionError):
        await relay(store, publisher, lease({}, "r1", clock)).publish_once()
    assert await store.count_unpublished() == 3
    assert await relay(store, publisher, lease({}, "r1", clock)).publish_once() == 3


async def test_only_the_lease_holder_publishes_until_its_lease_expires() -> None:
    store, publisher = await filled_store(), InMemoryPublisher()
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    state: dict[str, object] = {}
    first = lease(state, "r1", clock)
    second = lease(state, "r2", clock)
    assert await first.acquire()
    assert await relay(store, publisher, second).publish_once() is None
    assert publisher.published == {}
    clock.advance(timedelta(seconds=11))  # r1 died and stopped renewing
    assert await relay(store, publisher, second).publish_once() == 3
    assert not await first.acquire()


async def test_a_stop_does_not_wait_on_a_store_that_hangs(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio
    import time

    from ztc_shared.relay import relay as relay_module

    class HangingLease(InMemoryLease):
        async def release(self) -> None:
            await asyncio.Event().wait()  # the lease's store never answers

    monkeypatch.setattr(relay_module, "LEASE_RELEASE_TIMEOUT_S", 0.2)
    store, publisher = await filled_store(), InMemoryPublisher()
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    running = OutboxRelay(
        store,
        publisher,
        HangingLease({}, "r1", ttl=timedelta(seconds=10), clock=clock),
        topic=TOPIC,
        service="intake",
    )
    task = asyncio.create_task(running.run())
    await asyncio.sleep(0.1)
    assert await store.count_unpublished() == 0  # it ran
    started = time.monotonic()
    running.stop()
    await asyncio.wait_for(task, 5)
    assert time.monotonic() - started < 2


async def test_an_idle_relay_sleeps_until_rung_and_then_publishes_at_once() -> None:
    import asyncio

    from ztc_shared.relay.wake import Doorbell

    store, publisher = InMemoryEventStore(), InMemoryPublisher()
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    doorbell = Doorbell()
    await doorbell.open("127.0.0.1")
    running = OutboxRelay(
        store,
        publisher,
        lease({}, "r1", clock),
        topic=TOPIC,
        service="intake",
        idle_poll=timedelta(seconds=30),
        doorbell=doorbell,
    )
    task = asyncio.create_task(running.run())
    try:
        await asyncio.sleep(0.5)
        assert running.polls == 1  # looked once, found nothing, and slept: no polling
        await store.append(
            stream_id="a",
            stream_type="achievement",
            expected_version=0,
            events=envelopes("a", 1, drafted()),
            committed_at=T0,
        )
        doorbell.ring()
        for _ in range(50):
            if publisher.published.get(TOPIC):
                break
            await asyncio.sleep(0.01)
        assert [e.stream_id for e in publisher.published[TOPIC]] == ["a"]
    finally:
        running.stop()
        await asyncio.wait_for(task, 5)
        doorbell.close()


async def test_without_a_doorbell_an_idle_relay_backs_off_to_its_idle_poll() -> None:
    import asyncio

    store, publisher = InMemoryEventStore(), InMemoryPublisher()
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    running = OutboxRelay(
        store,
        publisher,
        lease({}, "r1", clock),
        topic=TOPIC,
        service="intake",
        poll_interval=timedelta(milliseconds=10),
        idle_poll=timedelta(milliseconds=200),
    )
    task = asyncio.create_task(running.run())
    await asyncio.sleep(1.0)
    running.stop()
    await asyncio.wait_for(task, 5)
    # 10, 20, 40, 80, 160, then every 200 ms: about 8 looks in a second, not 100
    assert 4 <= running.polls <= 12


async def test_a_commit_rings_the_relay_at_the_address_its_lease_gives() -> None:

    from ztc_shared.relay.wake import Doorbell, RelayNudger

    doorbell = Doorbell()
    address = await doorbell.open("127.0.0.1")

    class Leases:
        async def find_one(self, query: dict[str, str], fields: object) -> dict[str, str]:
            assert query == {"_id": "relay"}
            return {"_id": "relay", "wake": address}

    nudger = RelayNudger(Leases())  # type: ignore[arg-type]
    try:
        nudger.nudge()  # looks the address up, then rings
        assert await doorbell.wait(2.0) is True
        nudger.nudge()  # the address is known now: rung straight away
        assert await doorbell.wait(2.0) is True
        assert await doorbell.wait(0.1) is False  # nothing rang since
    finally:
        nudger.close()
        doorbell.close()
