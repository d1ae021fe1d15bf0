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
    # Idle, a relay sleeps until a commit rings it (UDP on relay_wake_host, its address kept in
    # its lease) and looks by itself at most every relay_idle_poll_ms (ztc_shared.relay.wake).
    # In Kubernetes: relay_wake_host 0.0.0.0 and relay_wake_advertised the pod's IP.
    relay_idle_poll_ms: int = Field(default=1000, ge=1)
    relay_wake_host: str = "127.0.0.1"
    relay_wake_advertised: str = ""
    relay_lease_seconds: int = Field(default=10, ge=1)
    projection_batch_size: int = Field(default=500, ge=1)
    worker_data_dir: str = Field(
        default_factory=lambda: str(Path(tempfile.gettempdir()) / "ztc-faust"),
        description="where faust keeps its per-group data directory",
    )
    projection_batch_within_ms: int = Field(default=20, ge=1)

    failpoints: str = Field(default="", validation_alias="ZTC_FAILPOINTS")

    # A store that hangs (ztc_shared.observability.hangs): /readyz answers 503 when the service's
    # database does not answer a read within readiness_timeout_s; /healthz answers 503 (restart me)
    # once it has hung for liveness_hang_s; a request still running after slow_request_s is logged
    # with what it waits on; a stop waits at most shutdown_grace_s for requests in flight.
    readiness_timeout_s: float = Field(default=3.0, gt=0)
    liveness_hang_s: float = Field(default=30.0, gt=0)
    slow_request_s: float = Field(default=10.0, gt=0)
    shutdown_grace_s: float = Field(default=10.0, gt=0)

    # Admission control (ztc_shared.web.admission): requests at once, requests waiting, how long
    # one waits before the 503 with Retry-After.
    admission_limit: int = Field(default=64, ge=1)
    admission_queue: int = Field(default=64, ge=0)
    admission_wait_s: float = Field(default=0.25, ge=0)

    @property
    def database(self) -> str:
        return f"{self.database_prefix}ztc_{self.service}"

    @property
    def personal_keys_database(self) -> str:
        """Where the deployment's per-person keys are held (ztc_shared.personal): apart from every
        service's events and read models, so that a dump of those holds no key."""
        return f"{self.database_prefix}ztc_personal_keys"
