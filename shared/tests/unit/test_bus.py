"""The command bus: commands routed by reference, scopes named one way."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from ztc_shared.application import Call, CommandBus, CommandContext, CommandResult
from ztc_shared.application.bus import AggregateMethod, idempotency_scope
from ztc_shared.clock import FixedClock
from ztc_shared.domain import Actor, Aggregate
from ztc_shared.eventstore.memory import InMemoryEventStore

CONTEXT = CommandContext(actor="holder-1", region="440000", correlation_id="c", role="holder")


@dataclass(frozen=True)
class Rename:
    title: str


@dataclass(frozen=True)
class Ping:
    pass


class Thing(Aggregate):
    stream_type = "thing"

    def rename(self, command: Rename, actor: Actor) -> None:
        """Decides nothing: the bus test needs the route, not the event."""


def a_bus() -> CommandBus[dict[str, Any]]:
    return CommandBus(
        "things",
        {"seen": []},
        store=InMemoryEventStore(),
        clock=FixedClock(datetime(2026, 1, 1, tzinfo=UTC)),
    )


def test_scopes_are_the_service_and_the_command_type() -> None:
    assert idempotency_scope("intake", Rename) == "intake:Rename"
    assert idempotency_scope("tracking", "FlagCase") == "tracking:FlagCase"


async def test_a_handler_gets_the_ports_and_the_call() -> None:
    bus = a_bus()

    async def ping(ports: dict[str, Any], call: Call[Ping]) -> CommandResult:
        ports["seen"].append((call.scope, call.stream_id, call.actor.id))
        return CommandResult(stream_id="s", stream_version=0, events=(), body={})

    bus.on(Ping, ping)
    await bus.handle(Ping(), CONTEXT, "stream-1")
    assert bus.ports["seen"] == [("things:Ping", "stream-1", "holder-1")]


async def test_a_method_is_routed_to_its_aggregate_by_reference() -> None:
    bus = a_bus()
    bus.on(Rename, Thing.rename, must_exist=False)
    route = bus.routes[Rename]
    assert isinstance(route, AggregateMethod)
    assert (route.aggregate, route.method) == (Thing, Thing.rename)
    result = await bus.handle(Rename(title="x"), CONTEXT, "thing-1")
    assert (result.stream_id, result.events) == ("thing-1", ())


async def test_a_command_without_a_route_or_routed_twice_is_refused() -> None:
    bus = a_bus()
    with pytest.raises(LookupError):
        await bus.handle(Ping(), CONTEXT)
    bus.on(Rename, Thing.rename)
    with pytest.raises(ValueError, match="routed already"):
        bus.on(Rename, Thing.rename)
    with pytest.raises(TypeError, match="not a method of an aggregate"):
        bus.on(Ping, len)


async def test_a_method_on_a_named_stream_needs_its_id() -> None:
    bus = a_bus()
    bus.on(Rename, Thing.rename)
    with pytest.raises(ValueError, match="needs the id"):
        await bus.handle(Rename(title="x"), CONTEXT)
