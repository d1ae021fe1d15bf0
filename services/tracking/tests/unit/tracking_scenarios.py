"""The people, clocks and roadshow events the tracking scenarios share.

Every scenario drives tracking's real handlers and reactions on the in-memory event store.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from tracking.application.figures import Facts
from tracking.application.handlers import Ports
from tracking.bootstrap import Tracking, bootstrap
from tracking.config import TrackingSettings
from tracking.domain.commands import SignDeal
from ztc_shared.application import CommandContext
from ztc_shared.clock import FixedClock
from ztc_shared.contracts import roadshow as rs
from ztc_shared.contracts.identifiers import sample_credit_code
from ztc_shared.contracts.intake import TransferMode
from ztc_shared.contracts.taxonomy import IndustryField
from ztc_shared.events import DomainEvent, EventEnvelope, new_envelope
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.testing import scenario as testing

NOW = datetime(2026, 6, 20, 9, 0, tzinfo=UTC)
ROADSHOW = "roadshow-11111111-2222-3333-4444-555555555555"
REGION = "440000"


def company_id(n: int) -> str:
    return sample_credit_code(n)


def context(actor: str, role: str, key: str | None = None) -> CommandContext:
    return CommandContext(
        actor=actor,
        region=REGION,
        correlation_id="c",
        role=role,
        actor_region="440300",
        idempotency_key=key,
    )


HOST = context("host-sz", "host")
OTHER_HOST = context("host-gz", "host")
PROVINCE = context("gd-dept", "province")
TORCH = context("torch-1", "torch_center")


class NoFigures:
    """Figures from a given list of facts documents (none unless told)."""

    def __init__(self) -> None:
        self.documents: list[dict[str, Any]] = []

    async def summary_figures(self, host_id: str, year: int):  # type: ignore[no-untyped-def]
        from tracking.application.figures import summary_figures

        return summary_figures(Facts(self.documents), host_id, year)


def service(
    clock: FixedClock | None = None, **settings: Any
) -> tuple[Tracking, InMemoryEventStore, FixedClock]:
    store = InMemoryEventStore()
    clock = clock or FixedClock(NOW)
    tracking = bootstrap(
        TrackingSettings(**settings), store=store, figures=NoFigures(), clock=clock
    )
    return tracking, store, clock


class Scenario(testing.Scenario):
    """One stream of tracking's (a case, a summary), driven through the real handlers."""

    def __init__(self, stream_id: str, clock: FixedClock | None = None, **settings: Any) -> None:
        self.tracking, self.store, self.clock = service(clock, **settings)
        super().__init__(self.tracking.handle, self.store, stream_id=stream_id, now=NOW)


_versions: dict[str, int] = {}


def roadshow_event(
    payload: DomainEvent,
    stream_id: str = ROADSHOW,
    *,
    at: datetime = NOW,
    version: int | None = None,
) -> EventEnvelope:
    if version is None:
        version = _versions.get(stream_id, 0) + 1
    _versions[stream_id] = max(version, _versions.get(stream_id, 0))
    return new_envelope(
        payload,
        stream_id=stream_id,
        stream_version=version,
        occurred_at=at,
        region=REGION,
        actor="host-sz",
        correlation_id="corr-1",
        event_id=uuid.uuid4(),
    )


def planned() -> rs.RoadshowPlanned:
    return rs.RoadshowPlanned(
        year=2026,
        host_id="host-sz",
        title="新能源专场路演",
        fields=[IndustryField.NEW_ENERGY],
        region="440300",
        event_date=date(2026, 6, 18),
        format=rs.EventFormat.ON_SITE,
        capacity=200,
        agenda=[
            rs.AgendaBlock(kind=rs.AgendaKind.PITCHES, title="项目路演", starts_at=NOW, minutes=120)
        ],
        plan_text="路演方案",
    )


def shortlist(*achievements: str) -> rs.ShortlistReceived:
    return rs.ShortlistReceived(
        round_id="round-1",
        pitches=[
            rs.Pitch(
                achievement_id=a,
                title=f"成果{a}",
                institution="华南理工大学",
                field=IndustryField.NEW_ENERGY,
            )
            for a in achievements
        ],
    )


def intent(achievement: str, company: int) -> rs.IntentDeclared:
    return rs.IntentDeclared(
        achievement_id=achievement,
        company_id=company_id(company),
        modes=[TransferMode.LICENSE],
    )


def concluded(pitches: dict[str, list[int]], attendees: int = 180) -> rs.RoadshowConcluded:
    return rs.RoadshowConcluded(
        pitches=[
            rs.PitchOutcome(
                achievement_id=a,
                title=f"成果{a}",
                institution="华南理工大学",
                intents=[company_id(c) for c in companies],
            )
            for a, companies in pitches.items()
        ],
        attendees=attendees,
        szse_invited_attendees=12,
    )


def deal(amount: str = "500", company: int = 7, signed_on: date = date(2026, 6, 19)) -> SignDeal:
    return SignDeal(
        deal_type=TransferMode.LICENSE,
        amount_wan=Decimal(amount),
        counterpart_id=company_id(company),
        counterpart_name="深圳某新能源科技有限公司",
        signed_on=signed_on,
    )


def ports_of(tracking: Tracking) -> Ports:
    return tracking.ports
