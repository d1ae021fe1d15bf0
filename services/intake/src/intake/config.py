"""Intake's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from pydantic import Field

from ztc_shared.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    service: str = "intake"
    port: int = Field(default=8001, validation_alias="INTAKE_PORT")
    worker_metrics_port: int = Field(default=9101, validation_alias="INTAKE_WORKER_METRICS_PORT")
