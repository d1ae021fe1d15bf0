"""Notify's HTTP API (FastAPI)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from notify.adapters.mongo.directory import MongoDirectory
from notify.adapters.mongo.inbox import MongoInbox
from notify.adapters.mongo.ledger import MongoLedger
from notify.bootstrap import bootstrap, outbox
from notify.config import NotifySettings
from notify.entrypoints.api.routes import contacts, deliveries, inbox, notices
from ztc_shared.eventstore.mongo import prepare_event_store
from ztc_shared.history import MongoStreamHistory, stream_history_router
from ztc_shared.web import create_app
from ztc_shared.web.resources import report_relay_backlog, serve, service_resources

DESCRIPTION = """科技成果直通车 · 通知（notify）

Work notices (`/notices`, 工作通知) from the Torch Center and the provinces to roles, regions or a
roadshow's registrants, with read receipts; each person's inbox (`/inbox`, 站内信); the directory of
contacts and each person's channels, language and opt-outs (`/contacts`, `/me/preferences`); and the
delivery ledger with its dead-letter list (`/deliveries`). Messages that domain events call for
(an achievement returned, a longlist pushed, a registration decided, a final meeting schedule, …)
are sent by the worker to the inbox, e-mail, signed webhooks, 企业微信 robots and SMS, each at most
once in effect. Every POST accepts an `Idempotency-Key`.

Every read (receipts, the inbox and its unread count, a contact, my preferences, the deliveries)
takes an optional `as_of` (时间回溯, ISO 8601 with a time zone) and answers from what was recorded
by then; `/streams/{id}/history` is the audit trail of notices and their reading."""


def create_notify_app(settings: NotifySettings | None = None) -> FastAPI:
    settings = settings or NotifySettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_resources(app, settings) as resources:
            await prepare_event_store(resources.database)
            app.state.notify = bootstrap(settings, database=resources.database)
            app.state.inbox = MongoInbox(resources.database)
            app.state.directory = MongoDirectory(resources.database)
            app.state.ledger = MongoLedger(resources.database)
            await app.state.inbox.ensure_indexes()
            await app.state.directory.ensure_indexes()
            await app.state.ledger.ensure_indexes()
            report_relay_backlog(app, settings.service, outbox(resources.database))
            app.state.stream_history = MongoStreamHistory(resources.database)
            app.state.metrics_refreshers.append(app.state.ledger.report_counts)
            yield

    return create_app(
        settings=settings,
        title="直通车 · 通知 Notify",
        description=DESCRIPTION,
        routers=[
            notices.router,
            inbox.router,
            contacts.router,
            deliveries.router,
            stream_history_router(),
        ],
        lifespan=lifespan,
    )


def main() -> None:
    settings = NotifySettings()
    serve(create_notify_app(settings), settings)


if __name__ == "__main__":
    main()
