"""Roadshow's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from pydantic import Field

from ztc_shared.settings import ServiceSettings


class RoadshowSettings(ServiceSettings):
    service: str = "roadshow"
    port: int = Field(default=8003, validation_alias="ROADSHOW_PORT")
    worker_metrics_port: int = Field(default=9103, validation_alias="ROADSHOW_WORKER_METRICS_PORT")
