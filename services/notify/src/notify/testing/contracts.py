"""The contract suites notify's in-memory fakes and MongoDB adapters both pass."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from notify.application.ports import Directory, Ledger
from notify.domain.deliveries import Delivery, Status, dedupe_key
from notify.domain.recipients import Channel, Contact, Locale

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
LEASE = timedelta(seconds=30)


def delivery(event_id: str = "e1", channel: Channel = Channel.EMAIL, **kw: Any) -> Delivery:
    recipient = kw.pop("recipient", "holder-1")
    return Delivery(
        key=dedupe_key(event_id, recipient, channel, "achievement_returned"),
        event_id=event_id,
        event_type="AchievementReturned",
        recipient=recipient,
        channel=channel,
        address="holder@example.cn",
        template="achievement_returned",
        topic="achievements",
        essential=True,
        locale=Locale.ZH_CN,
        subject="主题",
        body="正文",
        created_at=T0,
        next_attempt_at=kw.pop("next_attempt_at", T0),
        **kw,
    )


async def ledger_contract(make: Callable[[], Awaitable[Ledger]]) -> None:
    # A key is stored once, however often it is added.
    ledger = await make()
    first = delivery()
    assert await ledger.add([first]) == 1
    assert await ledger.add([first, delivery(channel=Channel.WEBHOOK)]) == 1

    # Claiming takes a due delivery for one owner and counts the attempt; while the lease runs
    # nobody else gets it.
    claimed = await ledger.claim("a", [Channel.EMAIL], T0, T0 + LEASE)
    assert claimed is not None and claimed.key == first.key
    assert claimed.status is Status.SENDING and claimed.attempts == 1
    assert await ledger.claim("b", [Channel.EMAIL], T0 + timedelta(seconds=1), T0 + LEASE) is None
    # Only channels asked for are claimed.
    webhook = await ledger.claim("b", [Channel.WEBHOOK], T0, T0 + LEASE)
    assert webhook is not None and webhook.channel is Channel.WEBHOOK

    # An expired lease is taken over; the first owner can no longer record.
    later = T0 + LEASE + timedelta(seconds=1)
    taken = await ledger.claim("c", [Channel.EMAIL], later, later + LEASE)
    assert taken is not None and taken.attempts == 2 and taken.lease_owner == "c"
    assert not await ledger.delivered(first.key, "a", later)
    assert await ledger.delivered(first.key, "c", later)
    stored = await ledger.get(first.key)
    assert stored is not None and stored.status is Status.DELIVERED and stored.delivered_at
    assert await ledger.claim("d", [Channel.EMAIL], later + LEASE * 3, later + LEASE * 4) is None

    # A failure goes back to pending until its retry time, or dead; dead ones can be retried.
    retry_at = T0 + timedelta(minutes=5)
    assert await ledger.failed(webhook.key, "b", "HTTP 503", retry_at, T0)
    assert await ledger.claim("b", [Channel.WEBHOOK], T0 + timedelta(minutes=4), T0) is None
    again = await ledger.claim("b", [Channel.WEBHOOK], retry_at, retry_at + LEASE)
    assert again is not None and again.attempts == 2
    assert await ledger.failed(webhook.key, "b", "HTTP 410", None, retry_at)
    dead = await ledger.list(status=Status.DEAD)
    assert [d.key for d in dead] == [webhook.key] and dead[0].last_error == "HTTP 410"
    assert not await ledger.retry(first.key, retry_at)  # delivered, not dead
    assert await ledger.retry(webhook.key, retry_at)
    revived = await ledger.claim("b", [Channel.WEBHOOK], retry_at, retry_at + LEASE)
    assert revived is not None and revived.attempts == 1
    assert [d.key for d in await ledger.list(event_id="e1", recipient="holder-1")] != []
    assert await ledger.list(event_id="other") == []


async def directory_contract(
    make: Callable[[list[Contact], dict[str, str]], Awaitable[Directory]],
) -> None:
    host = Contact(recipient_id="host-1", role="host", region="440300", email="h@example.cn")
    company = Contact(recipient_id="91440300MA5ABCDE1X", role="company", region="440300")
    directory = await make([host, company], {"host-1": "s" * 20})
    found = await directory.get_many(["host-1", "nobody"])
    assert list(found) == ["host-1"] and found["host-1"].email == "h@example.cn"
    assert [c.recipient_id for c in await directory.find(["host"], [])] == ["host-1"]
    assert {c.recipient_id for c in await directory.find([], [])} >= {
        "host-1",
        "91440300MA5ABCDE1X",
    }
    assert await directory.webhook_secret("host-1") == "s" * 20
    assert await directory.webhook_secret("91440300MA5ABCDE1X") is None
    # Learning fills gaps only.
    await directory.learn("host-1", {"email": "other@example.cn", "mobile": "13800000000"})
    await directory.learn("holder-9", {"email": "holder@example.cn", "role": "holder"})
    learned = await directory.get_many(["host-1", "holder-9"])
    assert learned["host-1"].email == "h@example.cn"
    assert learned["host-1"].mobile == "13800000000"
    assert learned["holder-9"].email == "holder@example.cn"
    assert learned["holder-9"].role == "holder"
