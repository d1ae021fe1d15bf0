"""The dashboard's composition root: its read model, the queries over it and the figures as of a
moment, built on its database and the topics this deployment follows.

The dashboard takes no commands; its worker folds every service's events into the read model and
its API answers from it. Both build what they need here, on the database their process opened.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from dashboard.adapters.as_of import CountersAsOf, Topics, fixed_topics, topics_matching
from dashboard.adapters.queries import DashboardQueries
from dashboard.adapters.readmodel import MongoReadModel
from dashboard.application.views import national_pattern, province_topics
from dashboard.config import DashboardSettings
from ztc_shared.mongo import database_of
from ztc_shared.projections import MongoProjectionCatalog


def followed_topics(settings: DashboardSettings) -> Topics:
    """The topics the worker consumes: this deployment's own, or the mirrored ones by pattern."""
    if settings.mode == "national":
        pattern = national_pattern(settings.topic_prefix)
        return topics_matching(settings.kafka_bootstrap_servers, pattern)
    return fixed_topics(province_topics(settings.topic_prefix))


@dataclass(frozen=True)
class Dashboard:
    """The dashboard as its entrypoints see it."""

    settings: DashboardSettings
    database: AsyncDatabase[dict[str, Any]]
    catalog: MongoProjectionCatalog
    queries: DashboardQueries

    def read_model(self, generation: int) -> MongoReadModel:
        """The read model's generation ``generation``, written by the worker."""
        return MongoReadModel(
            self.database, generation, province_topics(self.settings.topic_prefix)
        )

    def counters_as_of(self) -> CountersAsOf:
        """The figures as of a moment, folded from the followed topics (the API closes it)."""
        return CountersAsOf(self.settings.kafka_bootstrap_servers, followed_topics(self.settings))


def bootstrap(
    settings: DashboardSettings, *, database: AsyncDatabase[dict[str, Any]] | None = None
) -> Dashboard:
    """The dashboard's adapters on ``database`` (the settings' database when none is given)."""
    database = database if database is not None else database_of(settings)
    catalog = MongoProjectionCatalog(database, settings.service, settings.topic_prefix)
    return Dashboard(
        settings=settings,
        database=database,
        catalog=catalog,
        queries=DashboardQueries(database, catalog),
    )
