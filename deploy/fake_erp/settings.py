"""Settings of the fake ERP (``FAKE_ERP_`` prefix); the control API can change the target."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class FakeErpSettings(BaseSettings):
    """Where the fake ERP listens, where it sends webhooks, and how it retries."""

    model_config = SettingsConfigDict(env_prefix="FAKE_ERP_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8009
    webhook_url: str | None = None
    """Where deliveries go (e.g. clients' ERP webhook endpoint); unset = none are sent."""
    webhook_secrets: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """``whsec_…`` secrets, comma- or space-separated; each delivery is signed with all."""
    webhook_api_key: str | None = None
    """Sent as ``X-API-Key`` with every delivery (the key KAM issued to the ERP)."""
    feed_api_key: str | None = None
    """When set, ``/api/...`` requires this ``X-API-Key`` (what our sync job sends)."""
    timeout_seconds: Annotated[float, Field(gt=0)] = 5.0
    max_attempts: Annotated[int, Field(ge=1)] = 8
    backoff_seconds: Annotated[float, Field(ge=0)] = 0.5
    max_backoff_seconds: Annotated[float, Field(ge=0)] = 30.0
    max_page_size: Annotated[int, Field(ge=1)] = 500

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part for part in re.split(r"[\s,]+", value) if part]
        return value
