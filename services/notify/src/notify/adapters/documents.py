"""Contacts as documents: the shape the directory stores, shared by its MongoDB adapter and its
in-memory fake."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from notify.domain.deliveries import Delivery
from notify.domain.recipients import DEFAULT_CHANNELS, Channel, Contact, Locale, Topic

CONTACT_FIELDS = (
    "name",
    "role",
    "region",
    "email",
    "mobile",
    "wecom_webhook",
    "webhook_url",
    "locale",
    "channels",
    "muted",
)


def contact_from_document(doc: dict[str, Any]) -> Contact:
    channels = doc.get("channels")
    return Contact(
        recipient_id=doc["_id"],
        name=doc.get("name") or "",
        role=doc.get("role"),
        region=doc.get("region"),
        email=doc.get("email"),
        mobile=doc.get("mobile"),
        wecom_webhook=doc.get("wecom_webhook"),
        webhook_url=doc.get("webhook_url"),
        locale=Locale(doc.get("locale") or Locale.ZH_CN.value),
        channels=DEFAULT_CHANNELS
        if channels is None
        else frozenset(Channel(c) for c in channels if c != Channel.INBOX.value),
        muted=frozenset(Topic(t) for t in doc.get("muted", [])),
    )


def contact_document(contact: Contact) -> dict[str, Any]:
    """The fields a contact is stored with (the inverse of :func:`contact_from_document`)."""
    return {
        "name": contact.name,
        "role": contact.role,
        "region": contact.region,
        "email": contact.email,
        "mobile": contact.mobile,
        "wecom_webhook": contact.wecom_webhook,
        "webhook_url": contact.webhook_url,
        "locale": contact.locale.value,
        "channels": sorted(c.value for c in contact.channels),
        "muted": sorted(t.value for t in contact.muted),
    }


def inbox_item(delivery: Delivery, now: datetime) -> dict[str, Any]:
    """An inbox item as it is stored, once, under the delivery's reference: unread."""
    return {
        "_id": delivery.reference,
        "key": delivery.key,
        "recipient": delivery.recipient,
        "notice_id": delivery.notice_id,
        "event_type": delivery.event_type,
        "template": delivery.template,
        "topic": delivery.topic,
        "essential": delivery.essential,
        "subject": delivery.subject,
        "body": delivery.body,
        "created_at": now,
        "read_at": None,
    }
