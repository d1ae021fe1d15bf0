"""The dashboard's settings: the only module of the service that reads the environment."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ztc_shared.settings import ServiceSettings


class DashboardSettings(ServiceSettings):
    service: str = "dashboard"
    port: int = Field(default=8006, validation_alias="DASHBOARD_PORT")
    worker_metrics_port: int = Field(default=9106, validation_alias="DASHBOARD_WORKER_METRICS_PORT")
    # province: this deployment's own topics; national: every province's topics as MirrorMaker 2
    # mirrors them into the national cluster (``<alias>.<topic>``), added up.
    mode: Literal["province", "national"] = Field(
        default="province", validation_alias="DASHBOARD_MODE"
    )
    # Where the portal's registration form goes: roadshow's API (企业报名).
    roadshow_url: str = Field(
        default="http://127.0.0.1:8003", validation_alias="DASHBOARD_ROADSHOW_URL"
    )
    # The services' APIs, whose /metrics report their relay backlog (the streams' health).
    service_urls: dict[str, str] = Field(
        default={
            "intake": "http://127.0.0.1:8001",
            "screening": "http://127.0.0.1:8002",
            "roadshow": "http://127.0.0.1:8003",
            "tracking": "http://127.0.0.1:8004",
            "notify": "http://127.0.0.1:8005",
        },
        validation_alias="DASHBOARD_SERVICE_URLS",
    )
    # Cookie that carries the caller's bearer token for the server-rendered pages.
    token_cookie: str = "ztc_token"  # noqa: S105 - a cookie name, not a secret
