"""Notify's command handlers: publish a notice, record that someone read one."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from notify.domain.commands import PublishNotice, ReadNotice
from notify.domain.notice import Notice, NoticeReceipt
from ztc_shared.application import Actor, CommandContext, CommandResult, execute
from ztc_shared.clock import Clock
from ztc_shared.contracts.notify import notice_receipt_id
from ztc_shared.eventstore import EventStore


@dataclass(frozen=True)
class Ports:
    store: EventStore
    clock: Clock


Handler = Callable[[Ports, Any, CommandContext, str | None], Awaitable[CommandResult]]


async def publish_notice(
    ports: Ports, command: PublishNotice, context: CommandContext, stream_id: str | None
) -> CommandResult:
    actor = Actor.of(context)
    return await execute(
        ports.store,
        Notice,
        stream_id or str(uuid.uuid4()),
        context,
        lambda notice: notice.publish(
            actor,
            title=command.title,
            body=command.body,
            title_en=command.title_en,
            body_en=command.body_en,
            audience=command.audience,
            essential=command.essential,
        ),
        command="publish_notice",
        clock=ports.clock,
        must_exist=False,
        new_stream=stream_id is None,
    )


async def read_notice(
    ports: Ports, command: ReadNotice, context: CommandContext, stream_id: str | None
) -> CommandResult:
    return await execute(
        ports.store,
        NoticeReceipt,
        notice_receipt_id(command.notice_id, context.actor),
        context,
        lambda receipt: receipt.read(command.notice_id, context.actor),
        command="read_notice",
        clock=ports.clock,
        must_exist=False,
    )


HANDLERS: dict[type, Handler] = {
    PublishNotice: publish_notice,
    ReadNotice: read_notice,
}
