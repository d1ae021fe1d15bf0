"""Tracking's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from pydantic import Field

from ztc_shared.settings import ServiceSettings


class TrackingSettings(ServiceSettings):
    service: str = "tracking"
    port: int = Field(default=8004, validation_alias="TRACKING_PORT")
