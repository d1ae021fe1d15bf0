"""Screening's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from pydantic import Field

from ztc_shared.settings import ServiceSettings


class ScreeningSettings(ServiceSettings):
    service: str = "screening"
    port: int = Field(default=8002, validation_alias="SCREENING_PORT")
    worker_metrics_port: int = Field(default=9102, validation_alias="SCREENING_WORKER_METRICS_PORT")
