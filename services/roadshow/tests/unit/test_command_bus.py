"""Every command roadshow defines has a route on its bus, named by reference."""

from roadshow.bootstrap import bootstrap
from roadshow.config import RoadshowSettings
from roadshow.domain import commands
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing.bus import unrouted


def test_every_command_is_routed() -> None:
    bus = bootstrap(RoadshowSettings(), store=InMemoryEventStore())
    assert unrouted(bus, commands) == []
    assert all(bus.routes[command] is not None for command in bus.routes)
