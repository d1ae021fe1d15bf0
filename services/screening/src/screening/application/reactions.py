"""Screening's reactions to other services' events.

``roadshows``: a planned roadshow opens its screening round (启动项目筛选), with the roadshow's theme
fields, industry needs and region and the guideline's sizes, on behalf of its host. The round's id
is ``round-{roadshow id}``, so each roadshow has that one round however often its plan is delivered.
Registrations approved, waitlisted, declined and cancelled keep each roadshow's registrants, to whom
a round pushes its longlist when the host names no companies.
"""

from __future__ import annotations

from screening.application.handlers import Ports, round_of_roadshow
from screening.application.registrants import CONFIRMED
from screening.domain.commands import OpenScreeningRound
from ztc_shared.application import CommandBus
from ztc_shared.auth import Role
from ztc_shared.contracts import roadshow as roadshow_contracts
from ztc_shared.domain import StateConflict
from ztc_shared.events import EventEnvelope
from ztc_shared.reactions import reaction_context

ROADSHOWS = "roadshows"


class OpenRoundsForRoadshows:
    """RoadshowPlanned → ScreeningRoundOpened (as the host)."""

    def __init__(self, bus: CommandBus[Ports]) -> None:
        self._bus = bus
        self._ports = bus.ports

    async def react(self, event: EventEnvelope) -> None:
        payload = event.payload
        registrants = self._ports.registrants
        match event.event_type:
            case roadshow_contracts.RoadshowPlanned.event_type:
                await self._open(event)
            case roadshow_contracts.RegistrationApproved.event_type:
                seat = "waitlisted" if payload.get("waitlisted") else CONFIRMED
                await registrants.record(event.stream_id, payload["company_id"], seat)
            case roadshow_contracts.RegistrationDeclined.event_type:
                await registrants.record(event.stream_id, payload["company_id"], "declined")
            case roadshow_contracts.RegistrationCancelled.event_type:
                await registrants.record(event.stream_id, payload["company_id"], "cancelled")
                if payload.get("promoted"):
                    await registrants.record(event.stream_id, payload["promoted"], CONFIRMED)
            case _:
                return

    async def _open(self, event: EventEnvelope) -> None:
        planned = roadshow_contracts.RoadshowPlanned.model_validate(event.payload)
        command = OpenScreeningRound(
            roadshow_ref=event.stream_id,
            title=planned.title,
            fields=planned.fields,
            industry_needs=planned.industry_needs,
            region=planned.region,
        )
        context = reaction_context(event, ROADSHOWS, actor=planned.host_id, role=Role.HOST.value)
        try:
            await self._bus.handle(command, context, round_of_roadshow(event.stream_id))
        except StateConflict as conflict:
            if conflict.code != "already_opened":
                raise
            # Opened before this delivery's idempotency record existed (or by hand): done.
