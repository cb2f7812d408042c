"""Settings shared by every process, and the base class each service extends.

Every value comes from the environment (rule 7 of DESIGN.md); nothing else in the code
reads ``os.environ``. Shared values use the ``KAM_`` prefix (and the conventional
``DATABASE_URL``); each service adds its own prefix (``CLIENTS_``, ``STAFF_`` …).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.db import PoolerMode
from shared.dsn import with_credentials

PLACEHOLDER_SECRETS = frozenset({"", "changethis", "secret", "password", "dev-internal-secret"})
DEVELOPMENT_INTERNAL_SECRET = "dev-internal-secret"  # noqa: S105 - refused in production


class Environment(StrEnum):
    """Where the process runs; production refuses placeholder secrets."""

    DEVELOPMENT = "development"
    TEST = "test"
    PRODUCTION = "production"


def shared_env(name: str) -> AliasChoices:
    """Read a field from one un-prefixed variable, whatever the class's own prefix is."""
    return AliasChoices(name)


class BaseServiceSettings(BaseSettings):
    """What every process needs: environment, database, calendar, logging, limits."""

    model_config = SettingsConfigDict(extra="ignore", env_file=None, frozen=True)

    environment: Annotated[Environment, Field(validation_alias=shared_env("KAM_ENVIRONMENT"))] = (
        Environment.DEVELOPMENT
    )
    database_url: Annotated[str, Field(validation_alias=shared_env("DATABASE_URL"))] = (
        "postgresql://postgres@127.0.0.1:5432/kam"
    )
    db_role_prefix: Annotated[str, Field(validation_alias=shared_env("KAM_DB_ROLE_PREFIX"))] = (
        "kam_"
    )
    db_connect_wait_seconds: Annotated[
        float, Field(validation_alias=shared_env("KAM_DB_CONNECT_WAIT_SECONDS"), gt=0)
    ] = 30.0
    db_pooler_mode: Annotated[
        PoolerMode, Field(validation_alias=shared_env("KAM_DB_POOLER_MODE"))
    ] = PoolerMode.NONE
    timezone: Annotated[str, Field(validation_alias=shared_env("KAM_TIMEZONE"))] = "Asia/Shanghai"
    base_currency: Annotated[
        str, Field(validation_alias=shared_env("KAM_BASE_CURRENCY"), pattern=r"^[A-Z]{3}$")
    ] = "CNY"
    log_level: Annotated[str, Field(validation_alias=shared_env("KAM_LOG_LEVEL"))] = "INFO"
    log_json: Annotated[bool | None, Field(validation_alias=shared_env("KAM_LOG_JSON"))] = None
    max_body_bytes: Annotated[
        int, Field(validation_alias=shared_env("KAM_MAX_BODY_BYTES"), gt=0)
    ] = 1024 * 1024
    max_page_size: Annotated[int, Field(validation_alias=shared_env("KAM_MAX_PAGE_SIZE"), gt=0)] = (
        200
    )
    internal_secret: Annotated[str, Field(validation_alias=shared_env("KAM_INTERNAL_SECRET"))] = (
        DEVELOPMENT_INTERNAL_SECRET
    )
    db_pre_ping: Annotated[bool, Field(validation_alias=shared_env("KAM_DB_PRE_PING"))] = False
    """Test each pooled connection with a round trip before use. Off: a connection the
    server dropped fails one request, which invalidates the pool (docs/operations.md)."""
    token_floor_refresh_seconds: Annotated[
        float, Field(validation_alias=shared_env("KAM_TOKEN_FLOOR_REFRESH_SECONDS"), gt=0)
    ] = 2.0

    @model_validator(mode="after")
    def _refuse_placeholder_internal_secret(self) -> BaseServiceSettings:
        if (
            self.environment is Environment.PRODUCTION
            and self.internal_secret in PLACEHOLDER_SECRETS
        ):
            raise ValueError("KAM_INTERNAL_SECRET must be set to a real secret in production")
        return self


class ServiceSettings(BaseServiceSettings):
    """Settings of one backend service; subclasses set ``env_prefix`` and ``service_name``."""

    service_name: str = "service"
    host: str = "127.0.0.1"
    port: int = 8000
    db_password: str = ""
    db_url: str | None = None
    # Kept connections should cover the sustained concurrency: SQLAlchemy closes an
    # overflow connection when it is returned, so a pool below the load opens and closes
    # connections all the time (measured under 50 connections: a tenth of the CPU).
    db_pool_size: Annotated[int, Field(gt=0)] = 20
    db_max_overflow: Annotated[int, Field(ge=0)] = 5
    # A bare asyncpg pool beside the engine for the hottest one-statement reads
    # (shared/row_reads.py); 0 reads them through the engine's sessions instead.
    db_row_reader_size: Annotated[int, Field(ge=0)] = 0
    upstream_timeout_seconds: Annotated[float, Field(gt=0)] = 5.0

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> ServiceSettings:
        if self.environment is Environment.PRODUCTION and self.db_password in PLACEHOLDER_SECRETS:
            raise ValueError(
                f"{self.service_name}: a real database password is required in production"
            )
        return self

    @property
    def db_schema(self) -> str:
        """The PostgreSQL schema this service owns (its name)."""
        return self.service_name

    @property
    def db_role(self) -> str:
        """The database role this service connects as; it can reach only its own schema."""
        return f"{self.db_role_prefix}{self.service_name}"

    def service_database_url(self) -> str:
        """The DSN the service connects with: its own role on the shared server."""
        if self.db_url:
            return self.db_url
        return with_credentials(self.database_url, self.db_role, self.db_password or None)
