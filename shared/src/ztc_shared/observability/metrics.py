"""Prometheus metrics every service exposes on ``/metrics``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

RELAY_BACKLOG = Gauge(
    "ztc_relay_backlog_commits", "Commits stored but not yet published to Kafka", ["service"]
)
RELAY_PUBLISHED = Counter(
    "ztc_relay_published_events_total", "Events the relay published to Kafka", ["service"]
)
CONSUMER_LAG = Gauge(
    "ztc_consumer_lag_messages",
    "Messages on a topic partition not yet applied by a consumer group",
    ["group", "topic", "partition"],
)
PROJECTION_LAG = Gauge(
    "ztc_projection_lag_seconds",
    "Time from an event's occurrence to its application, for the last batch a projection applied",
    ["projection"],
)
PROJECTION_APPLIED = Counter(
    "ztc_projection_applied_events_total",
    "Events a projection applied (skipped duplicates not counted)",
    ["projection"],
)
PROJECTION_SKIPPED = Counter(
    "ztc_projection_skipped_events_total",
    "Events a projection skipped because it had applied them before",
    ["projection"],
)
DEAD_LETTERS = Counter(
    "ztc_dead_letters_total", "Messages a consumer sent to its dead-letter topic", ["projection"]
)
PROJECTION_BATCH_SECONDS = Histogram(
    "ztc_projection_batch_seconds", "Time to apply one batch to MongoDB", ["projection"]
)
REQUESTS_REFUSED = Counter(
    "ztc_requests_refused_total",
    "Requests answered 503 at once because the API was at its admission limit",
    ["service"],
)
