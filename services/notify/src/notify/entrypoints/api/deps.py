"""Dependency aliases of notify's routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from notify.application.ports import DirectoryRecords, InboxRecords, Ledger
from notify.bootstrap import Notify
from ztc_shared.application import CommandContext
from ztc_shared.auth import Principal, Role
from ztc_shared.domain import OPERATORS
from ztc_shared.web import CommandContextFor, require_roles

EVERYONE = tuple(Role)


async def get_notify(request: Request) -> Notify:
    notify: Notify = request.app.state.notify
    return notify


async def get_inbox(request: Request) -> InboxRecords:
    inbox: InboxRecords = request.app.state.inbox
    return inbox


async def get_directory(request: Request) -> DirectoryRecords:
    directory: DirectoryRecords = request.app.state.directory
    return directory


async def get_ledger(request: Request) -> Ledger:
    ledger: Ledger = request.app.state.ledger
    return ledger


NotifyDep = Annotated[Notify, Depends(get_notify)]
InboxDep = Annotated[InboxRecords, Depends(get_inbox)]
DirectoryDep = Annotated[DirectoryRecords, Depends(get_directory)]
LedgerDep = Annotated[Ledger, Depends(get_ledger)]

Anyone = Annotated[Principal, Depends(require_roles(*EVERYONE))]
Operator = Annotated[Principal, Depends(require_roles(*OPERATORS))]
AnyoneContext = Annotated[CommandContext, Depends(CommandContextFor(*EVERYONE))]
PublisherContext = Annotated[CommandContext, Depends(CommandContextFor(*OPERATORS))]
