"""The delivery ledger for operators: what was sent, what failed, and the dead-letter list."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from notify.application.publishing import DeliveryEvents
from notify.domain.deliveries import Delivery, Status
from notify.entrypoints.api.deps import LedgerDep, NotifyDep, Operator
from ztc_shared.domain import NotFound, StateConflict
from ztc_shared.history import AsOf

router = APIRouter(prefix="/deliveries", tags=["deliveries 送达记录"])


class DeliveryView(BaseModel):
    key: str
    reference: str
    event_id: str
    event_type: str
    recipient: str
    channel: str
    template: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime | None
    delivered_at: datetime | None


def _view(d: Delivery) -> DeliveryView:
    return DeliveryView(
        key=d.key,
        reference=d.reference,
        event_id=d.event_id,
        event_type=d.event_type,
        recipient=d.recipient,
        channel=d.channel.value,
        template=d.template,
        status=d.status.value,
        attempts=d.attempts,
        last_error=d.last_error,
        created_at=d.created_at,
        next_attempt_at=d.next_attempt_at,
        delivered_at=d.delivered_at,
    )


DELIVERIES_EXAMPLE = [
    {
        "key": "0b9e5c1e-2f4d-4c1a-9a57-6f0e3d2c1b00:91440300MA5ABCDE1X:webhook:"
        "registration_approved",
        "reference": "4f1c2b8e9d0a7c6b5e4f3a2b1c0d9e8f",
        "event_id": "0b9e5c1e-2f4d-4c1a-9a57-6f0e3d2c1b00",
        "event_type": "RegistrationApproved",
        "recipient": "91440300MA5ABCDE1X",
        "channel": "webhook",
        "template": "registration_approved",
        "status": "dead",
        "attempts": 1,
        "last_error": "HTTP 410",
        "created_at": "2026-11-28T09:00:01.250000Z",
        "next_attempt_at": "2026-11-28T09:00:01.480000Z",
        "delivered_at": None,
    }
]


@router.get(
    "",
    response_model=list[DeliveryView],
    summary="送达记录 Deliveries (status=dead: the dead-letter list)",
    description="Newest first. With ``as_of`` (时间回溯): the deliveries planned by then, each "
    "in its state then (``status`` matches the state then), from the history of state changes "
    "every ledger write appends to.",
    responses={200: {"content": {"application/json": {"example": DELIVERIES_EXAMPLE}}}},
)
async def list_deliveries(
    principal: Operator,
    ledger: LedgerDep,
    as_of: AsOf,
    status: Annotated[Status | None, Query()] = None,
    event_id: Annotated[str | None, Query()] = None,
    recipient: Annotated[str | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[DeliveryView]:
    found = await ledger.list(
        status=status, event_id=event_id, recipient=recipient, limit=limit, as_of=as_of
    )
    return [_view(d) for d in found]


@router.post(
    "/{key}/retry",
    response_model=DeliveryView,
    summary="重新发送 Send a dead delivery again",
    description="The delivery goes back to pending with its attempts started over; its stream "
    "on ztc.notify.events gets ``NotificationQueued`` with the next ``retry`` round. 409 unless "
    "it is dead.",
)
async def retry(
    key: str, principal: Operator, ledger: LedgerDep, notify: NotifyDep
) -> DeliveryView:
    now = datetime.now(UTC)
    current = await ledger.get(key)
    if current is not None and current.status is Status.DEAD:
        # Published first (NotificationQueued of the next round): should the ledger write below
        # not happen, the delivery stays dead and sending it again appends nothing new.
        await DeliveryEvents(notify.ports.store).requeued(current, now, principal.subject)
    if not await ledger.retry(key, now):
        if await ledger.get(key) is None:
            raise NotFound("delivery", key)
        raise StateConflict(
            "not_dead", "只有发送失败的记录可以重发", "Only a dead delivery can be sent again"
        )
    delivery = await ledger.get(key)
    assert delivery is not None
    return _view(delivery)
