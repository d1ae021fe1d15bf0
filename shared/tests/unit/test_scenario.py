"""The scenario harness itself, on a small counter aggregate run through ``execute``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

import pytest

from ztc_shared.application import CommandContext, CommandResult, execute
from ztc_shared.clock import FixedClock
from ztc_shared.domain import Aggregate, DomainError, Forbidden, StateConflict
from ztc_shared.events import DomainEvent, EventRegistry
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing.scenario import Scenario

NOW = datetime(2026, 9, 30, 8, 0, tzinfo=UTC)
OWNER = CommandContext(actor="owner", region="440000", correlation_id="c", role="holder")
STRANGER = CommandContext(actor="stranger", region="440000", correlation_id="c", role="holder")


class CounterOpened(DomainEvent):
    event_type: ClassVar[str] = "CounterOpened"
    stream_type: ClassVar[str] = "counter"

    owner: str


class CounterRaised(DomainEvent):
    event_type: ClassVar[str] = "CounterRaised"
    stream_type: ClassVar[str] = "counter"

    by: int


REGISTRY = EventRegistry()
REGISTRY.register(CounterOpened)
REGISTRY.register(CounterRaised)


class Counter(Aggregate):
    stream_type = "counter"

    def __init__(self, stream_id: str) -> None:
        super().__init__(stream_id)
        self.owner = ""
        self.total = 0

    def open(self, owner: str) -> None:
        if self.exists:
            raise StateConflict("counter.open", "计数器已存在", "The counter exists")
        self._record(CounterOpened(owner=owner))

    def raise_by(self, by: int, actor: str) -> None:
        if actor != self.owner:
            raise Forbidden("counter.not_yours", "不是你的计数器", "Not your counter")
        if by < 1:
            raise DomainError("counter.by", "至少加一", "Raise by one at least")
        if by > 1_000:  # split in two events: one command, one commit, two events
            self._record(CounterRaised(by=1_000))
            by -= 1_000
        self._record(CounterRaised(by=by))

    def _when_CounterOpened(self, event: CounterOpened) -> None:
        self.owner = event.owner

    def _when_CounterRaised(self, event: CounterRaised) -> None:
        self.total += event.by


class Service:
    """A service's ``handle`` over the counter, as bootstrapped services offer one."""

    def __init__(self, store: InMemoryEventStore) -> None:
        self.store = store
        self.clock = FixedClock(NOW)

    async def handle(
        self, command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult:
        kind, value = command
        if kind == "open":
            return await execute(
                self.store,
                Counter,
                stream_id or "counter-1",
                context,
                lambda c: c.open(context.actor),
                command="open",
                clock=self.clock,
                must_exist=False,
                registry=REGISTRY,
            )
        return await execute(
            self.store,
            Counter,
            stream_id or "",
            context,
            lambda c: c.raise_by(value, context.actor),
            command="raise",
            clock=self.clock,
            registry=REGISTRY,
        )


def scenario(**options: Any) -> Scenario:
    store = InMemoryEventStore()
    return Scenario(
        Service(store).handle, store, context=OWNER, now=NOW, registry=REGISTRY, **options
    )


async def test_when_a_command_then_its_events_and_the_first_stream_is_followed() -> None:
    s = scenario()
    assert await s.when(("open", None)) == ["CounterOpened"]
    assert s.id == "counter-1"
    assert await s.when(("raise", 1_002)) == ["CounterRaised", "CounterRaised"]
    assert await s.types() == ["CounterOpened", "CounterRaised", "CounterRaised"]
    assert (await s.aggregate(Counter)).total == 1_002
    last = await s.last()
    assert isinstance(last, CounterRaised) and last.by == 2
    assert (await s.payloads())[0] == {"owner": "owner"}


async def test_given_events_are_the_past_the_command_decides_on() -> None:
    s = scenario(stream_id="counter-7")
    written = await s.given(CounterOpened(owner="owner"), CounterRaised(by=5))
    assert [e.stream_version for e in written] == [1, 2]
    assert written[0].occurred_at == NOW and written[0].actor == "owner"
    assert await s.when(("raise", 1)) == ["CounterRaised"]
    assert (await s.aggregate(Counter)).total == 6
    assert await s.when(("open", None), stream_id="counter-8") == ["CounterOpened"]
    assert s.id == "counter-7"  # a named stream does not change the scenario's


async def test_then_a_refusal_of_its_type_and_code_with_nothing_written() -> None:
    s = scenario()
    await s.when(("open", None))
    refusal = await s.refused(("raise", 1), STRANGER, error=Forbidden, code="counter.not_yours")
    assert refusal.message_zh == "不是你的计数器"  # type: ignore[union-attr]
    assert isinstance(await s.refused(("raise", 0)), DomainError)
    conflict = await s.refused(("open", None), error=StateConflict)
    assert conflict.code == "counter.open"  # type: ignore[union-attr]
    with pytest.raises(AssertionError, match="refused with"):
        await s.refused(("raise", 0), code="another.code")
    with pytest.raises(pytest.fail.Exception):
        await s.refused(("raise", 1))  # accepted: no refusal to see
    assert await s.types() == ["CounterOpened", "CounterRaised"]


async def test_a_refusal_after_a_write_fails_the_scenario() -> None:
    store = InMemoryEventStore()
    service = Service(store)
    s = Scenario(service.handle, store, context=OWNER, registry=REGISTRY)
    await s.when(("open", None))

    async def writes_then_refuses(
        command: Any, context: CommandContext, stream_id: str | None = None
    ) -> CommandResult:
        await service.handle(("open", None), context, "counter-2")
        raise DomainError("late", "写完才拒绝", "Refused after writing")

    s.handle = writes_then_refuses
    with pytest.raises(AssertionError, match="a refused command wrote"):
        await s.refused(("raise", 1))


async def test_without_follow_every_call_names_its_stream() -> None:
    s = scenario(follow=False)
    assert await s.when(("open", None), stream_id="counter-a") == ["CounterOpened"]
    assert await s.when(("open", None)) == ["CounterOpened"]  # no stream named: a new one
    assert s.id == ""
    assert await s.types("counter-a") == ["CounterOpened"]
    with pytest.raises(ValueError, match="which stream"):
        await s.types()


async def test_a_replayed_command_appends_nothing() -> None:
    s = scenario()
    await s.when(("open", None))
    keyed = CommandContext(actor="owner", region="440000", correlation_id="c", idempotency_key="k")
    assert await s.when(("raise", 3), keyed) == ["CounterRaised"]
    assert await s.when(("raise", 3), keyed) == []
    result = await s.run(("raise", 3), keyed)
    assert result.replayed
