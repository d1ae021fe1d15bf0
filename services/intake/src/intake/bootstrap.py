"""Intake's composition root: the one place where ports meet their adapters.

``bootstrap`` builds the command bus: every command intake takes, mapped to the aggregate method
(or the handler) that decides it. Adapters not given are built on the service's MongoDB database;
unit tests give fakes instead.
"""

from __future__ import annotations

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from intake.adapters.duplicates import CatalogueDuplicateFinder
from intake.adapters.queries import IntakeQueries
from intake.application.duplicates import DuplicateFinder, NoDuplicateFinder
from intake.application.handlers import (
    SERVICE,
    Ports,
    actor_and_now,
    call_reply,
    merge_duplicate,
    new_achievement_id,
    new_call_id,
    reply,
    submit_achievement,
)
from intake.application.projections import PROJECTIONS
from intake.config import IntakeSettings
from intake.domain.achievement import Achievement
from intake.domain.call import CollectionCall
from intake.domain.commands import (
    AdmitAchievement,
    ArchiveAchievement,
    AssignEvaluators,
    CloseCollectionCall,
    DismissDuplicate,
    DraftAchievement,
    EvaluateAchievement,
    GrantConfidentialAccess,
    MergeDuplicate,
    OpenCollectionCall,
    PublishAchievement,
    RecuseEvaluator,
    RejectAchievement,
    ResubmitAchievement,
    ReturnAchievement,
    SubmitAchievement,
    UpdateAchievement,
    WithdrawAchievement,
)
from ztc_shared.application import CommandBus
from ztc_shared.clock import Clock, SystemClock
from ztc_shared.contracts import intake as intake_contracts
from ztc_shared.eventstore import CommandStore, Outbox
from ztc_shared.eventstore.mongo import MongoEventStore
from ztc_shared.kafka import service_topic
from ztc_shared.mongo import database_of
from ztc_shared.projections import MongoProjectionCatalog, ProjectionDefinition

# The service as its entrypoints see it: send a command, get its result.
Intake = CommandBus[Ports]


def bootstrap(
    settings: IntakeSettings,
    *,
    database: AsyncDatabase[dict[str, Any]] | None = None,
    store: CommandStore | None = None,
    clock: Clock | None = None,
    duplicates: DuplicateFinder | None = None,
) -> Intake:
    """Intake's commands on its ports: ``store`` and ``duplicates`` default to the MongoDB adapters
    on ``database`` (the settings' database when none is given); a bus given a fake ``store`` and
    no ``database`` suspects no duplicates."""
    assert service_topic(SERVICE) == intake_contracts.TOPIC
    if store is None or (duplicates is None and database is not None):
        database = database if database is not None else database_of(settings)
        store = store or MongoEventStore(database)
        catalog = MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
        duplicates = duplicates or CatalogueDuplicateFinder(database, catalog)
    clock = clock or SystemClock()
    ports = Ports(store=store, clock=clock, duplicates=duplicates or NoDuplicateFinder())
    bus = CommandBus(SERVICE, ports, store=store, clock=clock)

    bus.on(DraftAchievement, Achievement.draft, new=new_achievement_id, body=reply)
    bus.on(UpdateAchievement, Achievement.update, body=reply)
    bus.on(SubmitAchievement, submit_achievement)
    bus.on(ResubmitAchievement, submit_achievement)
    bus.on(ReturnAchievement, Achievement.return_for_revision, body=reply)
    bus.on(AssignEvaluators, Achievement.assign, body=reply)
    bus.on(RecuseEvaluator, Achievement.recuse, body=reply)
    bus.on(EvaluateAchievement, Achievement.evaluate, body=reply)
    bus.on(AdmitAchievement, Achievement.admit, body=reply)
    bus.on(RejectAchievement, Achievement.reject, body=reply)
    bus.on(PublishAchievement, Achievement.publish, body=reply)
    bus.on(GrantConfidentialAccess, Achievement.grant_access, body=reply)
    bus.on(WithdrawAchievement, Achievement.withdraw, body=reply)
    bus.on(ArchiveAchievement, Achievement.archive, body=reply)
    bus.on(MergeDuplicate, merge_duplicate)
    bus.on(DismissDuplicate, Achievement.dismiss_duplicate, body=reply)

    bus.on(
        OpenCollectionCall,
        CollectionCall.open_call,
        new=new_call_id,
        given=actor_and_now,
        body=call_reply,
    )
    bus.on(CloseCollectionCall, CollectionCall.close, body=call_reply)
    return bus


def outbox(database: AsyncDatabase[dict[str, Any]]) -> Outbox:
    """What the relay publishes from: the commits in intake's database."""
    return MongoEventStore(database)


def projection_definitions(settings: IntakeSettings) -> dict[str, ProjectionDefinition]:
    """Intake's read side: the catalogue and public disclosure, each run by a worker of its own."""
    return {name: build(settings.topic_prefix) for name, build in PROJECTIONS.items()}


def intake_queries(
    settings: IntakeSettings, database: AsyncDatabase[dict[str, Any]]
) -> IntakeQueries:
    return IntakeQueries(
        database, MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
    )
