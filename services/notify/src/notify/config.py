"""Notify's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from pydantic import Field

from ztc_shared.settings import ServiceSettings


class NotifySettings(ServiceSettings):
    service: str = "notify"
    port: int = Field(default=8005, validation_alias="NOTIFY_PORT")
