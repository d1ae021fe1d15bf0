"""Settings of the local stack launcher: the only place in the package that reads the environment.

Environment variables:

- ``KAFKA_BOOTSTRAP_SERVERS`` / ``MONGODB_URI``: use these servers instead of starting local ones.
- ``ZTC_STACK_DIR``: where all local data, jars, binaries, logs and ``stack.json`` live
  (default ``<repo root>/.stack``).
- ``ZTC_KAFKA_PORT`` (19092), ``ZTC_KAFKA_CONTROLLER_PORT`` (19093), ``ZTC_MONGODB_PORT`` (27018).
- ``ZTC_STACK_STARTUP_TIMEOUT_S`` (120): how long to wait for started processes to become healthy.
- ``ZTC_KEEP_STACK`` (false): test runs leave a stack they started running.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

POM_RELATIVE_PATH = Path("deploy") / "local" / "pom.xml"
LOG4J_RELATIVE_PATH = Path("deploy") / "local" / "log4j.properties"


def find_repo_root(start: Path | None = None) -> Path:
    """Return the nearest ancestor holding ``deploy/local/pom.xml``.

    Searches upward from this file first (source checkout or editable install), then from
    ``start`` (default: the current directory). Falls back to ``start`` itself.
    """
    origin = (start or Path.cwd()).resolve()
    for base in (Path(__file__).resolve().parent, origin):
        for candidate in (base, *base.parents):
            if (candidate / POM_RELATIVE_PATH).is_file():
                return candidate
    return origin


def _default_stack_dir() -> Path:
    return find_repo_root() / ".stack"


class StackSettings(BaseSettings):
    """Where the local stack lives and which servers to use instead of it."""

    model_config = SettingsConfigDict(
        env_prefix="ZTC_",
        extra="ignore",
        validate_by_name=True,
        validate_by_alias=True,
    )

    kafka_bootstrap_servers: str | None = Field(
        default=None,
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "kafka_bootstrap_servers"),
    )
    mongodb_uri: str | None = Field(
        default=None,
        validation_alias=AliasChoices("MONGODB_URI", "mongodb_uri"),
    )
    stack_dir: Path = Field(default_factory=_default_stack_dir)
    kafka_port: int = Field(default=19092, ge=1, le=65535)
    kafka_controller_port: int = Field(default=19093, ge=1, le=65535)
    mongodb_port: int = Field(default=27018, ge=1, le=65535)
    stack_startup_timeout_s: float = Field(default=120.0, gt=0)
    keep_stack: bool = False
    """``ZTC_KEEP_STACK=1``: a test run leaves a stack it started running for the next run."""

    @field_validator("kafka_bootstrap_servers", "mongodb_uri", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("stack_dir", mode="after")
    @classmethod
    def _absolute_stack_dir(cls, value: Path) -> Path:
        return value.expanduser().resolve()


def subprocess_env(**overrides: str) -> dict[str, str]:
    """The current environment plus ``overrides``, for build tools that read variables."""
    env = dict(os.environ)
    env.update(overrides)
    return env
