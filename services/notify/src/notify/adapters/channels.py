"""The channels that push: SMTP mail, signed webhooks, WeCom group robots, an HTTP SMS provider.

Each carries the delivery's stable reference where the receiver can see it: the mail's
``Message-ID``, the webhook's ``Idempotency-Key``, the SMS provider's ``client_ref``. A WeCom robot
has nowhere to put one (see ADR 10).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from email.message import EmailMessage
from email.utils import format_datetime

import aiosmtplib
import httpx

from notify.application.ports import Directory
from notify.domain.deliveries import Delivery, SendFailed, message_id

SIGNATURE_HEADER = "X-ZTC-Signature"
TIMESTAMP_HEADER = "X-ZTC-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """``v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``: the receiver recomputes and compares."""
    mac = hmac.new(secret.encode("utf-8"), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def _http_outcome(response: httpx.Response) -> None:
    if response.is_success:
        return
    transient = response.status_code in (408, 409, 425, 429) or response.status_code >= 500
    raise SendFailed(f"HTTP {response.status_code}", permanent=not transient)


class EmailSender:
    def __init__(
        self,
        *,
        host: str,
        port: int,
        sender: str,
        domain: str,
        username: str | None = None,
        password: str | None = None,
        start_tls: bool = False,
        timeout: float = 10.0,
    ) -> None:
        self._host, self._port, self._from, self._domain = host, port, sender, domain
        self._username, self._password = username, password
        self._start_tls, self._timeout = start_tls, timeout

    def message(self, delivery: Delivery) -> EmailMessage:
        message = EmailMessage()
        message["From"] = self._from
        message["To"] = delivery.address
        message["Subject"] = delivery.subject
        message["Message-ID"] = message_id(delivery.key, self._domain)
        message["Date"] = format_datetime(delivery.created_at)
        message["X-ZTC-Reference"] = delivery.reference
        message.set_content(delivery.body, charset="utf-8")
        return message

    async def send(self, delivery: Delivery) -> None:
        try:
            await aiosmtplib.send(
                self.message(delivery),
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                start_tls=self._start_tls,
                timeout=self._timeout,
            )
        except aiosmtplib.SMTPRecipientsRefused as refused:
            raise SendFailed(f"recipient refused: {refused}", permanent=True) from refused
        except aiosmtplib.SMTPResponseException as error:
            raise SendFailed(
                f"SMTP {error.code}: {error.message}", permanent=error.code >= 500
            ) from error
        except (aiosmtplib.SMTPException, OSError) as error:
            raise SendFailed(f"SMTP unavailable: {error}") from error


class WebhookSender:
    """A JSON POST signed with the recipient's secret (HMAC-SHA256 over timestamp and body)."""

    def __init__(self, client: httpx.AsyncClient, directory: Directory) -> None:
        self._client = client
        self._directory = directory

    def payload(self, delivery: Delivery) -> bytes:
        return json.dumps(
            {
                "id": delivery.reference,
                "event_id": delivery.event_id,
                "event_type": delivery.event_type,
                "template": delivery.template,
                "recipient": delivery.recipient,
                "locale": delivery.locale.value,
                "subject": delivery.subject,
                "body": delivery.body,
                "notice_id": delivery.notice_id,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")

    async def send(self, delivery: Delivery) -> None:
        secret = await self._directory.webhook_secret(delivery.recipient)
        if not secret:
            raise SendFailed("no webhook secret for this recipient", permanent=True)
        body = self.payload(delivery)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            IDEMPOTENCY_HEADER: delivery.reference,
            TIMESTAMP_HEADER: timestamp,
            SIGNATURE_HEADER: sign(secret, timestamp, body),
        }
        try:
            response = await self._client.post(delivery.address, content=body, headers=headers)
        except httpx.HTTPError as error:
            raise SendFailed(f"webhook unreachable: {error!r}") from error
        _http_outcome(response)


# WeCom's "too many messages" answer: worth trying again later; any other error code is not.
WECOM_RATE_LIMITED = 45009


class WeComSender:
    """企业微信群机器人: a markdown message to the group's robot webhook."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self._client = client

    async def send(self, delivery: Delivery) -> None:
        content = f"**{delivery.subject}**\n{delivery.body}"
        try:
            response = await self._client.post(
                delivery.address, json={"msgtype": "markdown", "markdown": {"content": content}}
            )
        except httpx.HTTPError as error:
            raise SendFailed(f"WeCom unreachable: {error!r}") from error
        _http_outcome(response)
        answer = response.json()
        code = int(answer.get("errcode", 0))
        if code != 0:
            raise SendFailed(
                f"WeCom errcode {code}: {answer.get('errmsg', '')}",
                permanent=code != WECOM_RATE_LIMITED,
            )


class SmsSender:
    """An HTTP SMS provider: the subject line, signed, to the mobile number; ``client_ref`` lets
    the provider drop a resend."""

    def __init__(
        self, client: httpx.AsyncClient, *, url: str, api_key: str | None, signature: str
    ) -> None:
        self._client, self._url, self._api_key, self._signature = client, url, api_key, signature

    async def send(self, delivery: Delivery) -> None:
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        text = f"【{self._signature}】{delivery.subject}"
        try:
            response = await self._client.post(
                self._url,
                json={"to": delivery.address, "text": text, "client_ref": delivery.reference},
                headers=headers,
            )
        except httpx.HTTPError as error:
            raise SendFailed(f"SMS provider unreachable: {error!r}") from error
        _http_outcome(response)
