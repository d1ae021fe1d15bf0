"""Notify as of a moment (时间回溯): the in-memory adapters keep the as-of contracts, and every read
of the API, asked with ``as_of`` for a moment it was read live, answers as it did then."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from notify.adapters.memory import InMemoryDirectory, InMemoryInbox, InMemoryLedger
from notify.bootstrap import bootstrap
from notify.config import NotifySettings
from notify.domain.changes import contact_as_of, delivery_as_of, state_as_of
from notify.domain.deliveries import Delivery, Status, dedupe_key
from notify.domain.recipients import Channel, Locale
from notify.entrypoints.api.routes import contacts, deliveries, inbox, notices
from notify.testing.contracts import T0, inbox_contract, ledger_as_of_contract
from ztc_shared.auth import Role, mint_token
from ztc_shared.eventstore.memory import InMemoryEventStore
from ztc_shared.history import InMemoryStreamHistory
from ztc_shared.web import create_app

SETTINGS = NotifySettings()


def answer_of(response: Any) -> Any:
    """The answer without what differs by request: an error body's correlation id."""
    body = response.json()
    if isinstance(body, dict):
        body.pop("correlation_id", None)
    return body


async def test_the_in_memory_ledger_keeps_the_as_of_contract() -> None:
    async def make() -> InMemoryLedger:
        return InMemoryLedger()

    await ledger_as_of_contract(make)


async def test_the_in_memory_inbox_keeps_the_inbox_contract() -> None:
    async def make() -> InMemoryInbox:
        return InMemoryInbox()

    await inbox_contract(make)


def test_a_log_applies_the_writes_recorded_by_then_in_the_order_written() -> None:
    entries = [
        {"at": None, "set": {"email": "old@example.cn", "locale": "zh-CN"}},
        {"at": T0, "set": {"email": "new@example.cn"}},
        {"at": T0 + timedelta(minutes=1), "set": {"locale": "en"}},
    ]
    assert state_as_of([], T0) is None
    assert state_as_of(entries, T0 - timedelta(days=400)) == {
        "email": "old@example.cn",
        "locale": "zh-CN",
    }
    assert state_as_of(entries, T0) == {"email": "new@example.cn", "locale": "zh-CN"}
    assert state_as_of(entries, None) == {"email": "new@example.cn", "locale": "en"}
    # A contact written before the log was kept: its past is not known, so it answers as now.
    legacy = {"_id": "c-1", "email": "x@example.cn"}
    assert contact_as_of(legacy, T0 - timedelta(days=400)) == legacy
    logged = {"_id": "c-2", "email": "y@example.cn", "changes": entries[1:2]}
    assert contact_as_of(logged, T0 - timedelta(seconds=1)) is None
    # A delivery planned before its history was kept: as it is now, from its planning on.
    planned = {"_id": "k", "created_at": T0, "status": "delivered"}
    assert delivery_as_of(planned, T0 - timedelta(seconds=1)) is None
    assert delivery_as_of(planned, T0) == planned


def _bearer(role: Role, subject: str) -> dict[str, str]:
    token = mint_token(SETTINGS, subject=subject, role=role, region="440000")
    return {"Authorization": f"Bearer {token}"}


PROVINCE = _bearer(Role.PROVINCE, "gd-as-of")
HOST = _bearer(Role.HOST, "host-as-of")


def _app() -> tuple[FastAPI, InMemoryInbox, InMemoryLedger]:
    store = InMemoryEventStore()
    app = create_app(
        settings=SETTINGS,
        title="t",
        description="d",
        routers=[notices.router, inbox.router, contacts.router, deliveries.router],
    )
    app.state.notify = bootstrap(SETTINGS, store=store)
    app.state.stream_history = InMemoryStreamHistory(store)
    app.state.inbox, app.state.ledger = InMemoryInbox(), InMemoryLedger()
    app.state.directory = InMemoryDirectory()
    return app, app.state.inbox, app.state.ledger


def _delivery(notice_id: str, channel: Channel, now: datetime) -> Delivery:
    return Delivery(
        key=dedupe_key(f"published-{notice_id}", "host-as-of", channel, "notice"),
        event_id=f"published-{notice_id}",
        event_type="NoticePublished",
        recipient="host-as-of",
        channel=channel,
        address="host-as-of",
        template="notice",
        topic="notices",
        essential=True,
        locale=Locale.ZH_CN,
        subject="【工作通知】年度总结",
        body="请报送年度工作总结。",
        created_at=now,
        notice_id=notice_id,
    )


READS = [
    ("/inbox", HOST),
    ("/inbox/unread-count", HOST),
    ("/me/preferences", HOST),
    ("/contacts/host-as-of", PROVINCE),
    ("/deliveries", PROVINCE),
    ("/deliveries?status=pending", PROVINCE),
]


