"""What the receivers see: a stable Message-ID, a signature they can check, a stable reference."""

from __future__ import annotations

import hashlib
import hmac

from notify.adapters.channels import EmailSender, WebhookSender, sign
from notify.adapters.memory import InMemoryDirectory
from notify.domain.deliveries import message_id, reference
from notify.domain.recipients import Channel
from notify.testing.contracts import delivery


def test_the_mail_of_one_delivery_always_has_the_same_message_id() -> None:
    sender = EmailSender(host="127.0.0.1", port=25, sender="ztc <n@x.cn>", domain="notify.x.cn")
    first, again = sender.message(delivery()), sender.message(delivery())
    assert first["Message-ID"] == again["Message-ID"] == message_id(delivery().key, "notify.x.cn")
    other = sender.message(delivery("another-event"))
    assert other["Message-ID"] != first["Message-ID"]
    assert first["Subject"] == "主题" and first.get_content().strip() == "正文"


def test_a_reference_is_derived_from_the_dedupe_key_alone() -> None:
    key = delivery().key
    assert reference(key) == reference(key) and len(reference(key)) == 32
    assert reference(key) != reference(delivery(channel=Channel.WEBHOOK).key)


def test_a_webhook_signature_is_an_hmac_of_timestamp_and_body() -> None:
    body = WebhookSender(None, InMemoryDirectory()).payload(delivery(channel=Channel.WEBHOOK))  # type: ignore[arg-type]
    expected = hmac.new(b"secret-0123456789", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert sign("secret-0123456789", "1700000000", body) == f"v1={expected}"
    assert sign("another-secret-000", "1700000000", body) != f"v1={expected}"
