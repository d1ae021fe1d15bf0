"""Tracking's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from pydantic import Field

from ztc_shared.settings import ServiceSettings


class TrackingSettings(ServiceSettings):
    service: str = "tracking"
    port: int = Field(default=8004, validation_alias="TRACKING_PORT")
    worker_metrics_port: int = Field(default=9104, validation_alias="TRACKING_WORKER_METRICS_PORT")
    follow_up_months: int = Field(
        default=3, ge=1, le=24, validation_alias="TRACKING_FOLLOW_UP_MONTHS"
    )
    stall_days: int = Field(default=180, ge=7, le=3650, validation_alias="TRACKING_STALL_DAYS")
    timer_interval_seconds: float = Field(
        default=60.0, gt=0, validation_alias="TRACKING_TIMER_INTERVAL_SECONDS"
    )