async def test_every_read_asked_as_of_a_moment_answers_as_it_did_live() -> None:
    app, filed, ledger = _app()
    client = TestClient(app)
    answers: list[tuple[datetime, dict[str, Any]]] = []

    def record(*extra: str) -> None:
        live = {url: client.get(url, headers=headers) for url, headers in READS}
        live.update({url: client.get(url, headers=PROVINCE) for url in extra})
        assert all(r.status_code in (200, 404) for r in live.values())
        answers.append(
            (datetime.now(UTC), {u: (r.status_code, answer_of(r)) for u, r in live.items()})
        )
        time.sleep(0.003)  # the next write is recorded strictly later (milliseconds)

    def now() -> datetime:
        return datetime.now(UTC)

    record()
    upserted = client.put(
        "/contacts/host-as-of",
        json={"role": "host", "region": "440300", "email": "host@example.cn"},
        headers=PROVINCE,
    )
    assert upserted.status_code == 200, upserted.text
    record()
    published = client.post(
        "/notices",
        json={"title": "年度总结", "body": "请报送年度工作总结。", "audience": {"roles": ["host"]}},
        headers=PROVINCE,
    )
    assert published.status_code == 201, published.text
    notice_id = published.json()["id"]
    receipts = f"/notices/{notice_id}/receipts"
    record(receipts)
    # What the worker does: plan, file in the inbox, send the mail.
    message, mail = (
        _delivery(notice_id, Channel.INBOX, now()),
        _delivery(notice_id, Channel.EMAIL, now()),
    )
    await ledger.add([message, mail], now())
    record(receipts)
    assert await ledger.claim("w", [Channel.INBOX], now(), now() + timedelta(seconds=30))
    await filed.put(message, now())
    assert await ledger.delivered(message.key, "w", now())
    record(receipts)
    [item] = client.get("/inbox", headers=HOST).json()["items"]
    assert client.post(f"/inbox/{item['id']}/read", headers=HOST).status_code == 200
    record(receipts)
    changed = client.put(
        "/me/preferences", json={"locale": "en", "muted": ["screening"]}, headers=HOST
    )
    assert changed.status_code == 200, changed.text
    record(receipts)

    unread = [a["/inbox/unread-count"][1]["unread"] for _, a in answers]
    assert unread == [0, 0, 0, 0, 1, 0, 0]
    statuses = [[d["status"] for d in a["/deliveries"][1]] for _, a in answers]
    assert statuses[3:5] == [["pending", "pending"], ["pending", "delivered"]]
    assert answers[-1][1]["/me/preferences"][1]["locale"] == "en"
    assert answers[2][1][receipts][1]["recipients"] == 0
    assert answers[5][1][receipts][1]["read"] == 1

    for moment, live in answers:
        for url, (status, body) in live.items():
            sep = "&" if "?" in url else "?"
            headers = (
                PROVINCE
                if url == receipts or url.startswith(("/contacts", "/deliveries"))
                else HOST
            )
            then = client.get(
                f"{url}{sep}as_of={moment.isoformat().replace('+', '%2B')}", headers=headers
            )
            assert (then.status_code, answer_of(then)) == (status, body), (url, moment)

    before = answers[1][0].isoformat().replace("+", "%2B")
    assert client.get(f"{receipts}?as_of={before}", headers=PROVINCE).status_code == 404
    # Who may look is decided now: a host never sees receipts, then or now.
    assert client.get(f"{receipts}?as_of={before}", headers=HOST).status_code == 403


def test_as_of_without_a_time_zone_or_not_a_date_is_refused_in_both_languages() -> None:
    app, _, _ = _app()
    client = TestClient(app)
    for url, headers in READS:
        naive = client.get(
            url.split("?")[0], params={"as_of": "2026-09-30T23:59:59"}, headers=headers
        )
        assert naive.status_code == 422, url
        assert "时区" in naive.json()["message_zh"] and "time zone" in naive.json()["message_en"]
        garbled = client.get(url.split("?")[0], params={"as_of": "last-quarter"}, headers=headers)
        assert garbled.status_code == 422, url
        assert garbled.json()["message_zh"].startswith("提交的内容有误")
    assert Status.DEAD.value == "dead"


def test_the_reads_document_as_of_in_openapi() -> None:
    schema = _app()[0].openapi()
    for path in (
        "/notices/{notice_id}/receipts",
        "/inbox",
        "/inbox/unread-count",
        "/contacts/{recipient_id}",
        "/me/preferences",
        "/deliveries",
    ):
        operation = schema["paths"][path]["get"]
        [as_of] = [p for p in operation["parameters"] if p["name"] == "as_of"]
        assert as_of["in"] == "query" and not as_of.get("required")
        assert "时间回溯" in as_of["description"] and as_of["examples"]
        assert operation["responses"]["200"]["content"]["application/json"]["example"]
