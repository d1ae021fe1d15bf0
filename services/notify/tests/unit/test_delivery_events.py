"""A delivery's transitions as events: queued when planned, delivered or finally failed, queued
again by an operator; each stored once however often it is appended, and none lost or doubled
by a crash between the event and the ledger."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

import pytest

from notify.adapters.memory import InMemoryDirectory, InMemoryLedger
from notify.application.dispatch import Dispatcher
from notify.application.facts import FactsProjector, StoredFacts
from notify.application.intake import EventIntake
from notify.application.publishing import DeliveryEvents
from notify.application.rendering import Renderer
from notify.domain.deliveries import Delivery, RetryPolicy, SendFailed, Status, public_reason
from notify.domain.recipients import Channel, Contact
from notify.testing.contracts import T0, delivery
from ztc_shared import failpoints
from ztc_shared.clock import FixedClock
from ztc_shared.contracts.intake import AchievementDrafted, AchievementReturned
from ztc_shared.contracts.intake import Channel as Via
from ztc_shared.contracts.notify import notification_stream_id
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import EVENTS, EventEnvelope, new_envelope
from ztc_shared.events.codec import encode_event
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.projections import InMemoryProjectionStore, Message, ProjectionRunner
from ztc_shared.projections.processing import BatchProcessor, CollectingDeadLetterSink

LEASE = timedelta(seconds=30)


class Crash(BaseException):
    """The process dies here (what a failpoint's SIGKILL does to a real worker)."""


def crash_at(name: str) -> Callable[[str], None]:
    def hit(reached: str) -> None:
        if reached == name:
            raise Crash(name)

    return hit


class Recorder:
    """A channel that records what it sent, failing as scripted first."""

    def __init__(self, *failures: SendFailed) -> None:
        self.failures = list(failures)
        self.sent: list[Delivery] = []

    async def send(self, item: Delivery) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(item)


class World:
    def __init__(self) -> None:
        self.clock = FixedClock(T0)
        self.store = InMemoryEventStore()
        self.events = DeliveryEvents(self.store)
        self.ledger = InMemoryLedger()
        self.channel = Recorder()

    def dispatcher(self, owner: str = "worker-1") -> Dispatcher:
        return Dispatcher(
            self.ledger,
            {Channel.EMAIL: self.channel, Channel.WEBHOOK: self.channel},
            owner=owner,
            clock=self.clock,
            lease=LEASE,
            policy=RetryPolicy(max_attempts=3, first_delay=timedelta(seconds=2)),
            events=self.events,
        )

    async def planned(self, item: Delivery) -> Delivery:
        [marked] = await self.events.queued([item], self.clock.now())
        await self.ledger.add([marked], self.clock.now())
        return marked

    async def stream(self, key: str) -> list[EventEnvelope]:
        return (await self.store.load(notification_stream_id(key))).events

    def after_lease(self) -> None:
        self.clock.advance(LEASE + timedelta(seconds=1))


def item(**kw: object) -> Delivery:
    return delivery(region="440300", correlation_id="corr-1", **kw)  # type: ignore[arg-type]


# Planning: NotificationQueued before the ledger stores the delivery


def drafted() -> AchievementDrafted:
    return AchievementDrafted(
        title="视觉大模型",
        abstract="摘要",
        field=IndustryField.NEXT_GEN_IT,
        trl=7,
        holder_name="王五",
        institution="华南理工大学",
        channel=Via.OPEN_CALL,
        holder_id="holder-wang",
    )


def batch() -> list[Message]:
    events = [
        new_envelope(
            payload,
            stream_id="a-1",
            stream_version=version,
            occurred_at=T0 - timedelta(minutes=5),
            region="440300",
            actor="someone",
            correlation_id="corr-a-1",
        )
        for version, payload in ((1, drafted()), (2, AchievementReturned(reasons=["补充材料"])))
    ]
    return [
        Message(topic="t", partition=0, offset=i, key=None, value=encode_event(e))
        for i, e in enumerate(events)
    ]


def intake(world: World) -> EventIntake:
    facts = InMemoryProjectionStore()
    letters = CollectingDeadLetterSink()
    contact = Contact(
        recipient_id="holder-wang", role="holder", region="440300", email="wang@scut.example.cn"
    )
    return EventIntake(
        BatchProcessor(ProjectionRunner("facts", FactsProjector(), facts), letters),
        StoredFacts(facts),
        InMemoryDirectory([contact]),
        world.ledger,
        Renderer(),
        letters,
        world.clock,
        events=world.events,
    )


async def test_planning_queues_each_delivery_as_an_event_once_without_personal_data() -> None:
    world = World()
    process = intake(world)
    messages = batch()
    assert await process.process(messages) == 2  # inbox and e-mail
    assert await process.process(messages) == 0  # redelivered: nothing new, nothing appended
    assert len(world.store._commits) == 2
    for stored in world.ledger.deliveries.values():
        assert stored.events and stored.region == "440300"
        [queued] = await world.stream(stored.key)
        assert (queued.event_type, queued.stream_type, queued.stream_version) == (
            "NotificationQueued",
            "notification",
            1,
        )
        assert queued.region == "440300" and queued.correlation_id == "corr-a-1"
        assert queued.causation_id == stored.event_id
        assert queued.payload == {
            "delivery_key": stored.key,
            "recipient": "holder-wang",
            "channel": stored.channel.value,
            "template": "achievement_returned",
            "topic": "achievements",
            "cause_event_id": stored.event_id,
            "cause_event_type": "AchievementReturned",
            "essential": True,
            "notice_id": None,
            "retry": 0,
            "retry_of": None,
        }
        # The address and the words stay in the ledger.
        text = json.dumps(queued.model_dump(mode="json"), ensure_ascii=False)
        assert "wang@scut.example.cn" not in text and stored.subject not in text
        EVENTS.payload(queued)  # the contract reads it


async def test_a_crash_between_queueing_and_storing_stores_once_when_the_batch_comes_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world, messages = World(), batch()
    monkeypatch.setattr(failpoints, "hit", crash_at("notify.after_queued"))
    with pytest.raises(Crash):
        await intake(world).process(messages)
    assert world.ledger.deliveries == {} and len(world.store._commits) == 2
    monkeypatch.setattr(failpoints, "hit", crash_at("none"))
    assert await intake(world).process(messages) == 2
    assert len(world.store._commits) == 2  # the events queued before the crash, not again
    assert all(d.events for d in world.ledger.deliveries.values())


# Sending: NotificationDelivered after the send, before the ledger records it


async def test_a_delivered_message_publishes_one_delivered_event() -> None:
    world = World()
    planned = await world.planned(item())
    outcome = await world.dispatcher().dispatch_one()
    assert outcome is not None and outcome.delivered
    _, delivered = await world.stream(planned.key)
    assert (delivered.event_type, delivered.stream_version) == ("NotificationDelivered", 2)
    assert delivered.payload["attempts"] == 1 and delivered.payload["channel"] == "email"
    assert delivered.payload["delivered_at"] == "2026-11-28T09:00:00Z"
    assert delivered.correlation_id == "corr-1" and delivered.causation_id == planned.event_id
    stored = await world.ledger.get(planned.key)
    assert stored is not None and stored.status is Status.DELIVERED


async def test_a_crash_after_the_send_resends_and_publishes_delivered_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World()
    planned = await world.planned(item())
    monkeypatch.setattr(failpoints, "hit", crash_at("notify.after_send.email"))
    with pytest.raises(Crash):
        await world.dispatcher("doomed").dispatch_one()
    assert len(await world.stream(planned.key)) == 1  # sent, nothing recorded
    monkeypatch.setattr(failpoints, "hit", crash_at("none"))
    world.after_lease()
    outcome = await world.dispatcher("survivor").dispatch_one()
    assert outcome is not None and outcome.delivered
    # The window ADR 10 describes: sent twice under one reference; one event, two attempts.
    assert len(world.channel.sent) == 2
    [_, delivered] = await world.stream(planned.key)
    assert delivered.payload["attempts"] == 2


async def test_a_crash_after_the_delivered_event_records_it_without_sending_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World()
    planned = await world.planned(item())
    monkeypatch.setattr(failpoints, "hit", crash_at("notify.after_event.email"))
    with pytest.raises(Crash):
        await world.dispatcher("doomed").dispatch_one()
    stored = await world.ledger.get(planned.key)
    assert stored is not None and stored.status is Status.SENDING
    monkeypatch.setattr(failpoints, "hit", crash_at("none"))
    world.after_lease()
    outcome = await world.dispatcher("survivor").dispatch_one()
    assert outcome is not None and outcome.delivered
    assert len(world.channel.sent) == 1  # the event says it went: not sent again
    assert [e.event_type for e in await world.stream(planned.key)] == [
        "NotificationQueued",
        "NotificationDelivered",
    ]
    stored = await world.ledger.get(planned.key)
    assert stored is not None and stored.status is Status.DELIVERED
    assert await world.dispatcher().dispatch_one() is None


# Failing: passing failures publish nothing, a dead delivery publishes NotificationFailed


async def test_passing_failures_publish_nothing_and_the_final_one_publishes_failed() -> None:
    world = World()
    world.channel.failures = [
        SendFailed("SMTP unavailable: [Errno 111] Connection refused"),
        SendFailed("SMTP 550: 5.1.1 <wang@scut.example.cn> mailbox unavailable", permanent=True),
    ]
    planned = await world.planned(item())
    send = world.dispatcher()
    await send.dispatch_one()
    assert len(await world.stream(planned.key)) == 1  # retried later: no event
    world.clock.advance(timedelta(seconds=2))
    outcome = await send.dispatch_one()
    assert outcome is not None and not outcome.delivered
    [_, failed] = await world.stream(planned.key)
    assert failed.event_type == "NotificationFailed" and failed.stream_version == 2
    assert failed.payload["reason_code"] == "smtp_550" and failed.payload["final"] is True
    assert failed.payload["attempts"] == 2
    assert "wang@scut.example.cn" not in failed.payload["reason"]
    dead = await world.ledger.get(planned.key)
    assert dead is not None and dead.status is Status.DEAD


async def test_a_crash_after_the_failed_event_makes_it_dead_without_sending_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    world = World()
    world.channel.failures = [SendFailed("HTTP 410", permanent=True)]
    planned = await world.planned(item(channel=Channel.WEBHOOK))
    monkeypatch.setattr(failpoints, "hit", crash_at("notify.after_event.webhook"))
    with pytest.raises(Crash):
        await world.dispatcher("doomed").dispatch_one()
    monkeypatch.setattr(failpoints, "hit", crash_at("none"))
    world.after_lease()
    outcome = await world.dispatcher("survivor").dispatch_one()
    assert outcome is not None and not outcome.delivered
    assert world.channel.sent == []  # not tried again: its failure is on record
    dead = await world.ledger.get(planned.key)
    assert dead is not None and dead.status is Status.DEAD and dead.last_error == "HTTP 410"
    assert [e.event_type for e in await world.stream(planned.key)] == [
        "NotificationQueued",
        "NotificationFailed",
    ]


# An operator's retry: NotificationQueued of the next round, then its own outcome


async def test_an_operator_retry_queues_a_new_round_once_and_its_outcome_follows_it() -> None:
    world = World()
    world.channel.failures = [SendFailed("HTTP 410", permanent=True)]
    planned = await world.planned(item(channel=Channel.WEBHOOK))
    await world.dispatcher().dispatch_one()
    dead = await world.ledger.get(planned.key)
    assert dead is not None and dead.status is Status.DEAD

    # The operator's first request dies after the event, before the ledger; they send again.
    first = await world.events.requeued(dead, world.clock.now(), "gd-operator")
    again = await world.events.requeued(dead, world.clock.now(), "gd-operator")
    assert first is not None and again is not None and again.event_id == first.event_id
    assert await world.ledger.retry(planned.key, world.clock.now())

    outcome = await world.dispatcher().dispatch_one()
    assert outcome is not None and outcome.delivered
    stream = await world.stream(planned.key)
    assert [(e.event_type, e.payload["retry"]) for e in stream] == [
        ("NotificationQueued", 0),
        ("NotificationFailed", 0),
        ("NotificationQueued", 1),
        ("NotificationDelivered", 1),
    ]
    assert stream[2].payload["retry_of"] == str(stream[1].event_id)
    assert stream[2].actor == "gd-operator"
    assert stream[3].payload["attempts"] == 1


async def test_deliveries_planned_before_events_were_published_publish_none() -> None:
    world = World()
    await world.ledger.add([item()])  # as planned by an earlier version: no stream
    outcome = await world.dispatcher().dispatch_one()
    assert outcome is not None and outcome.delivered
    assert world.store._commits == {}
    legacy = await world.ledger.get(item().key)
    assert legacy is not None and await world.events.requeued(legacy, T0, "op") is None


async def test_appending_a_transition_again_stores_it_once() -> None:
    world = World()
    planned = await world.planned(item())
    first = await world.events.delivered(planned, T0)
    second = await world.events.delivered(planned, T0 + timedelta(seconds=5))
    assert second.event_id == first.event_id
    # The other outcome of the same round is refused: the first one stands.
    assert (await world.events.failed(planned, "HTTP 410", T0)).event_type == (
        "NotificationDelivered"
    )
    assert len(await world.stream(planned.key)) == 2
    assert (await world.events.queued([planned], T0))[0].events
    assert len(world.store._commits) == 2


def test_a_failure_reason_keeps_no_address_number_or_link() -> None:
    assert public_reason("HTTP 503") == ("http_503", "HTTP 503")
    assert public_reason("WeCom errcode 45009: api freq out of limit")[0] == "wecom_45009"
    code, text = public_reason(
        "recipient refused: {'li@zhizao.example.cn': (550, b'no such user')} "
        "tel 13800000000 via https://hooks.example.cn/x?token=abc"
    )
    assert code == "recipient_refused"
    for secretish in ("li@zhizao", "13800000000", "hooks.example.cn", "token=abc"):
        assert secretish not in text
    assert public_reason("ValueError: " + "x" * 1000)[0] == "error"
    assert len(public_reason("ValueError: " + "x" * 1000)[1]) == 300


def test_each_delivery_has_its_own_stream() -> None:
    assert notification_stream_id("e1:holder-1:email:t") == "delivery-e1:holder-1:email:t"
