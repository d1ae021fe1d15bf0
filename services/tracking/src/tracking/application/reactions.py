"""Roadshow's events open tracking cases (跟踪服务), exactly once each.

- ``RoadshowConcluded``: a pitch case per project on stage (``pitch_case_id(roadshow, achievement)``,
  at 意向洽谈 when the audience declared intents, else at 路演完成), and an intent case per
  (achievement, company) the conclusion lists.
- ``IntentDeclared`` (on stage, at a one-to-one meeting, or ``channel: online``) and
  ``OnlineMeetingAccepted`` (the online channel): an intent case per (achievement, company).

Case ids are derived from the cause's natural key, so an event delivered twice, or the same intent
arriving as ``IntentDeclared`` and again in ``RoadshowConcluded``, meets the case it opened and
leaves it as it is; the command also carries the event's idempotency key, so a redelivery is answered
from the event store without deciding again.

What a case needs to know about its roadshow (host, year, titles and fields of the pitches) comes
from the roadshow's own earlier events (``RoadshowPlanned``, ``ShortlistReceived``), which the
reactor remembers in a small directory as it passes them: they precede the conclusion on the same
stream, hence in the same partition, so the directory always has them in time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import structlog
from pydantic import ValidationError

from tracking.application.handlers import Ports
from tracking.domain.commands import OpenCase
from ztc_shared.application import CommandBus
from ztc_shared.contracts import roadshow as rs
from ztc_shared.contracts.tracking import (
    CaseCause,
    CaseKind,
    CaseStage,
    intent_case_id,
    pitch_case_id,
)
from ztc_shared.domain import DomainError
from ztc_shared.events import EVENTS, EventEnvelope
from ztc_shared.reactions import reaction_context

log = structlog.get_logger()

REACTION = "cases"
ACTOR = "tracking-reactions"


class RoadshowDirectory(Protocol):
    """What the reactor remembers of each roadshow: host, year, title and its pitches."""

    async def get(self, roadshow_id: str) -> dict[str, Any] | None: ...

    async def merge(self, roadshow_id: str, fields: dict[str, Any]) -> None: ...


class InMemoryRoadshowDirectory:
    def __init__(self) -> None:
        self.documents: dict[str, dict[str, Any]] = {}

    async def get(self, roadshow_id: str) -> dict[str, Any] | None:
        found = self.documents.get(roadshow_id)
        return dict(found) if found is not None else None

    async def merge(self, roadshow_id: str, fields: dict[str, Any]) -> None:
        self.documents.setdefault(roadshow_id, {}).update(fields)


@dataclass
class CaseOpener:
    """The reactor of ``cases``."""

    bus: CommandBus[Ports]
    directory: RoadshowDirectory

    async def react(self, event: EventEnvelope) -> None:
        handler = getattr(self, f"_on_{event.event_type}", None)
        if handler is None:
            return
        try:
            await handler(event)
        except (ValidationError, KeyError) as error:
            # A payload this reader cannot read is final, not transient: a dead letter.
            raise DomainError(
                "case.unreadable_cause",
                "无法读取引起跟踪的事件，未建立跟踪案例",
                f"{event.event_type} cannot be read: {error!r}"[:500],
            ) from None

    async def _on_RoadshowPlanned(self, event: EventEnvelope) -> None:  # noqa: N802
        planned = EVENTS.payload(event)
        assert isinstance(planned, rs.RoadshowPlanned)
        await self.directory.merge(
            event.stream_id,
            {"host_id": planned.host_id, "year": planned.year, "title": planned.title},
        )

    async def _on_ShortlistReceived(self, event: EventEnvelope) -> None:  # noqa: N802
        received = EVENTS.payload(event)
        assert isinstance(received, rs.ShortlistReceived)
        pitches = {
            p.achievement_id: {
                "title": p.title,
                "institution": p.institution,
                "field": p.field.value if p.field else None,
            }
            for p in received.pitches
        }
        await self.directory.merge(event.stream_id, {"pitches": pitches})

    async def _on_RoadshowConcluded(self, event: EventEnvelope) -> None:  # noqa: N802
        concluded = EVENTS.payload(event)
        assert isinstance(concluded, rs.RoadshowConcluded)
        info = await self._info(event, event.stream_id)
        for pitch in concluded.pitches:
            known = info.get("pitches", {}).get(pitch.achievement_id, {})
            base = {
                "region": event.region,
                "achievement_id": pitch.achievement_id,
                "title": pitch.title or known.get("title", ""),
                "institution": pitch.institution or known.get("institution", ""),
                "field": known.get("field"),
                "roadshow_id": event.stream_id,
                "host_id": info["host_id"],
                "year": info["year"],
                "cause_event_id": str(event.event_id),
            }
            await self._open(
                event,
                pitch_case_id(event.stream_id, pitch.achievement_id),
                dict(
                    kind=CaseKind.PITCH,
                    cause=CaseCause.ON_STAGE,
                    stage=CaseStage.NEGOTIATING if pitch.intents else CaseStage.PITCHED,
                    **base,
                ),
            )
            for company_id in dict.fromkeys(pitch.intents):
                await self._open(
                    event,
                    intent_case_id(pitch.achievement_id, company_id),
                    dict(
                        kind=CaseKind.INTENT,
                        cause=CaseCause.INTENT_ON_STAGE,
                        company_id=company_id,
                        **base,
                    ),
                )

    async def _on_IntentDeclared(self, event: EventEnvelope) -> None:  # noqa: N802
        achievement_id = str(event.payload["achievement_id"])
        company_id = str(event.payload["company_id"])
        channel = str(event.payload.get("channel") or "")
        cause = {
            "online": CaseCause.INTENT_ONLINE,
            "meeting": CaseCause.INTENT_AT_MEETING,
            "one_to_one": CaseCause.INTENT_AT_MEETING,
        }.get(channel, CaseCause.INTENT_ON_STAGE)
        roadshow_id = str(event.payload.get("roadshow_id") or event.stream_id)
        await self._intent(event, roadshow_id, achievement_id, company_id, cause)

    async def _on_OnlineMeetingAccepted(self, event: EventEnvelope) -> None:  # noqa: N802
        accepted = EVENTS.payload(event)
        assert isinstance(accepted, rs.OnlineMeetingAccepted)
        await self._intent(
            event,
            accepted.roadshow_id,
            accepted.achievement_id,
            accepted.company_id,
            CaseCause.INTENT_ONLINE,
        )

    async def _intent(
        self,
        event: EventEnvelope,
        roadshow_id: str,
        achievement_id: str,
        company_id: str,
        cause: CaseCause,
    ) -> None:
        info = await self._info(event, roadshow_id)
        known = info.get("pitches", {}).get(achievement_id, {})
        await self._open(
            event,
            intent_case_id(achievement_id, company_id),
            dict(
                kind=CaseKind.INTENT,
                cause=cause,
                cause_event_id=str(event.event_id),
                region=event.region,
                achievement_id=achievement_id,
                title=known.get("title", ""),
                institution=known.get("institution", ""),
                field=known.get("field"),
                company_id=company_id,
                roadshow_id=roadshow_id,
                host_id=info["host_id"],
                year=info["year"],
            ),
        )

    async def _info(self, event: EventEnvelope, roadshow_id: str) -> dict[str, Any]:
        info = await self.directory.get(roadshow_id) or {}
        # A roadshow planned before this worker existed: the case still opens, its host unknown.
        info.setdefault("host_id", "")
        info.setdefault("year", event.occurred_at.year)
        return info

    async def _open(self, event: EventEnvelope, case_id: str, fields: dict[str, Any]) -> None:
        fields = {
            **fields,
            "title": str(fields.get("title") or "")[:200],
            "institution": str(fields.get("institution") or "")[:200],
        }
        try:
            command = OpenCase.model_validate(fields)
        except ValidationError as error:
            # Final, not transient: the same event would fail again; it goes to the dead letters.
            raise DomainError(
                "case.invalid_cause",
                "引起跟踪的事件内容无效（如统一社会信用代码校验位错误），未建立跟踪案例",
                f"The causing event cannot open a case: {error.errors()[0]['msg']}",
            ) from None
        context = reaction_context(event, f"{REACTION}:{case_id}", actor=ACTOR, role=None)
        result = await self.bus.handle(command, context, case_id)
        if result.events:
            log.info(
                "tracking.case_opened",
                case_id=case_id,
                kind=command.kind.value,
                achievement_id=command.achievement_id,
                event_id=str(event.event_id),
            )
