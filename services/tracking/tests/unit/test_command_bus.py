"""Every command tracking defines has a route on its bus, named by reference."""

from tracking_scenarios import NoFigures

from tracking.bootstrap import bootstrap
from tracking.config import TrackingSettings
from tracking.domain import commands
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing.bus import unrouted


def test_every_command_is_routed() -> None:
    bus = bootstrap(TrackingSettings(), store=InMemoryEventStore(), figures=NoFigures())
    assert unrouted(bus, commands) == []
    assert all(bus.routes[command] is not None for command in bus.routes)
