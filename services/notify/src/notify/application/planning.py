"""From a causing event to the deliveries it calls for.

The reaction table says who and what; the directory says how each person is reached, in which
language, and what they muted; the templates say the words. Every delivery carries the dedupe key
of (event, recipient, channel, template), so planning the same event again — a redelivery, a replay
— adds nothing that is already in the ledger.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import structlog

from notify.application.facts import Facts
from notify.application.ports import Directory
from notify.application.reactions import REACTIONS
from notify.application.rendering import Renderer
from notify.domain.deliveries import Delivery, dedupe_key
from notify.domain.recipients import Contact, channels_for, in_regions, unknown
from ztc_shared.events import EventEnvelope

log = structlog.get_logger()


async def learn_contacts(
    event: EventEnvelope, directory: Directory, now: datetime | None = None
) -> None:
    """What events tell about how to reach someone: a registering company's name, an
    achievement's contact e-mail for its holder. Only fills gaps; people and operators decide.

    A registrant's contact person is not learned (it travels sealed, and a company's own mobile
    is for it or an operator to give, under 联系方式); one erased (``RegistrantErased``) is
    forgotten, with what earlier versions learned of it."""
    p = event.payload
    if event.event_type == "CompanyRegistered":
        await directory.learn(
            p["company_id"],
            {"name": p["name"], "role": "company", "region": event.region},
            now,
        )
    elif event.event_type == "RegistrantErased":
        await directory.forget_learned(p["company_id"], ["mobile"])
    elif event.event_type == "AchievementDrafted" and p.get("holder_id"):
        contact = p.get("contact") or {}
        await directory.learn(
            p["holder_id"],
            {
                "name": p.get("holder_name", ""),
                "role": "holder",
                "region": event.region,
                "email": contact.get("email"),
            },
            now,
        )


async def plan(
    event: EventEnvelope,
    facts: Facts,
    directory: Directory,
    renderer: Renderer,
    now: datetime,
) -> list[Delivery]:
    reaction = REACTIONS.get(event.event_type)
    if reaction is None:
        return []
    audience = await reaction.find(event, facts)
    essential = (
        bool(event.payload.get("essential", False))
        if reaction.essential is None
        else reaction.essential
    )
    contacts = await directory.get_many(sorted(audience.recipients))
    everyone: dict[str, Contact] = {r: contacts.get(r) or unknown(r) for r in audience.recipients}
    if audience.roles or audience.regions:
        for contact in await directory.find(audience.roles, audience.regions):
            if in_regions(contact.region, list(audience.regions)):
                everyone.setdefault(contact.recipient_id, contact)
    notice_id = event.stream_id if event.event_type == "NoticePublished" else None
    deliveries: list[Delivery] = []
    for recipient, contact in sorted(everyone.items()):
        context: dict[str, Any] = {**audience.context, **audience.recipients.get(recipient, {})}
        rendered = renderer.render(reaction.template, contact.locale, context)
        for channel, address in channels_for(contact, reaction.topic, essential):
            deliveries.append(
                Delivery(
                    key=dedupe_key(str(event.event_id), recipient, channel, reaction.template),
                    event_id=str(event.event_id),
                    event_type=event.event_type,
                    recipient=recipient,
                    channel=channel,
                    address=address,
                    template=reaction.template,
                    topic=reaction.topic.value,
                    essential=essential,
                    locale=contact.locale,
                    subject=rendered.subject,
                    body=rendered.body,
                    created_at=now,
                    notice_id=notice_id,
                    next_attempt_at=now,
                    region=event.region,
                    correlation_id=event.correlation_id,
                )
            )
    if not everyone:
        log.warning(
            "notify.no_recipients", event_type=event.event_type, event_id=str(event.event_id)
        )
    return deliveries
