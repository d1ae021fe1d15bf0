"""Notify as of any date (时间回溯), on the real stack: the answers of every read — a notice's
receipts, a person's inbox and unread count, a contact, a person's preferences, the delivery list
and its dead letters — are recorded live at several moments while notices are published by the
API, relayed, planned and sent by the worker (to the inbox, a real SMTP server and a real webhook
receiver that first refuses), read and retried; then each is asked for with ``as_of`` and must
come back identical."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import bearer, prefixed_env
from tests.e2e.notify_receivers import HookReceiver, Mailbox
from tests.e2e.notify_support import notify_env, start_api, start_worker, wait_for
from ztc_shared.auth import Role
from ztc_shared.relay import RELAY_READY
from ztc_tools.testing.processes import RELAYS, ServiceProcess

pytestmark = pytest.mark.integration

SECRET = "as-of-webhook-secret-0123456789"


@pytest.fixture(scope="module")
def notify(
    service_env: dict[str, str], log_dir: Path, mail: tuple[Mailbox, int]
) -> Iterator[tuple[dict[str, str], str]]:
    env = notify_env(prefixed_env(service_env, f"na{uuid.uuid4().hex[:8]}"), mail[1])
    processes = [
        start_api(env, log_dir, "notify-api-as-of"),
        start_worker(env, log_dir, "notify-worker-as-of"),
        ServiceProcess(
            "notify-relay-as-of",
            RELAYS["notify"],
            env=env,
            log_dir=log_dir,
            ready_marker=RELAY_READY,
        ).start(),
    ]
    try:
        for process in processes:
            process.wait_ready(90)
        yield env, processes[0].url
    finally:
        for process in processes:
            process.stop()


def test_every_notify_read_as_of_a_moment_is_what_it_answered_live(
    notify: tuple[dict[str, str], str], mail: tuple[Mailbox, int], hooks: HookReceiver
) -> None:
    _, api = notify
    suffix = uuid.uuid4().hex[:6]
    host, other = f"host-x-{suffix}", f"host-y-{suffix}"
    province = bearer(Role.PROVINCE, f"gd-{suffix}")
    torch = bearer(Role.TORCH_CENTER, f"torch-{suffix}")
    as_host, as_other = bearer(Role.HOST, host), bearer(Role.HOST, other)
    hook = f"hook-{suffix}"
    hooks.answer(hook, 410)  # the host's system refuses at first: a dead letter
    reads: dict[str, dict[str, str]] = {
        "/inbox": as_host,
        "/inbox?unread=true": as_host,
        "/inbox/unread-count": as_host,
        "/me/preferences": as_host,
        f"/contacts/{host}": province,
        "/deliveries": province,
        "/deliveries?status=dead": province,
        f"/deliveries?recipient={host}&limit=2": province,
    }
    moments: list[tuple[datetime, dict[str, tuple[int, Any]]]] = []

    with httpx.Client(base_url=api, timeout=15) as client:

        def record() -> None:
            live = {url: client.get(url, headers=headers) for url, headers in reads.items()}
            moments.append(
                (datetime.now(UTC), {url: (r.status_code, answer_of(r)) for url, r in live.items()})
            )
            time.sleep(0.005)  # the next write is recorded strictly later (milliseconds)

        def ok(response: httpx.Response) -> dict[str, Any]:
            assert response.status_code in (200, 201), response.text
            body: dict[str, Any] = response.json()
            return body

        def settled(event_type: str, count: int) -> list[dict[str, Any]] | None:
            found = [
                d
                for d in ok_list(client.get("/deliveries", headers=province))
                if d["event_type"] == event_type
            ]
            done = len(found) == count and all(d["status"] in ("delivered", "dead") for d in found)
            return found if done else None

        def publish(title: str) -> str:
            published = ok(
                client.post(
                    "/notices",
                    json={
                        "title": title,
                        "body": "请各承办单位按期报送。",
                        "title_en": "Please report on time",
                        "body_en": "Hosts, please report on time.",
                        "audience": {"roles": ["host"]},
                    },
                    headers=province,
                )
            )
            notice_id: str = published["id"]
            reads[f"/notices/{notice_id}/receipts"] = province
            return notice_id

        record()  # nothing yet: the contact is unknown (404), the inbox empty
        ok(
            client.put(
                f"/contacts/{host}",
                json={
                    "name": "深圳湾科技园",
                    "role": "host",
                    "region": "440300",
                    "email": f"{host}@host.example.cn",
                    "webhook_url": hooks.url(hook),
                    "webhook_secret": SECRET,
                    "channels": ["email", "webhook"],
                },
                headers=province,
            )
        )
        ok(client.put("/me/preferences", json={}, headers=as_other))
        record()

        first = publish("关于报送年度工作总结的通知")
        # the host: inbox, mail, webhook (refused for good); the other host: inbox only
        wait_for(lambda: settled("NoticePublished", 4), what="the first notice's deliveries")
        record()

        [item] = ok(client.get("/inbox", headers=as_host))["items"]
        ok(client.post(f"/inbox/{item['id']}/read", headers=as_host))
        record()

        ok(
            client.put(
                "/me/preferences",
                json={"locale": "en", "muted": ["screening"], "channels": ["email", "webhook"]},
                headers=as_host,
            )
        )
        record()

        hooks.answer(hook, 200)  # fixed: an operator sends the dead letter again
        [dead] = ok_list(client.get("/deliveries?status=dead", headers=province))
        ok(client.post(f"/deliveries/{dead['key']}/retry", headers=province))
        wait_for(
            lambda: (
                not ok_list(client.get("/deliveries?status=dead", headers=province))
                and settled("NoticePublished", 4)
            ),
            what="the dead letter delivered on retry",
        )
        record()

        second = publish("关于开展第四季度路演的通知")
        wait_for(lambda: settled("NoticePublished", 8), what="the second notice's deliveries")
        record()

        [_, old] = ok(client.get("/inbox", headers=as_other))["items"]
        ok(client.post(f"/inbox/{old['id']}/read", headers=as_other))
        record()

        # What the run went through, live.
        unread = [answers["/inbox/unread-count"][1]["unread"] for _, answers in moments]
        assert unread == [0, 0, 1, 0, 0, 0, 1, 1]
        assert [answers[f"/contacts/{host}"][0] for _, answers in moments][:2] == [404, 200]
        locales = [answers["/me/preferences"][1]["locale"] for _, answers in moments]
        assert locales == ["zh-CN"] * 4 + ["en"] * 4
        dead_letters = [len(answers["/deliveries?status=dead"][1]) for _, answers in moments]
        assert dead_letters == [0, 0, 1, 1, 1, 0, 0, 0]
        receipts = [
            answers[f"/notices/{first}/receipts"][1]["read"]
            for _, answers in moments
            if f"/notices/{first}/receipts" in answers
        ]
        assert receipts == [0, 1, 1, 1, 1, 2]
        english = [
            m for m in mail[0].to(f"{host}@host.example.cn") if "report on time" in m["Subject"]
        ]
        assert len(english) == 1  # the second notice, in the language chosen in between

        # Asked again with as_of, every answer is the one given live.
        for moment, answers in moments:
            for url, (status, body) in answers.items():
                separator = "&" if "?" in url else "?"
                then = client.get(
                    f"{url}{separator}as_of={moment.isoformat().replace('+', '%2B')}",
                    headers=reads[url],
                )
                assert (then.status_code, answer_of(then)) == (status, body), (url, moment)

        # Before it was published, a notice had no receipts; who may look is decided now.
        before = moments[1][0].isoformat()
        assert (
            client.get(
                f"/notices/{first}/receipts", params={"as_of": before}, headers=province
            ).status_code
            == 404
        )
        assert (
            client.get(
                f"/notices/{second}/receipts", params={"as_of": before}, headers=torch
            ).status_code
            == 404
        )
        assert (
            client.get(
                f"/notices/{first}/receipts",
                params={"as_of": moments[-1][0].isoformat()},
                headers=as_host,
            ).status_code
            == 403
        )

        # A moment without a time zone, or not a moment at all: 422, in Chinese and English.
        for url, headers in reads.items():
            path = url.split("?")[0]
            naive = client.get(path, params={"as_of": "2026-09-30T23:59:59"}, headers=headers)
            assert naive.status_code == 422, (url, naive.text)
            assert (
                "时区" in naive.json()["message_zh"] and "time zone" in naive.json()["message_en"]
            )
            garbled = client.get(path, params={"as_of": "end-of-quarter"}, headers=headers)
            assert garbled.status_code == 422, (url, garbled.text)
            assert "as_of" in garbled.json()["message_en"]


def answer_of(response: httpx.Response) -> Any:
    """The answer without what differs by request: an error body's correlation id."""
    body = response.json()
    if isinstance(body, dict):
        body.pop("correlation_id", None)
    return body


def ok_list(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found
