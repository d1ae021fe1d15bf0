"""Notify's Prometheus metrics (the worker's ``/metrics`` port, and the API's ``/metrics``)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

DELIVERIES_PLANNED = Counter(
    "ztc_notify_deliveries_planned_total",
    "Deliveries added to the ledger (a redelivered event adds none)",
)
SEND_OUTCOMES = Counter(
    "ztc_notify_sends_total",
    "Send attempts by outcome: delivered, retry (a passing failure) or dead",
    ["channel", "outcome"],
)
SEND_SECONDS = Histogram("ztc_notify_send_seconds", "Time one send took", ["channel"])
LEDGER_DELIVERIES = Gauge(
    "ztc_notify_ledger_deliveries", "Deliveries in the ledger by status", ["status"]
)
