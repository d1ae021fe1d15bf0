"""Roadshow's reactions to other services' events.

``screening`` follows intake's and screening's topics:

- intake's achievement events keep the directory's cards (title, holder, institution, field), which
  the pitches and the online channel show and which say who the holder is;
- screening's ``ScreeningRoundOpened`` and ``CandidateLonglisted`` keep each round's roadshow and
  candidates;
- ``ShortlistFinalized`` becomes ``ReceiveShortlist`` on the round's roadshow, as its host: the
  stage's pitches with their titles, holders and institutions (the review's recusals need the
  institution), and the rest of the longlist for the online channel.

Both topics are read by one consumer in their partitions' order; a round's events share a key, so
its candidates are known before its shortlist. The command's idempotency key comes from the
``ShortlistFinalized`` event: delivered twice, it is received once.
"""

from __future__ import annotations

from typing import Any

import structlog

from roadshow.application.directory import Directory
from roadshow.application.handlers import Ports, roadshow_facts
from roadshow.domain.commands import ReceiveShortlist
from roadshow.domain.roadshow_event import EventStatus
from ztc_shared.application import CommandBus
from ztc_shared.auth import Role
from ztc_shared.contracts import intake as intake_contracts
from ztc_shared.contracts import screening as screening_contracts
from ztc_shared.contracts.roadshow import Pitch
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.domain import StateConflict
from ztc_shared.events import EventEnvelope
from ztc_shared.reactions import reaction_context

log = structlog.get_logger()

SCREENING = "screening"


class FollowScreening:
    def __init__(self, bus: CommandBus[Ports], directory: Directory) -> None:
        self._bus = bus
        self._ports = bus.ports
        self._directory = directory

    async def react(self, event: EventEnvelope) -> None:
        payload = event.payload
        match event.event_type:
            case intake_contracts.AchievementDrafted.event_type:
                values = dict(payload)
                values["holder_id"] = payload.get("holder_id") or event.actor
                await self._directory.remember_achievement(event.stream_id, values)
            case intake_contracts.AchievementUpdated.event_type:
                await self._directory.remember_achievement(event.stream_id, payload["changes"])
            case screening_contracts.ScreeningRoundOpened.event_type:
                await self._directory.remember_round(
                    event.stream_id, payload["roadshow_ref"], payload.get("host_id")
                )
            case screening_contracts.CandidateLonglisted.event_type:
                await self._directory.remember_candidate(
                    event.stream_id, payload["achievement_id"], payload["title"], payload["field"]
                )
            case screening_contracts.ShortlistFinalized.event_type:
                await self._receive(event)
            case _:
                return

    async def _receive(self, event: EventEnvelope) -> None:
        finalized = screening_contracts.ShortlistFinalized.model_validate(event.payload)
        round_ = await self._directory.round(event.stream_id)
        if round_ is None:
            log.warning("reaction.unknown_round", round_id=event.stream_id)
            return
        facts = await roadshow_facts(self._ports.store, round_.roadshow_ref)
        cards = await self._directory.achievements(finalized.selected)
        pitches = []
        for achievement_id in finalized.selected:
            candidate: dict[str, Any] = round_.candidates.get(achievement_id, {})
            card = cards.get(achievement_id)
            field = candidate.get("field") or (card.field if card else None)
            pitches.append(
                Pitch(
                    achievement_id=achievement_id,
                    title=candidate.get("title") or (card.title if card else "") or achievement_id,
                    holder_name=card.holder_name if card else "",
                    institution=card.institution if card else "",
                    field=IndustryField(field) if field else None,
                )
            )
        command = ReceiveShortlist(
            round_id=event.stream_id, pitches=pitches, not_selected=finalized.not_selected
        )
        context = reaction_context(event, SCREENING, actor=facts.host_id, role=Role.HOST.value)
        try:
            await self._bus.handle(command, context, round_.roadshow_ref)
        except StateConflict as conflict:
            if facts.status in (EventStatus.PLANNED, EventStatus.REGISTRATION_OPEN):
                raise  # refused: registration is not open yet, or the shortlist is wrong
            # Received before (by hand, or before this delivery's idempotency record): done.
            log.info("reaction.shortlist_already_received", reason=conflict.message_en)
