"""Notify on the real stack: a domain event becomes an e-mail received by a real SMTP server and a
signed webhook received by a real HTTP server, once in effect, even when the event arrives twice and
the worker is killed between sending and recording."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import bearer, prefixed_env
from tests.e2e.notify_receivers import HookReceiver, Mailbox
from tests.e2e.notify_support import (
    credit_code,
    deliveries,
    envelope,
    notify_env,
    publish,
    roadshow_events,
    roadshow_topic,
    start_api,
    start_worker,
    wait_for,
)
from ztc_shared.auth import Role
from ztc_shared.contracts.roadshow import RegistrationDeclined
from ztc_shared.relay import RELAY_READY
from ztc_tools.testing.processes import RELAYS, ServiceProcess

pytestmark = pytest.mark.integration

SECRET = "e2e-webhook-secret-0123456789"


@pytest.fixture
def province() -> dict[str, str]:
    return bearer(Role.PROVINCE, "gd-notify-e2e")


def register_contact(
    client: httpx.Client, api: str, headers: dict[str, str], company: str, hooks: HookReceiver
) -> str:
    email = f"bd-{company.lower()}@zhizao.example.cn"
    response = client.put(
        f"{api}/contacts/{company}",
        json={
            "name": "深圳市智造科技有限公司",
            "role": "company",
            "region": "440300",
            "email": email,
            "webhook_url": hooks.url(company),
            "webhook_secret": SECRET,
            "channels": ["email", "webhook"],
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return email


@dataclass
class NotifyProcesses:
    env: dict[str, str]
    api: ServiceProcess
    worker: ServiceProcess
    relay: ServiceProcess

    @property
    def url(self) -> str:
        return self.api.url


@pytest.fixture(scope="module")
def notify(
    service_env: dict[str, str], log_dir: Path, mail: tuple[Mailbox, int], hooks: HookReceiver
) -> Iterator[NotifyProcesses]:
    env = notify_env(
        prefixed_env(service_env, f"n{uuid.uuid4().hex[:8]}"),
        mail[1],
        NOTIFY_SMS_PROVIDER_URL=hooks.url("sms-provider"),
        NOTIFY_SMS_API_KEY="sms-key",
    )
    processes = NotifyProcesses(
        env=env,
        api=start_api(env, log_dir, "notify-api"),
        worker=start_worker(env, log_dir, "notify-worker"),
        relay=ServiceProcess(
            "notify-relay", RELAYS["notify"], env=env, log_dir=log_dir, ready_marker=RELAY_READY
        ).start(),
    )
    everything = [processes.api, processes.worker, processes.relay]
    try:
        for process in everything:
            process.wait_ready(90)
        yield processes
    finally:
        for process in everything:
            process.stop()


def test_an_approved_registration_reaches_mail_webhook_and_inbox_once_though_sent_twice(
    notify: NotifyProcesses,
    mail: tuple[Mailbox, int],
    hooks: HookReceiver,
    province: dict[str, str],
) -> None:
    mailbox, env, api = mail[0], notify.env, notify.api
    company, later = credit_code(), credit_code()
    with httpx.Client(timeout=10) as client:
        email = register_contact(client, api.url, province, company, hooks)
        roadshow_id = str(uuid.uuid4())
        planned, registered, approved = roadshow_events(roadshow_id, company)
        # A later registration on the same stream (same partition, behind the duplicate):
        # once its mail is out, the duplicate before it has been processed too.
        _, registered_later, approved_later = roadshow_events(roadshow_id, later)
        later_email = register_contact(client, api.url, province, later, hooks)
        registered_later = registered_later.model_copy(update={"stream_version": 4})
        approved_later = approved_later.model_copy(update={"stream_version": 5})
        asyncio.run(
            publish(
                env["KAFKA_BOOTSTRAP_SERVERS"],
                roadshow_topic(env),
                [planned, registered, approved, approved, registered_later, approved_later],
            )
        )
        wait_for(lambda: mailbox.to(later_email), what="the later company's mail")
        ledger = wait_for(
            lambda: (
                [
                    d
                    for d in deliveries(client, api.url, province, event_id=str(approved.event_id))
                    if d["status"] == "delivered"
                ]
                if len(deliveries(client, api.url, province, event_id=str(approved.event_id))) == 3
                else None
            ),
            what="three deliveries recorded",
        )
        assert sorted(d["channel"] for d in ledger) == ["email", "inbox", "webhook"]
        assert all(d["status"] == "delivered" and d["attempts"] == 1 for d in ledger)

        mails = mailbox.to(email)
        assert len(mails) == 1
        message = mails[0]
        assert "报名审核通过" in message["Subject"]
        assert "深圳新一代信息技术专场路演" in message.get_content()
        reference = next(d["reference"] for d in ledger if d["channel"] == "email")
        assert message["Message-ID"].startswith(f"<{reference}@")

        calls = hooks.at(company)
        assert len(calls) == 1
        assert calls[0].signed_with(SECRET)
        assert calls[0].headers["Idempotency-Key"] == next(
            d["reference"] for d in ledger if d["channel"] == "webhook"
        )
        assert calls[0].json["event_id"] == str(approved.event_id)

        company_headers = bearer(Role.COMPANY, company)
        inbox = client.get(f"{api.url}/inbox", headers=company_headers).json()
        assert inbox["unread"] == 1
        assert [i["event_type"] for i in inbox["items"]] == ["RegistrationApproved"]


def test_a_worker_killed_between_sending_and_recording_resends_under_the_same_reference(
    service_env: dict[str, str],
    log_dir: Path,
    mail: tuple[Mailbox, int],
    hooks: HookReceiver,
    province: dict[str, str],
) -> None:
    mailbox, smtp_port = mail
    env = notify_env(
        prefixed_env(service_env, f"k{uuid.uuid4().hex[:8]}"),
        smtp_port,
        NOTIFY_DISPATCHERS="1",
        # Short, so that the survivor soon takes the dead worker's lease over; still longer than
        # a send may take.
        NOTIFY_DELIVERY_LEASE_SECONDS="8",
        NOTIFY_SEND_TIMEOUT="4",
    )
    api = start_api(env, log_dir, "notify-api-kill")
    processes: list[ServiceProcess] = [api]
    try:
        api.wait_ready(90)
        company = credit_code()
        with httpx.Client(timeout=10) as client:
            email = register_contact(client, api.url, province, company, hooks)
            roadshow_id = str(uuid.uuid4())
            events = roadshow_events(roadshow_id, company)
            approved = events[-1]
            # The worker dies right after the SMTP server accepted the mail, before the ledger
            # says so; the event is on the topic twice besides.
            doomed = start_worker(env, log_dir, "notify-worker-doomed", "notify.after_send.email")
            processes.append(doomed)
            doomed.wait_ready(90)
            asyncio.run(
                publish(env["KAFKA_BOOTSTRAP_SERVERS"], roadshow_topic(env), [*events, approved])
            )
            assert doomed.wait_exit(60) == -9
            assert len(mailbox.to(email)) == 1

            survivor = start_worker(env, log_dir, "notify-worker-survivor")
            processes.append(survivor)
            survivor.wait_ready(90)

            def settled() -> list[dict[str, object]] | None:
                found = deliveries(client, api.url, province, event_id=str(approved.event_id))
                done = len(found) == 3 and all(d["status"] == "delivered" for d in found)
                return found if done else None

            ledger = {d["channel"]: d for d in wait_for(settled, what="all three delivered")}

        # The mail went out twice — the crash hid the first send — with one Message-ID and the
        # same words: a receiver that honours Message-ID keeps one.
        mails = mailbox.to(email)
        assert len(mails) == 2
        assert len(mailbox.distinct(email)) == 1
        assert mails[0].get_content() == mails[1].get_content()
        assert ledger["email"]["attempts"] == 2
        # The webhook and the inbox were not interrupted: once each.
        assert len(hooks.at(company)) == 1
        assert len(hooks.distinct(company)) == 1
        assert ledger["webhook"]["attempts"] == 1
    finally:
        for process in processes:
            process.stop()


def test_a_province_notice_reaches_its_hosts_inboxes_and_the_province_sees_who_read_it(
    notify: NotifyProcesses, mail: tuple[Mailbox, int], province: dict[str, str]
) -> None:
    mailbox = mail[0]
    suffix = uuid.uuid4().hex[:6]
    shenzhen = bearer(Role.HOST, f"host-sz-{suffix}")
    guangzhou = bearer(Role.HOST, f"host-gz-{suffix}")
    company = bearer(Role.COMPANY, credit_code())
    torch = bearer(Role.TORCH_CENTER, "torch-e2e")
    with httpx.Client(timeout=10) as client:
        # Operators keep some contacts (Torch Center anywhere, a province its own) ...
        for headers, recipient, region in [
            (province, f"host-sz-{suffix}", "440300"),
            (torch, f"host-bj-{suffix}", "110000"),
        ]:
            response = client.put(
                f"{notify.url}/contacts/{recipient}",
                json={"role": "host", "region": region, "email": f"{recipient}@host.example.cn"},
                headers=headers,
            )
            assert response.status_code == 200, response.text
        # ... people set their own.
        for headers, preferences in [
            (guangzhou, {"email": f"host-gz-{suffix}@host.example.cn", "locale": "en"}),
            (company, {}),
        ]:
            response = client.put(f"{notify.url}/me/preferences", json=preferences, headers=headers)
            assert response.status_code == 200, response.text

        refused = client.post(
            f"{notify.url}/notices",
            json={"title": "通知", "body": "正文", "audience": {}},
            headers=province,
        )
        assert refused.status_code == 422
        assert "audience" in refused.text
        assert (
            client.post(
                f"{notify.url}/notices",
                json={"title": "通知", "body": "正文", "audience": {"roles": ["host"]}},
                headers=shenzhen,
            ).status_code
            == 403
        )

        published = client.post(
            f"{notify.url}/notices",
            json={
                "title": "关于报送年度工作总结的通知",
                "body": "请各承办单位于12月31日前报送年度工作总结。",
                "title_en": "Year-end summaries are due",
                "body_en": "Hosts, please submit the year-end summary by 31 December.",
                "audience": {"roles": ["host"]},
                "essential": True,
            },
            headers={**province, "Idempotency-Key": f"notice-{suffix}"},
        )
        assert published.status_code == 201, published.text
        notice_id = published.json()["id"]

        def unread(headers: dict[str, str]) -> int:
            answer = client.get(f"{notify.url}/inbox/unread-count", headers=headers)
            assert answer.status_code == 200, answer.text
            count: int = answer.json()["unread"]
            return count

        wait_for(lambda: unread(shenzhen) and unread(guangzhou), what="the hosts' inboxes")
        inbox = client.get(f"{notify.url}/inbox", headers=shenzhen).json()
        [item] = inbox["items"]
        assert item["notice_id"] == notice_id and item["subject"].startswith("【工作通知】")
        # Companies were not addressed; Beijing's host is not in Guangdong's province.
        assert unread(company) == 0

        read = client.post(f"{notify.url}/inbox/{item['id']}/read", headers=shenzhen)
        assert read.status_code == 200, read.text
        assert read.json()["read_at"] is not None
        assert (
            client.post(f"{notify.url}/inbox/{item['id']}/read", headers=shenzhen).status_code
            == 200
        )
        assert unread(shenzhen) == 0
        # Someone else's item is not theirs to read.
        assert (
            client.post(f"{notify.url}/inbox/{item['id']}/read", headers=guangzhou).status_code
            == 404
        )

        receipts = client.get(f"{notify.url}/notices/{notice_id}/receipts", headers=province)
        assert receipts.status_code == 200, receipts.text
        body = receipts.json()
        assert body["recipients"] == 2 and body["read"] == 1
        read_by = {r["recipient"]: r["read_at"] for r in body["receipts"]}
        assert read_by[f"host-sz-{suffix}"] is not None and read_by[f"host-gz-{suffix}"] is None

    # Guangzhou's host asked for English: its mail says so.
    [english] = wait_for(
        lambda: mailbox.to(f"host-gz-{suffix}@host.example.cn"), what="the English mail"
    )
    assert english["Subject"] == "[Notice] Year-end summaries are due"
    assert mailbox.to(f"host-bj-{suffix}@host.example.cn") == []


def test_every_channel_carries_its_reference_and_a_dead_delivery_can_be_sent_again(
    notify: NotifyProcesses,
    mail: tuple[Mailbox, int],
    hooks: HookReceiver,
    province: dict[str, str],
) -> None:
    mailbox, env = mail[0], notify.env
    company = credit_code()
    robot, hook = f"wecom-{company}", f"hook-{company}"
    hooks.answer(hook, 410)  # the company's system refuses for now: a permanent failure
    with httpx.Client(timeout=10) as client:
        response = client.put(
            f"{notify.url}/contacts/{company}",
            json={
                "role": "company",
                "region": "440300",
                "email": f"{company.lower()}@example.cn",
                "mobile": "13800000000",
                "wecom_webhook": hooks.url(robot),
                "webhook_url": hooks.url(hook),
                "webhook_secret": SECRET,
                "channels": ["email", "wecom", "webhook", "sms"],
                "locale": "zh-CN",
            },
            headers=province,
        )
        assert response.status_code == 200, response.text
        roadshow_id = str(uuid.uuid4())
        planned, registered, _ = roadshow_events(roadshow_id, company)
        declined = envelope(
            RegistrationDeclined(company_id=company, reason="本场名额已满"), roadshow_id, 3
        )
        asyncio.run(
            publish(
                env["KAFKA_BOOTSTRAP_SERVERS"], roadshow_topic(env), [planned, registered, declined]
            )
        )

        def settled() -> dict[str, dict[str, Any]] | None:
            found = deliveries(client, notify.url, province, event_id=str(declined.event_id))
            done = len(found) == 5 and all(d["status"] in ("delivered", "dead") for d in found)
            return {d["channel"]: d for d in found} if done else None

        ledger = wait_for(settled, what="five deliveries settled")
        assert {c: d["status"] for c, d in ledger.items()} == {
            "inbox": "delivered",
            "email": "delivered",
            "wecom": "delivered",
            "sms": "delivered",
            "webhook": "dead",
        }
        assert ledger["webhook"]["last_error"] == "HTTP 410"
        dead = deliveries(client, notify.url, province, status="dead", recipient=company)
        assert [d["channel"] for d in dead] == ["webhook"]
        metrics = client.get(f"{notify.url}/metrics").text
        assert 'ztc_notify_ledger_deliveries{status="dead"}' in metrics

        [robot_call] = hooks.at(robot)
        assert robot_call.json["msgtype"] == "markdown"
        assert "本场名额已满" in robot_call.json["markdown"]["content"]
        [sms] = hooks.at("sms-provider")
        assert sms.headers["Authorization"] == "Bearer sms-key"
        assert sms.json["to"] == "13800000000"
        assert sms.json["client_ref"] == ledger["sms"]["reference"]
        assert sms.json["text"].startswith("【科技成果直通车】【报名未通过】")
        assert len(mailbox.to(f"{company.lower()}@example.cn")) == 1

        # The company fixed its system; an operator sends the dead delivery again.
        hooks.answer(hook, 200)
        retried = client.post(
            f"{notify.url}/deliveries/{ledger['webhook']['key']}/retry", headers=province
        )
        assert retried.status_code == 200, retried.text
        assert retried.json()["status"] != "dead"  # pending, or already taken by the worker
        again = client.post(
            f"{notify.url}/deliveries/{ledger['webhook']['key']}/retry", headers=province
        )
        assert again.status_code == 409  # not dead (any more)

        def redelivered() -> bool:
            now = settled()
            return now is not None and now["webhook"]["status"] == "delivered"

        wait_for(redelivered, what="the webhook delivered on retry")
        calls = hooks.at(hook)
        assert len(calls) == 2 and len(hooks.distinct(hook)) == 1
        assert calls[1].signed_with(SECRET)
