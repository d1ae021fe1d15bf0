"""One message to one person on one channel: its dedupe key, its state, and the retry policy.

The dedupe key names the cause and the effect — the causing event, the recipient, the channel and
the template — so however often the event is redelivered, the ledger holds one delivery for it.
Receivers see a stable reference derived from the key (the mail's ``Message-ID``, the webhook's
``Idempotency-Key``), so that a resend after a crash between sending and recording is recognisable.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from notify.domain.recipients import Channel, Locale


class Status(StrEnum):
    PENDING = "pending"  # waiting for its (next) attempt
    SENDING = "sending"  # claimed by a dispatcher until its lease runs out
    DELIVERED = "delivered"
    DEAD = "dead"  # gave up: on the dead-letter list for an operator


def dedupe_key(event_id: str, recipient: str, channel: Channel, template: str) -> str:
    return f"{event_id}:{recipient}:{channel.value}:{template}"


def reference(key: str) -> str:
    """What the receiver sees of the dedupe key: short, stable, and revealing nothing."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def message_id(key: str, domain: str) -> str:
    return f"<{reference(key)}@{domain}>"


@dataclass(frozen=True)
class Delivery:
    key: str
    event_id: str
    event_type: str
    recipient: str
    channel: Channel
    address: str
    template: str
    topic: str
    essential: bool
    locale: Locale
    subject: str
    body: str
    created_at: datetime
    notice_id: str | None = None
    status: Status = Status.PENDING
    attempts: int = 0
    next_attempt_at: datetime | None = None
    lease_owner: str | None = None
    last_error: str = ""
    delivered_at: datetime | None = None
    # The causing event's region and correlation, which the delivery's own events carry on.
    region: str = ""
    correlation_id: str = ""
    # Its transitions are published (``NotificationQueued`` was appended before it was stored);
    # deliveries planned before notify published them have no stream and publish nothing.
    events: bool = False
    # How often an operator sent it again from the dead-letter list (its round of events).
    operator_retries: int = 0

    @property
    def reference(self) -> str:
        return reference(self.key)


_ADDRESSES = re.compile(r"\S+@\S+|https?://\S+|\+?\d[\d -]{5,}\d")
_CODES = (
    (re.compile(r"^HTTP (\d{3})"), "http_{0}"),
    (re.compile(r"^SMTP (\d{3})"), "smtp_{0}"),
    (re.compile(r"^WeCom errcode (-?\d+)"), "wecom_{0}"),
    (re.compile(r"^recipient refused"), "recipient_refused"),
    (re.compile(r"^SMTP unavailable"), "smtp_unavailable"),
    (re.compile(r"^no webhook secret"), "no_webhook_secret"),
    (re.compile(r"^webhook unreachable"), "webhook_unreachable"),
    (re.compile(r"^WeCom unreachable"), "wecom_unreachable"),
    (re.compile(r"^SMS provider unreachable"), "sms_unreachable"),
)


def public_reason(reason: str) -> tuple[str, str]:
    """A failure as the event log may keep it: a short code, and the channel's answer with
    anything that could be an address, a link or a number taken out (``NotificationFailed``)."""
    code = "error"
    for pattern, template in _CODES:
        found = pattern.match(reason)
        if found:
            code = template.format(*(g.lstrip("-") for g in found.groups()))
            break
    return code, _ADDRESSES.sub("…", reason)[:300]


class SendFailed(Exception):
    """A channel could not deliver. ``permanent`` failures are not retried (a refused address,
    a rejected signature); the others are, with backoff."""

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    first_delay: timedelta = timedelta(seconds=2)
    max_delay: timedelta = timedelta(minutes=10)

    def next_attempt(self, attempts: int, now: datetime) -> datetime | None:
        """When to try again after ``attempts`` failed attempts; ``None``: give up."""
        if attempts >= self.max_attempts:
            return None
        delay: timedelta = min(self.first_delay * (2 ** (attempts - 1)), self.max_delay)
        return now + delay
