"""The contract suites notify's in-memory fakes and MongoDB adapters both pass."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from notify.application.ports import DirectoryRecords, InboxRecords, Ledger
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
    assert await ledger.known([first.key, "e9:nobody:email:x"]) == {first.key}
    assert await ledger.known([]) == set()
    # What the delivery's events need comes back as stored.
    marked = delivery("e7", Channel.SMS, region="440300", correlation_id="c-7", events=True)
    await ledger.add([marked])
    assert await ledger.get(marked.key) == marked

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
    assert dead[0].operator_retries == 0
    assert await ledger.retry(webhook.key, retry_at)
    assert not await ledger.retry(webhook.key, retry_at)  # pending now, not dead
    revived = await ledger.claim("b", [Channel.WEBHOOK], retry_at, retry_at + LEASE)
    assert revived is not None and revived.attempts == 1 and revived.operator_retries == 1
    assert [d.key for d in await ledger.list(event_id="e1", recipient="holder-1")] != []
    assert await ledger.list(event_id="other") == []


async def directory_contract(
    make: Callable[[list[Contact], dict[str, str]], Awaitable[DirectoryRecords]],
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

    # As of a moment: every write (an operator's, the person's, what an event taught) is logged
    # with its time, and the contact as of T is the writes by T. The secret is never logged:
    # only whether one was set.
    t1, t2, t3 = (T0 + timedelta(minutes=m) for m in (1, 2, 3))
    assert await directory.document("holder-5") is None
    await directory.upsert(
        "holder-5",
        {
            "role": "holder",
            "region": "440300",
            "email": "a@example.cn",
            "channels": ["email"],
            "webhook_secret": "w" * 20,
        },
        t1,
    )
    first = await directory.document("holder-5")
    await directory.upsert("holder-5", {"email": "b@example.cn", "muted": ["screening"]}, t2)
    second = await directory.document("holder-5")
    await directory.learn("holder-5", {"mobile": "13900000000", "email": "c@example.cn"}, t3)
    third = await directory.document("holder-5")
    assert first and second and third
    assert (second["email"], third["email"], third["mobile"]) == (
        "b@example.cn",
        "b@example.cn",
        "13900000000",
    )
    assert await directory.document("holder-5", t1 - timedelta(milliseconds=1)) is None
    for moment, live in [
        (t1, first),
        (t2 - timedelta(milliseconds=1), first),
        (t2, second),
        (t3, third),
        (t3 + timedelta(days=1), third),
    ]:
        then = await directory.document("holder-5", moment)
        assert then is not None and then["webhook_secret"] is True
        assert then == {**live, "webhook_secret": True}, moment
    # Contacts known from the start are known as of any moment.
    early = await directory.document("host-1", T0)
    assert early is not None and early["email"] == "h@example.cn"

    # An erased registrant's learned mobile is gone now and as of any moment; a mobile a person
    # or an operator gave is theirs to change, and stays.
    await directory.learn("91440300MA5ERASE01", {"role": "company", "mobile": "13700000000"}, t1)
    await directory.forget_learned("91440300MA5ERASE01", ["mobile"])
    await directory.forget_learned("holder-5", ["mobile"])
    await directory.forget_learned("nobody-at-all", ["mobile"])
    asked_at: tuple[datetime | None, ...] = (None, t1, t3)
    for when in asked_at:
        erased = await directory.document("91440300MA5ERASE01", when)
        assert erased is not None and "mobile" not in erased and erased["role"] == "company"
    assert "13700000000" not in str(await directory.document("91440300MA5ERASE01"))
    kept = await directory.document("holder-5")
    assert kept is not None and kept["mobile"] == "13900000000"


async def ledger_as_of_contract(make: Callable[[], Awaitable[Ledger]]) -> None:
    """The ledger as of a moment: the deliveries planned by then, each in its state then."""
    ledger = await make()
    mail, hook = delivery("e2"), delivery("e2", Channel.WEBHOOK)
    t = [T0 + timedelta(seconds=10 * i) for i in range(1, 9)]
    seen: list[tuple[datetime, list[list[Delivery]]]] = []

    async def note(moment: datetime) -> None:
        seen.append(
            (
                moment,
                [
                    await ledger.list(),
                    await ledger.list(status=Status.DEAD),
                    await ledger.list(status=Status.PENDING, event_id="e2"),
                    await ledger.list(recipient="holder-1", limit=1),
                ],
            )
        )

    async def asked(moment: datetime) -> list[list[Delivery]]:
        return [
            await ledger.list(as_of=moment),
            await ledger.list(status=Status.DEAD, as_of=moment),
            await ledger.list(status=Status.PENDING, event_id="e2", as_of=moment),
            await ledger.list(recipient="holder-1", limit=1, as_of=moment),
        ]

    await note(T0)
    assert await ledger.add([mail, hook], t[0]) == 2
    await note(t[0])
    assert await ledger.claim("a", [Channel.EMAIL], t[1], t[1] + LEASE)
    await note(t[1])
    assert await ledger.delivered(mail.key, "a", t[2])
    await note(t[2])
    assert await ledger.claim("a", [Channel.WEBHOOK], t[3], t[3] + LEASE)
    assert await ledger.failed(hook.key, "a", "HTTP 503", t[3] + timedelta(seconds=2), t[3])
    await note(t[3])
    assert await ledger.claim("a", [Channel.WEBHOOK], t[4], t[4] + LEASE)
    assert await ledger.failed(hook.key, "a", "HTTP 410", None, t[4])
    await note(t[4])
    assert await ledger.retry(hook.key, t[5])
    await note(t[5])
    assert await ledger.claim("b", [Channel.WEBHOOK], t[6], t[6] + LEASE)
    assert await ledger.delivered(hook.key, "b", t[6])
    await note(t[6])

    states = [[d.status.value for d in answers[0]] for _, answers in seen]
    assert states == [
        [],
        ["pending", "pending"],
        ["sending", "pending"],
        ["delivered", "pending"],
        ["delivered", "pending"],
        ["delivered", "dead"],
        ["delivered", "pending"],
        ["delivered", "delivered"],
    ]
    for moment, answers in seen:
        assert await asked(moment) == answers, moment
    # Between two changes, the earlier one's state.
    assert await asked(t[4] + timedelta(seconds=5)) == seen[5][1]
    dead_then = (await ledger.list(status=Status.DEAD, as_of=t[4]))[0]
    assert (dead_then.attempts, dead_then.last_error) == (2, "HTTP 410")


async def inbox_contract(make: Callable[[], Awaitable[InboxRecords]]) -> None:
    """Filed once, read once; as of a moment, the items filed by then, read if read by then."""
    inbox = await make()
    t = [T0 + timedelta(seconds=10 * i) for i in range(1, 9)]
    first = delivery("e1", Channel.INBOX, notice_id="n-1")
    other = delivery("e1", Channel.INBOX, notice_id="n-1", recipient="host-2")
    second = delivery("e2", Channel.INBOX)
    seen: list[tuple[datetime, list[Any]]] = []

    async def answers(moment: datetime | None) -> list[Any]:
        return [
            await inbox.items("holder-1", unread=False, limit=10, as_of=moment),
            await inbox.items("holder-1", unread=True, limit=10, as_of=moment),
            await inbox.items("holder-1", unread=False, limit=1, as_of=moment),
            await inbox.unread_count("holder-1", moment),
            await inbox.receipts("n-1", moment),
        ]

    async def note(moment: datetime) -> None:
        seen.append((moment, await answers(None)))

    await note(T0)
    await inbox.put(first, t[0])
    await inbox.put(other, t[0])
    await inbox.put(first, t[1])  # a resend after a crash: nothing changes
    await note(t[1])
    await inbox.put(second, t[2])
    await note(t[2])
    assert await inbox.mark_read(first.reference, t[3]) == t[3]
    assert await inbox.mark_read(first.reference, t[4]) == t[3]  # read once
    await note(t[4])
    assert await inbox.mark_read(second.reference, t[5]) == t[5]
    await note(t[5])
    assert await inbox.mark_read("no-such-item", t[5]) is None

    assert [(len(a[0]), a[3]) for _, a in seen] == [(0, 0), (1, 1), (2, 2), (2, 1), (2, 0)]
    assert [i["_id"] for i in seen[2][1][0]] == [second.reference, first.reference]
    assert [r["recipient"] for r in seen[4][1][4]] == ["holder-1", "host-2"]
    for moment, live in seen:
        assert await answers(moment) == live, moment
    # Read between two moments: unread before the mark, read from it on.
    assert await answers(t[3] - timedelta(milliseconds=1)) == seen[2][1]
    item = await inbox.item(first.reference)
    assert item is not None and item["read_at"] == t[3]
