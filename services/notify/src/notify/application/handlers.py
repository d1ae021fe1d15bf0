"""Notify's command handlers: publish a notice, record that someone read one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from notify.domain.commands import PublishNotice, ReadNotice
from notify.domain.notice import Notice, NoticeReceipt
from ztc_shared.application import Call, CommandResult
from ztc_shared.clock import Clock
from ztc_shared.contracts.notify import notice_receipt_id
from ztc_shared.eventstore import CommandStore

SERVICE = "notify"


@dataclass(frozen=True)
class Ports:
    store: CommandStore
    clock: Clock


async def publish_notice(ports: Ports, call: Call[PublishNotice]) -> CommandResult:
    command, actor = call.command, call.actor
    return await call.execute(
        Notice,
        call.stream_id or str(uuid.uuid4()),
        lambda notice: notice.publish(
            actor,
            title=command.title,
            body=command.body,
            title_en=command.title_en,
            body_en=command.body_en,
            audience=command.audience,
            essential=command.essential,
        ),
        must_exist=False,
        new_stream=call.stream_id is None,
    )


async def read_notice(ports: Ports, call: Call[ReadNotice]) -> CommandResult:
    notice_id, reader = call.command.notice_id, call.context.actor
    return await call.execute(
        NoticeReceipt,
        notice_receipt_id(notice_id, reader),
        lambda receipt: receipt.read(notice_id, reader),
        must_exist=False,
    )
