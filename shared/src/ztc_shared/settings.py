"""The settings every service shares; each service subclasses them in its own ``config.py``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Read from the environment (upper-case names) and an optional ``.env`` file."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", populate_by_name=True)

    service: str = "ztc"
    region: str = Field(default="440000", pattern=r"^\d{6}$")
    national: bool = False

    kafka_bootstrap_servers: str = "127.0.0.1:19092"
    mongodb_uri: str = "mongodb://127.0.0.1:27018/"
    topic_prefix: str = Field(default="", validation_alias="ZTC_TOPIC_PREFIX")
    database_prefix: str = Field(default="", validation_alias="ZTC_DATABASE_PREFIX")
    kafka_partitions: int = Field(default=6, ge=1)
    kafka_replication_factor: int = Field(default=1, ge=1)

    host: str = "127.0.0.1"
    port: int = 8000
    worker_metrics_port: int = 9100

    log_level: str = "INFO"
    log_json: bool = True

    jwt_algorithm: Literal["HS256", "RS256"] = "HS256"
    # Development only: production deployments verify RS256 tokens against the issuer's JWKS.
    jwt_secret: str = "ztc-development-secret-change-me-in-production"  # noqa: S105
    jwt_issuer: str = "ztc-dev"
    jwt_audience: str = "ztc"
    jwt_jwks_url: str | None = None

    relay_batch_size: int = Field(default=500, ge=1)
    relay_poll_ms: int = Field(default=20, ge=1)
    relay_lease_seconds: int = Field(default=10, ge=1)
    projection_batch_size: int = Field(default=500, ge=1)
    worker_data_dir: str = Field(
        default_factory=lambda: str(Path(tempfile.gettempdir()) / "ztc-faust"),
        description="where faust keeps its per-group data directory",
    )
    projection_batch_within_ms: int = Field(default=20, ge=1)

    failpoints: str = Field(default="", validation_alias="ZTC_FAILPOINTS")

    @property
    def database(self) -> str:
        return f"{self.database_prefix}ztc_{self.service}"
